"""The bus: a subscription may ask for some kinds of events only."""

from __future__ import annotations

from edge.core.bus import Bus
from edge.core.events import Outcome, PolicyChanged, ScreeningDecided, StockChanged


def test_a_subscription_for_some_kinds_gets_only_those() -> None:
    bus = Bus()
    everything = bus.subscribe()
    decisions = bus.subscribe(maxsize=2, kinds=(ScreeningDecided, PolicyChanged))
    decided = ScreeningDecided(
        "k", "north", 1.0, Outcome.ADMIT, "ok", "admit", 36.6, None, None, True
    )
    for n in range(500):  # a storeroom burst does not fill the decisions' queue
        bus.publish(StockChanged(f"item-{n}", 1.0, "box", None, None, 1.0))
    bus.publish(decided)
    assert decisions.get_nowait() is decided
    assert decisions.get_nowait() is None and decisions.dropped == 0
    assert everything.dropped == 0 or isinstance(everything.get_nowait(), StockChanged)
