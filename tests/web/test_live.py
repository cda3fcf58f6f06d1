"""The live channel against a real uvicorn server: snapshot, events as published, clean-up."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from edge.core.events import DeviceStatus
from tests.web.conftest import PASSWORDS, LiveServer, start_live


def events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The stream's JSON messages. Keep the iterator while reading: when it is garbage
    collected, httpx closes the connection."""
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield json.loads(line[len("data: ") :])


def first(stream: Iterator[dict[str, Any]], kind: str, limit_s: float = 10.0) -> dict[str, Any]:
    # Heartbeats arrive every 0.5 s in these tests, so the loop re-checks the deadline often.
    deadline = time.monotonic() + limit_s
    for event in stream:
        if event["type"] == kind:
            return event
        assert time.monotonic() < deadline, f"no {kind} event within {limit_s} s"
    raise AssertionError("the stream ended")


@contextlib.contextmanager
def session(live: LiveServer, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=10) as client:
        login = {"username": user, "password": PASSWORDS[user]}
        client.post("/api/login", json=login).raise_for_status()
        yield client


def subscribers(live: LiveServer) -> int:
    return len(live.service.bus._subscriptions)


def wait_until(predicate: Any, limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_live_needs_login(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.url}/api/live", timeout=10).status_code == 401


def test_snapshot_then_each_event_at_once(live_server: LiveServer) -> None:
    admitted = live_server.screen("north")
    with session(live_server, "sam") as client, client.stream("GET", "/api/live") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        snap = next(stream)
        assert snap["type"] == "snapshot"
        assert [lane["id"] for lane in snap["lanes"]] == ["north", "south"]
        assert snap["latest"]["north"]["reason"] == admitted.reason == "code green, 36.6 °C"
        assert snap["latest"]["south"] is None
        assert {d["id"] for d in snap["devices"]} >= {"north-scanner"}
        event = live_server.screen("south", temperature=38.1)
        got = first(stream, "ScreeningDecided")
        assert got["outcome"] == "DENY" and got["reason"] == "fever 38.1 °C"
        assert got["temperature"] == 38.1 and got["key"] == event.key
        recorded = first(stream, "ScreeningRecorded")
        assert recorded["key"] == event.key and recorded["screening_id"] == event.screening_id
        live_server.publish(DeviceStatus("north-scanner", "scanner", "unplugged", "gone", 1.0))
        assert first(stream, "DeviceStatus")["state"] == "unplugged"


def test_subscription_is_closed_when_the_browser_goes(live_server: LiveServer) -> None:
    before = subscribers(live_server)
    with session(live_server, "sam") as client, client.stream("GET", "/api/live") as response:
        # Hold the iterator: dropping it would make httpx close the connection.
        stream = events(response)
        assert next(stream)["type"] == "snapshot"
        assert subscribers(live_server) == before + 1
    wait_until(lambda: subscribers(live_server) == before)


def test_a_slow_client_gets_a_fresh_snapshot(live_server: LiveServer) -> None:
    with session(live_server, "sam") as client, client.stream("GET", "/api/live") as response:
        stream = events(response)
        assert next(stream)["type"] == "snapshot"
        decided = [live_server.screen("north") for _ in range(3)]

        def flood() -> None:
            # more than the subscription holds, in one go on the server's loop
            for _ in range(1001):
                for event in decided:
                    live_server.service.bus.publish(event.decided)

        live_server.call(flood)
        assert first(stream, "snapshot")["screenings"][0]["id"] == decided[-1].screening_id


def test_stopping_the_server_ends_open_streams(settings: Any, gate: Any) -> None:
    live, stop = start_live(settings, gate)
    with session(live, "sam") as client, client.stream("GET", "/api/live") as response:
        stream = events(response)
        assert next(stream)["type"] == "snapshot"
        assert stop(), "the server did not stop while a browser was still listening"
        assert list(stream) == []
