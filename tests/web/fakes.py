"""An in-memory CheckpointService for the web tests: real Bus, lists for the store."""

from __future__ import annotations

import dataclasses
from typing import Any

from edge.events import DecisionOverridden, Outcome, ScreeningDecided
from edge.runtime.bus import Bus
from edge.runtime.service import (
    DeviceView,
    InvalidRequestError,
    LaneView,
    ScreeningNotFoundError,
    ScreeningView,
)

T0 = 1_800_000_000.0


class FakeCheckpoint:
    def __init__(self) -> None:
        self._bus = Bus()
        self.lane_views = [
            LaneView(
                "north", "North gate", None, {"ADMIT": 0, "DENY": 0, "RECHECK": 0, "total": 0}
            ),
            LaneView(
                "south", "South gate", None, {"ADMIT": 0, "DENY": 0, "RECHECK": 0, "total": 0}
            ),
        ]
        self.screenings: dict[int, ScreeningView] = {}
        self.audit: list[dict[str, Any]] = []
        self.device_views = [
            DeviceView(
                "north-thermometer", "north", "thermometer", "serial", "connected", "", T0, {}
            ),
            DeviceView("north-scanner", "north", "scanner", "serial", "silent", "no data", T0, {}),
            DeviceView(
                "south-scanner",
                "south",
                "scanner",
                "serial",
                "unplugged",
                "port gone",
                T0,
                {"bad frame": 2},
            ),
        ]
        self.policy_data: dict[str, Any] = {"version": "p1", "fever_threshold_c": 37.3}
        self.reload_error: str | None = None
        self.clock = T0

    @property
    def bus(self) -> Bus:
        return self._bus

    def lanes(self) -> list[LaneView]:
        out = []
        for lane in self.lane_views:
            counts = {"ADMIT": 0, "DENY": 0, "RECHECK": 0, "total": 0}
            for s in self.screenings.values():
                if s.lane == lane.id:
                    counts[s.outcome.value] += 1
                    counts["total"] += 1
            out.append(dataclasses.replace(lane, counts_today=counts))
        return out

    def list_screenings(
        self, *, lane: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[ScreeningView]:
        rows = sorted(self.screenings.values(), key=lambda s: -s.id)
        rows = [s for s in rows if (lane is None or s.lane == lane)]
        rows = [s for s in rows if before_id is None or s.id < before_id]
        return rows[:limit]

    def get_screening(self, screening_id: int) -> ScreeningView:
        try:
            return self.screenings[screening_id]
        except KeyError:
            raise ScreeningNotFoundError(screening_id) from None

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        if not reason.strip():
            raise InvalidRequestError("an override needs a reason")
        view = self.get_screening(screening_id)
        if view.outcome == outcome:
            raise InvalidRequestError(f"the decision is already {outcome}")
        self.audit.insert(
            0,
            {
                "id": len(self.audit) + 1,
                "screening_id": screening_id,
                "at": self.clock,
                "user": user,
                "reason": reason,
                "before": view.outcome.value,
                "after": outcome.value,
            },
        )
        new = dataclasses.replace(view, outcome=outcome, override_user=user, override_reason=reason)
        self.screenings[screening_id] = new
        self._bus.publish(
            DecisionOverridden(
                screening_id, view.lane, self.clock, user, view.outcome, outcome, reason
            )
        )
        return new

    def overrides(self, screening_id: int | None = None) -> list[dict[str, Any]]:
        return [a for a in self.audit if screening_id is None or a["screening_id"] == screening_id]

    def devices(self) -> list[DeviceView]:
        return list(self.device_views)

    def policy(self) -> dict[str, Any]:
        return dict(self.policy_data)

    async def reload_policy(self) -> dict[str, Any]:
        if self.reload_error:
            raise InvalidRequestError(self.reload_error)
        return self.policy()

    # -- test helpers ------------------------------------------------------------------------
    def decide(
        self,
        lane: str,
        outcome: Outcome,
        reason: str,
        *,
        temperature: float | None = 36.6,
        code_type: str | None = "community_pass",
        code_status: str | None = "green",
    ) -> ScreeningDecided:
        """Record a screening; return the event to publish (on the server's loop)."""
        screening_id = max(self.screenings, default=0) + 1
        self.clock += 1
        self.screenings[screening_id] = ScreeningView(
            id=screening_id,
            lane=lane,
            decided_at=self.clock,
            outcome=outcome,
            decided_outcome=outcome,
            reason=reason,
            rule=reason.split()[0],
            temperature=temperature,
            code_type=code_type,
            code_status=code_status,
            complete=True,
        )
        return ScreeningDecided(
            screening_id,
            lane,
            self.clock,
            outcome,
            reason,
            reason.split()[0],
            temperature,
            code_type,
            code_status,
            True,
        )
