"""Household rules as rows of the policy's rule table: exits per period, return in time."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from edge.core.events import Outcome
from edge.rules.household import HouseholdContext, ManualEntry, local_time_words, next_exit_at
from edge.rules.policy import Inputs, Policy, decide
from edge.verify.base import CodeStatus, Verdict

NOW = datetime(2026, 11, 30, 10, 0).astimezone().timestamp()
H = 3600.0
GREEN = Verdict(valid=True, code_type="community-pass", status=CodeStatus.GREEN, subject="r-1")


def policy(**household: object) -> Policy:
    return Policy.model_validate({"household": household})


def out(ctx: HouseholdContext | None, *, t: float = 36.5, direction: str = "out") -> Inputs:
    return Inputs(temperature=t, verdict=GREEN, direction=direction, household=ctx)  # type: ignore[arg-type]


def test_a_household_under_its_limit_goes_out() -> None:
    p = policy(exits_per_period=2, period_hours=48)
    ctx = HouseholdContext("3-2-501", exits=(NOW - 10 * H,), now=NOW)
    assert decide(p, out(ctx)).rule == "admit"


def test_a_household_that_used_its_exits_is_refused_with_the_next_time_in_words() -> None:
    p = policy(exits_per_period=1, period_hours=48)
    ctx = HouseholdContext("3-2-501", exits=(NOW - 2 * H,), now=NOW)
    d = decide(p, out(ctx))
    assert d.outcome is Outcome.DENY
    assert d.rule == "household-exit-limit"
    assert d.reason == (
        "household 3-2-501 has used its 1 exit in 2 days: next exit 2026-12-02 08:00"
    )


def test_the_oldest_exit_that_must_expire_decides_the_next_time() -> None:
    p = policy(exits_per_period=2, period_hours=24)
    exits = (NOW - 30 * H, NOW - 20 * H, NOW - 5 * H, NOW - 1 * H)
    # Within 24 h: -20, -5, -1 (three of two allowed): -5 h must leave, at +19 h.
    assert next_exit_at(p.household, exits, NOW) == NOW - 5 * H + 24 * H
    assert next_exit_at(p.household, exits[:2], NOW) is None


def test_rules_count_only_on_lanes_with_a_direction_and_never_for_visitors() -> None:
    p = policy(exits_per_period=1, period_hours=48)
    ctx = HouseholdContext("3-2-501", exits=(NOW - 2 * H,), now=NOW)
    assert decide(p, out(ctx, direction="both")).rule == "admit"
    assert decide(p, out(ctx, direction="in")).rule == "admit"
    visitor = HouseholdContext("3-2-501", visitor=True, exits=(NOW - 2 * H,), now=NOW)
    assert decide(p, out(visitor)).rule == "visitor"
    assert decide(p, out(None)).rule == "admit"


def test_health_rules_come_first() -> None:
    p = policy(exits_per_period=1, period_hours=48)
    ctx = HouseholdContext("3-2-501", exits=(NOW - 2 * H,), now=NOW)
    assert decide(p, out(ctx, t=38.0)).rule == "fever"


def test_a_late_return_is_named_on_the_in_lane() -> None:
    p = policy(return_within_hours=4)
    late = HouseholdContext("3-2-501", out_since=NOW - 5 * H, now=NOW)
    d = decide(p, out(late, direction="in"))
    assert (d.outcome, d.rule) == (Outcome.RECHECK, "household-late-return")
    assert (
        d.reason == "back late: out since today 05:00, due back by today 09:00 (household 3-2-501)"
    )
    on_time = HouseholdContext("3-2-501", out_since=NOW - 3 * H, now=NOW)
    assert decide(p, out(on_time, direction="in")).rule == "admit"


def test_a_manual_registration_is_decided_by_the_policy() -> None:
    p = Policy()
    entry = ManualEntry("alice", "elderly", "no phone")
    d = decide(p, Inputs(temperature=36.4, verdict=None, manual=entry))
    assert (d.outcome, d.rule) == (Outcome.ADMIT, "manual")
    assert d.reason == "manual registration (elderly) by alice: no phone"
    assert decide(p, Inputs(temperature=38.1, verdict=None, manual=entry)).rule == "fever"
    assert decide(p, Inputs(temperature=None, verdict=None, manual=entry)).rule == (
        "no-temperature"
    )


def test_time_words() -> None:
    assert local_time_words(NOW + 2 * H, NOW) == "today 12:00"
    assert local_time_words(NOW + 24 * H, NOW) == "tomorrow 10:00"


def test_bad_household_rules_are_refused() -> None:
    with pytest.raises(ValidationError):
        policy(exits_per_period=0)
    with pytest.raises(ValidationError):
        policy(period_hours=-1)
