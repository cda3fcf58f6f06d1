"""Message builders for the monitor's tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from cloud_sync.protocol import Envelope, birth_topic, data_topic, death_topic


def envelope(
    gateway: str = "gw-a",
    stream: str = "stock",
    key: str = "masks",
    rev: int = 1,
    seq: int = 1,
    body: dict[str, Any] | None = None,
) -> Envelope:
    return Envelope(
        gateway=gateway,
        stream=stream,
        key=key,
        rev=rev,
        seq=seq,
        at="2026-11-29T02:00:00Z",
        clock_synced=True,
        body=body if body is not None else {},
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
    body = {
        "lane": lane,
        "window_start": start,
        "window_s": 300,
        "screenings": screenings,
        "admitted": screenings - denied,
        "denied": denied,
        "denied_by_reason": reasons or {},
        "rechecks": 0,
        "overrides": 0,
        "temperature_histogram": {"36.5": screenings - denied, "38.0": denied},
    }
    return data(gateway, "lane-window", key=f"{lane}/{start}", rev=rev, seq=seq, body=body)


async def wait_until(predicate: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``predicate`` until true; generous, for a loaded 2-core CI machine."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)
