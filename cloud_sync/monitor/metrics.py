"""Prometheus metrics of one monitor: its own counters, and the fleet as the store sees it.

A registry per app (no process-global one), filled at scrape time by a collector, so the
ingest path only bumps plain integers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.service import IngestStats
from cloud_sync.monitor.storage.queries import Queries

PREFIX = "ccg_monitor"

_COUNTERS = (
    ("messages_received", "MQTT messages received by this monitor", "received"),
    ("messages_stored", "messages that stored a new key or a higher revision", "stored"),
    ("messages_duplicate", "messages whose revision was already stored (replays)", "duplicates"),
    ("births", "gateway birth messages", "births"),
    ("deaths", "gateway deaths that marked a gateway offline", "deaths"),
    ("stale_deaths", "deaths of an earlier session (old bdseq), ignored", "stale_deaths"),
    ("command_acks", "command acknowledgements from gateways", "acks"),
    ("seq_gaps", "messages missing in the per-stream sequence numbers", "seq_gaps"),
    ("batches", "write transactions", "batches"),
    ("storage_errors", "failed writes to the database (retried)", "storage_errors"),
    ("gateway_timeouts", "gateways marked offline for silence", "timed_out"),
    ("messages_dropped", "messages not taken while too many waited for the database", "dropped"),
    ("messages_acknowledged", "messages acknowledged to the broker once stored", "acknowledged"),
    (
        "messages_ack_lost",
        "messages stored after their connection was gone (the broker sends them again)",
        "ack_lost",
    ),
)


class MonitorCollector(Collector):
    def __init__(
        self, stats: IngestStats, queries: Queries, clock: Callable[[], float] = time.time
    ) -> None:
        self.stats = stats
        self.queries = queries
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        stats = self.stats
        for name, doc, attr in _COUNTERS:
            yield CounterMetricFamily(f"{PREFIX}_{name}", doc, value=getattr(stats, attr))
        rejected = CounterMetricFamily(
            f"{PREFIX}_messages_rejected", "messages set aside, by reason", labels=["reason"]
        )
        for category, count in sorted(stats.rejected.items()):
            rejected.add_metric([category], count)
        yield rejected
        yield GaugeMetricFamily(
            f"{PREFIX}_last_batch_size",
            "messages in the last write transaction",
            value=stats.last_batch_size,
        )
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 if the database answers")
        try:
            totals = self.queries.totals()
            gateways = self.queries.gateways(self.clock())
        except StorageError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            f"{PREFIX}_stored_keys",
            "distinct (gateway, stream, key) stored",
            value=totals["messages"],
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_rejected_kept",
            "rejected messages kept for inspection",
            value=totals["rejected_kept"],
        )
        online = GaugeMetricFamily("ccg_gateway_online", "1 if online", labels=["gateway"])
        depth = GaugeMetricFamily(
            "ccg_gateway_outbox_depth",
            "messages waiting in the gateway's outbox",
            labels=["gateway"],
        )
        lag = GaugeMetricFamily(
            "ccg_gateway_outbox_oldest_age_seconds",
            "age of the oldest unsent message",
            labels=["gateway"],
        )
        seen = GaugeMetricFamily(
            "ccg_gateway_last_seen_age_seconds", "time since the last message", labels=["gateway"]
        )
        keys = GaugeMetricFamily(
            "ccg_gateway_keys", "distinct keys the gateway holds at the centre", labels=["gateway"]
        )
        refused = CounterMetricFamily(
            "ccg_gateway_keys_refused",
            "new keys refused over the gateway's cap (--max-keys-per-gateway)",
            labels=["gateway"],
        )
        registered = GaugeMetricFamily(
            "ccg_gateway_registered", "1 if the centre's registry knows it", labels=["gateway"]
        )
        for gw in gateways:
            name = gw["gateway"]
            online.add_metric([name], 1 if gw["online"] else 0)
            registered.add_metric([name], 1 if gw["registered"] else 0)
            keys.add_metric([name], gw["keys"])
            refused.add_metric([name], gw["keys_refused"])
            if gw["last_seen_age_s"] is not None:
                seen.add_metric([name], gw["last_seen_age_s"])
            if gw["outbox_depth"] is not None:
                depth.add_metric([name], gw["outbox_depth"])
            if gw["outbox_oldest_age_s"] is not None:
                lag.add_metric([name], gw["outbox_oldest_age_s"])
        yield from (online, registered, depth, lag, seen, keys, refused)


def make_registry(
    stats: IngestStats, queries: Queries, clock: Callable[[], float]
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MonitorCollector(stats, queries, clock))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
