"""Message builders for the monitor's tests: bodies shaped like the uplink's own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from cloud_sync.monitor.storage import Storage
from cloud_sync.monitor.storage.registry import Entry
from cloud_sync.protocol import Envelope, birth_topic, data_topic, death_topic

AT = "2026-11-29T02:00:00Z"


def envelope(
    gateway: str = "gw-a",
    stream: str = "stock",
    key: str = "masks",
    rev: int = 1,
    seq: int = 1,
    body: dict[str, Any] | None = None,
) -> Envelope:
    if body is None:
        body = stock_body(key) if stream == "stock" else {}
    return Envelope(
        gateway=gateway,
        stream=stream,
        key=key,
        rev=rev,
        seq=seq,
        at=AT,
        clock_synced=True,
        body=body,
    )


def data(gateway: str = "gw-a", stream: str = "stock", **kwargs: Any) -> tuple[str, bytes]:
    return data_topic(gateway, stream), envelope(gateway, stream, **kwargs).encode()


def birth(gateway: str, bdseq: int, keepalive_s: float = 30, **extra: Any) -> tuple[str, bytes]:
    body = {"bdseq": bdseq, "keepalive_s": keepalive_s, "software": "test", **extra}
    return birth_topic(gateway), envelope(gateway, "birth", "gateway", body=body).encode()


def death(gateway: str, bdseq: int) -> tuple[str, bytes]:
    return death_topic(gateway), envelope(
        gateway, "death", "gateway", body={"bdseq": bdseq}
    ).encode()


def window_body(
    lane: str,
    start: str,
    screenings: int,
    denied: int,
    reasons: dict[str, int] | None = None,
    histogram: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "lane": lane,
        "window_start": start,
        "window_s": 300,
        "screenings": screenings,
        "admitted": screenings - denied,
        "denied": denied,
        "rechecks": 0,
        "overrides": 0,
        "incomplete": 0,
        "denied_by_reason": reasons
        if reasons is not None
        else ({"fever": denied} if denied else {}),
        "code_status": {"green": screenings},
        "temperature_histogram": (
            histogram if histogram is not None else {"36.5": screenings - denied, "38.0": denied}
        ),
        "distinct_people": screenings,
    }


def window(
    gateway: str,
    lane: str,
    start: str,
    screenings: int,
    denied: int,
    rev: int = 1,
    seq: int = 1,
    reasons: dict[str, int] | None = None,
) -> tuple[str, bytes]:
    body = window_body(lane, start, screenings, denied, reasons)
    return data(gateway, "lane-window", key=f"{lane}/{start}", rev=rev, seq=seq, body=body)


def stock_body(
    item: str = "masks",
    on_hand: float = 40,
    unit: str = "box",
    days_of_supply: float | None = 2.5,
    reorder_point: float | None = 10,
) -> dict[str, Any]:
    return {
        "item": item,
        "on_hand": on_hand,
        "unit": unit,
        "days_of_supply": days_of_supply,
        "reorder_point": reorder_point,
        "measured_at": AT,
    }


def alert_body(
    alert_id: str,
    kind: str = "low",
    severity: str = "warning",
    state: str = "open",
    message: str = "masks: 4 box left",
    subject: str = "masks",
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "kind": kind,
        "subject": subject,
        "severity": severity,
        "state": state,
        "message": message,
        "changed_at": AT,
    }


def device_body(device: str, state: str = "connected", kind: str = "thermometer") -> dict[str, Any]:
    return {"device": device, "kind": kind, "state": state, "reason": "", "changed_at": AT}


def heartbeat_body(
    outbox_depth: int = 0, outbox_oldest_age_s: float | None = None, uptime_s: float = 100.0
) -> dict[str, Any]:
    return {
        "outbox_depth": outbox_depth,
        "outbox_held": 0,
        "outbox_oldest_age_s": outbox_oldest_age_s,
        "evicted_total": 0,
        "uptime_s": uptime_s,
        "bdseq": 1,
        "clock_synced": True,
        "policy_refused": 0,
    }


def register(storage: Storage, gateway: str, community: str, name: str = "") -> None:
    """Put a gateway in the centre's registry (what ``central-monitor gateways add`` does)."""
    assert storage.registry.add(Entry(gateway, community, name), now=1.0)


async def wait_until(predicate: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``predicate`` until true; generous, for a loaded 2-core CI machine."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)
