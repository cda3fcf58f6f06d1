"""Fever alerts raised at the centre, on SQLite and PostgreSQL: a community's fever denials in
the lane windows of the last hour, from every gateway registered in it, at or above the
threshold open one alert; it resolves when the windows age out, and is raised again later.
Counts only: no person, code or lane in the alert."""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.storage import FeverRule, Storage
from cloud_sync.monitor.storage.writer import Writer
from tests.monitor.helpers import register, window

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ingest(storage: Storage, *messages: tuple[str, bytes], now: float) -> None:
    storage.writer.clock = lambda: now
    storage.writer.apply([classify(topic, payload, now) for topic, payload in messages])


def fevers(gateway: str, lane: str, start: float, count: int, rev: int = 1) -> tuple[str, bytes]:
    return window(gateway, lane, iso(start), 20, count, rev=rev, reasons={"fever": count})


def test_a_communitys_fevers_across_its_gateways_raise_one_alert(storage: Storage) -> None:
    register(storage, "gw-north", "Willow Court")
    register(storage, "gw-south", "Willow Court")
    register(storage, "gw-east", "Pine Estate")
    ingest(
        storage,
        fevers("gw-north", "in", T0, 1),
        fevers("gw-south", "in", T0 + 300, 1),
        fevers("gw-east", "in", T0 + 300, 2),  # another community: 2 of 3
        now=T0 + 600,
    )
    assert storage.queries.fever_alerts() == []
    ingest(storage, fevers("gw-north", "in", T0 + 600, 1), now=T0 + 900)
    (alert,) = storage.queries.fever_alerts()
    assert (alert["community"], alert["state"], alert["fevers"]) == ("Willow Court", "open", 3)
    assert alert["message"] == "fever denials in the last 60 min: 3 (alert at 3)"
    assert alert["opened_at"] == T0 + 900
    # what the dashboard's alert lists get: most urgent, and nothing about a person
    (listed,) = storage.queries.alerts(kind="fever")
    assert listed["alert_id"] == alert["alert_id"] and listed["severity"] == "critical"
    assert set(alert) >= {"community", "fevers", "threshold", "window_minutes"}
    assert not {"lane", "resident", "subject_id", "temperature"} & set(alert)
    assert listed in storage.queries.alerts()


def test_an_unregistered_gateway_is_judged_alone(storage: Storage) -> None:
    register(storage, "gw-north", "Willow Court")
    ingest(
        storage,
        fevers("gw-north", "in", T0, 2),
        fevers("gw-stray", "in", T0, 3),  # claims nothing we believe
        now=T0 + 300,
    )
    (alert,) = storage.queries.fever_alerts()
    assert (alert["community"], alert["gateway"], alert["registered"]) == (None, "gw-stray", False)


def test_a_revised_window_replaces_its_count(storage: Storage) -> None:
    register(storage, "gw-north", "Willow Court")
    ingest(storage, fevers("gw-north", "in", T0, 3), now=T0 + 300)
    assert [a["fevers"] for a in storage.queries.fever_alerts()] == [3]
    # an override turned a fever denial into a recheck: the window comes again, revised
    ingest(storage, fevers("gw-north", "in", T0, 2, rev=2), now=T0 + 400)
    assert storage.queries.fever_alerts() == []
    (closed,) = storage.queries.fever_alerts(open_only=False)
    assert (closed["state"], closed["fevers"], closed["peak"]) == ("resolved", 2, 3)


def test_it_resolves_as_the_windows_age_out_and_is_raised_again(storage: Storage) -> None:
    register(storage, "gw-north", "Willow Court")
    ingest(storage, fevers("gw-north", "in", T0, 3), now=T0 + 300)
    assert len(storage.queries.fever_alerts()) == 1
    storage.writer.sweep(T0 + 1800, 30.0)  # half an hour on: still in the last hour
    assert len(storage.queries.fever_alerts()) == 1
    storage.writer.sweep(T0 + 3601, 30.0)  # nothing new, the window has aged out
    assert storage.queries.fever_alerts() == []
    ingest(storage, fevers("gw-north", "out", T0 + 7200, 4), now=T0 + 7300)
    (again,) = storage.queries.fever_alerts()
    assert (again["fevers"], again["times_raised"], again["opened_at"]) == (4, 2, T0 + 7300)


def test_the_threshold_and_window_are_the_centres(storage: Storage) -> None:
    register(storage, "gw-north", "Willow Court")
    storage.writer = Writer(storage.backend, fever=FeverRule(threshold=1, window_s=600))
    ingest(storage, fevers("gw-north", "in", T0, 1), now=T0 + 60)
    (alert,) = storage.queries.fever_alerts()
    assert alert["message"] == "fever denials in the last 10 min: 1 (alert at 1)"
    storage.writer.sweep(T0 + 601, 30.0)
    assert storage.queries.fever_alerts() == []
