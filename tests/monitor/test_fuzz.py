"""Any topic and payload either stores or is set aside with a reason: never an exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud_sync.monitor.ingest import DataMessage, Rejected, classify
from cloud_sync.monitor.storage import open_storage

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[str, bytes]:
    gateway = draw(st.sampled_from(["gw-a", "gw-b", "bad id", ""]))
    stream = draw(st.sampled_from(["stock", "alert", "lane-window", "heartbeat", "x"]))
    obj: dict[str, Any] = {
        "v": draw(st.sampled_from([1, 1, 1, 2, "1", None])),
        "gw": draw(st.sampled_from([gateway, "gw-a", 5])),
        "stream": stream,
        "key": draw(st.text(max_size=10) | st.integers()),
        "rev": draw(st.integers(min_value=-1, max_value=2**70) | st.booleans()),
        "seq": draw(st.integers(min_value=-1, max_value=2**64)),
        "at": "2026-11-29T00:00:00Z",
        "clock_synced": draw(st.booleans()),
        "body": draw(st.dictionaries(st.text(max_size=10), json_values, max_size=5) | json_values),
    }
    for name in draw(st.sets(st.sampled_from(sorted(obj)), max_size=2)):
        del obj[name]
    kind = draw(st.sampled_from(["data", "birth", "death", "ack", "cmd"]))
    topic = f"ccg/v1/{gateway}/{kind}" + (f"/{stream}" if kind in ("data", "ack", "cmd") else "")
    return topic, json.dumps(obj).encode()


messages = envelopes() | st.tuples(st.text(max_size=40), st.binary(max_size=300))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(messages, min_size=1, max_size=20))
def test_any_input_stores_or_is_set_aside(tmp_path: Path, batch: list[tuple[str, bytes]]) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'fuzz.db'}")
    try:
        before = len(storage.queries.rejected(limit=1000))
        items = [classify(topic, payload, 1.0) for topic, payload in batch]
        result = storage.writer.apply(items)
        data = sum(isinstance(item, DataMessage) for item in items)
        refused = sum(r.category == "store_refused" for r in result.rejected)
        assert result.data + refused >= data
        assert len(storage.queries.rejected(limit=1000)) - before == len(result.rejected)
        assert all(isinstance(r, Rejected) and r.reason for r in result.rejected)
        storage.queries.gateways(2.0)  # every view still reads what was stored
        storage.queries.screenings()
        storage.queries.denial_reasons()
        storage.queries.stock()
        storage.queries.alerts(open_only=False)
    finally:
        storage.close()
