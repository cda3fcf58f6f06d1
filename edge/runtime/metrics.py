"""``GET /metrics``: the gateway's state in Prometheus text format.

Each part hands the router a narrow provider that reads what the part already keeps in memory
(decision counts, device states and rejected-input counters, stock, alerts); nothing counts on
the hot path and nothing reads the disk on the event loop per scrape. The uplink's outbox depth
is the one figure that lives on disk: its provider is a coroutine, read off the loop. No
personal data: lanes, devices and items only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from edge.checkpoint.counters import DecisionCounts
from edge.checkpoint.devices import DeviceBoard

MetricsProvider = Callable[[], Iterable[Metric]]
AsyncMetricsProvider = Callable[[], Awaitable[Iterable[Metric]]]

_STATES = ("connected", "silent", "unplugged", "starting")


def checkpoint_metrics(counts: DecisionCounts, devices: DeviceBoard) -> MetricsProvider:
    def collect() -> Iterable[Metric]:
        screenings = CounterMetricFamily(
            "ccg_screenings",
            "Screenings decided, by lane and outcome in force",
            labels=["lane", "outcome"],
        )
        for lane, lane_counts in counts.totals().items():
            for outcome in ("ADMIT", "DENY", "RECHECK"):
                screenings.add_metric([lane, outcome], lane_counts[outcome])
        state = GaugeMetricFamily(
            "ccg_device_state",
            "1 for the state each device is in",
            labels=["device", "kind", "state"],
        )
        rejected = CounterMetricFamily(
            "ccg_device_rejected_input",
            "Input a device sent that could not be used",
            labels=["device", "reason"],
        )
        for device in devices.views():
            for s in _STATES:
                state.add_metric([device.id, device.kind, s], 1.0 if device.state == s else 0.0)
            for reason, count in sorted(device.rejected.items()):
                rejected.add_metric([device.id, reason], count)
        return [screenings, state, rejected]

    return collect


class _Item(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def on_hand(self) -> float | None: ...
    @property
    def days_of_supply(self) -> float | None: ...


class _Alert(Protocol):
    @property
    def severity(self) -> str: ...


class _UplinkStatus(Protocol):
    @property
    def outbox_depth(self) -> int: ...
    @property
    def outbox_oldest_age_s(self) -> float | None: ...
    @property
    def connected(self) -> bool: ...
    @property
    def distribution(self) -> list[dict[str, Any]]: ...
    @property
    def distribution_counts(self) -> dict[str, int]: ...


def storeroom_metrics(
    items: Callable[[], Sequence[_Item]], open_alerts: Callable[[], Sequence[_Alert]]
) -> MetricsProvider:
    def collect() -> Iterable[Metric]:
        on_hand = GaugeMetricFamily("ccg_stock_on_hand", "Units on hand", labels=["item"])
        days = GaugeMetricFamily("ccg_stock_days_of_supply", "Days of supply", labels=["item"])
        for item in items():
            if item.on_hand is not None:
                on_hand.add_metric([item.key], item.on_hand)
            if item.days_of_supply is not None:
                days.add_metric([item.key], item.days_of_supply)
        alerts = GaugeMetricFamily("ccg_open_alerts", "Open storeroom alerts", labels=["severity"])
        severities: dict[str, int] = {}
        for alert in open_alerts():
            severities[alert.severity] = severities.get(alert.severity, 0) + 1
        for severity, n in sorted(severities.items()):
            alerts.add_metric([severity], n)
        return [on_hand, days, alerts]

    return collect


def uplink_metrics(status: Callable[[], Awaitable[_UplinkStatus]]) -> AsyncMetricsProvider:
    async def collect() -> Iterable[Metric]:
        now = await status()
        age = now.outbox_oldest_age_s
        return [
            GaugeMetricFamily(
                "ccg_outbox_depth", "Messages waiting in the uplink outbox", value=now.outbox_depth
            ),
            GaugeMetricFamily(
                "ccg_outbox_oldest_age_seconds",
                "Age of the oldest waiting message",
                value=age if age is not None else 0,
            ),
            GaugeMetricFamily(
                "ccg_uplink_connected",
                "1 while the central broker link is up",
                value=int(now.connected),
            ),
            *_distribution(now),
        ]

    return collect


def _distribution(now: _UplinkStatus) -> list[Metric]:
    """What the centre distributes: the version held per kind and scope (a lagging gateway
    shows here as on the centre's "who has heard"), and what the items came to."""
    held = GaugeMetricFamily(
        "ccg_distribution_held_version",
        "Version held of what the centre distributes (0: none yet)",
        labels=["kind", "scope"],
    )
    refused = GaugeMetricFamily(
        "ccg_distribution_refused",
        "1 while the last item of a kind and scope was refused (the reason: GET /api/uplink)",
        labels=["kind", "scope"],
    )
    for stream in now.distribution:
        labels = [str(stream.get("kind")), str(stream.get("scope"))]
        held.add_metric(labels, float(stream.get("held") or 0))
        refused.add_metric(labels, float(stream.get("status") == "refused"))
    items = CounterMetricFamily(
        "ccg_distribution_items",
        "Distributed items received, by what became of them",
        labels=["outcome"],
    )
    counts = now.distribution_counts
    for outcome in ("applied", "refused", "duplicates", "not_stored"):
        items.add_metric([outcome], counts.get(outcome, 0))
    fetches = CounterMetricFamily(
        "ccg_distribution_fetches",
        "Snapshots fetched because a delta did not follow the version held",
        value=counts.get("fetches", 0),
    )
    return [held, refused, items, fetches]


class _Families:
    """A collector of metric families gathered beforehand (so they can be formatted anywhere)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(families: list[Metric]) -> bytes:
    """Prometheus' text format of ``families``: pure, so it runs off the event loop."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry)


def create_metrics_router(
    providers: Sequence[MetricsProvider], async_providers: Sequence[AsyncMetricsProvider] = ()
) -> APIRouter:
    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
    async def metrics() -> PlainTextResponse:
        """Counts for Prometheus to scrape, in its text format: screenings by outcome,
        device states, rejected input, the uplink's outbox, and stock."""
        # The parts' state is read on the loop (it changes there); formatting the text, most of
        # a scrape's cost with hundreds of items, runs on a thread so no lane waits for it.
        families = [family for provider in providers for family in provider()]
        for provider in async_providers:
            families.extend(await provider())
        body = await asyncio.to_thread(exposition, families)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    return router
