"""``GET /metrics``: the gateway's state in Prometheus text format, gathered at scrape time.

Nothing here counts on the hot path: each scrape reads what the parts already keep (device
states and rejected-input counters, the store's screening counts, the outbox, the stock), so
metrics cost nothing between scrapes. No personal data: lanes, devices and items only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from edge.store import screenings as q

if TYPE_CHECKING:
    from edge.runtime.assembly import Gateway

_STATES = ("connected", "silent", "unplugged", "starting")


class GatewayCollector(Collector):
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def collect(self) -> Iterable[Metric]:
        gw = self._gateway
        screenings = CounterMetricFamily(
            "ccg_screenings",
            "Screenings decided, by lane and outcome in force",
            labels=["lane", "outcome"],
        )
        totals = gw.store.read_sync(lambda db: q.counts_since(db, 0.0))
        for lane, counts in sorted(totals.items()):
            for outcome in ("ADMIT", "DENY", "RECHECK"):
                screenings.add_metric([lane, outcome], counts.get(outcome, 0))
        yield screenings

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
        for device in gw.checkpoint.devices():
            for s in _STATES:
                state.add_metric([device.id, device.kind, s], 1.0 if device.state == s else 0.0)
            for reason, count in sorted(device.rejected.items()):
                rejected.add_metric([device.id, reason], count)
        yield state
        yield rejected

        if gw.storeroom is not None:
            on_hand = GaugeMetricFamily("ccg_stock_on_hand", "Units on hand", labels=["item"])
            days = GaugeMetricFamily("ccg_stock_days_of_supply", "Days of supply", labels=["item"])
            for item in gw.storeroom.items():
                if item.on_hand is not None:
                    on_hand.add_metric([item.key], item.on_hand)
                if item.days_of_supply is not None:
                    days.add_metric([item.key], item.days_of_supply)
            alerts = GaugeMetricFamily(
                "ccg_open_alerts", "Open storeroom alerts", labels=["severity"]
            )
            severities: dict[str, int] = {}
            for alert in gw.storeroom.open_alerts():
                severities[alert.severity] = severities.get(alert.severity, 0) + 1
            for severity, n in sorted(severities.items()):
                alerts.add_metric([severity], n)
            yield on_hand
            yield days
            yield alerts


def create_metrics_router(gateway: Gateway) -> APIRouter:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector(gateway))
    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        """Prometheus metrics: screenings, device states, rejected input, outbox, stock."""
        body = generate_latest(registry)
        if gateway.uplink is not None:
            status = await gateway.uplink.status()
            age = status.outbox_oldest_age_s
            body += (
                b"# HELP ccg_outbox_depth Messages waiting in the uplink outbox\n"
                b"# TYPE ccg_outbox_depth gauge\n"
                + f"ccg_outbox_depth {status.outbox_depth}\n".encode()
                + b"# HELP ccg_outbox_oldest_age_seconds Age of the oldest waiting message\n"
                b"# TYPE ccg_outbox_oldest_age_seconds gauge\n"
                + f"ccg_outbox_oldest_age_seconds {age if age is not None else 0}\n".encode()
                + b"# HELP ccg_uplink_connected 1 while the central broker link is up\n"
                b"# TYPE ccg_uplink_connected gauge\n"
                + f"ccg_uplink_connected {int(status.connected)}\n".encode()
            )
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    return router
