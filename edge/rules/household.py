"""Household rules of the admission policy: how often a household may go out, and by when a
member who went out must be back.

Lockdown rules such as "one person per household may go out every two days for supplies" were
kept by memory at the gate; here they are rows of the policy's rule table
(:data:`edge.rules.policy.RULES`), decided from a :class:`HouseholdContext` that the gateway's
household registry hands the lane (the exits it counted across every lane, kept across
restarts). Pure functions: no clock, no storage; the context carries ``now``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edge.core.events import Outcome
from edge.i18n import N_

Direction = Literal["in", "out", "both"]

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
EXITS_USED = N_("household {household} has used its {n} {exits} in {period}: next exit {next}")
BACK_LATE = N_("back late: out since {since}, due back by {due} (household {household})")
VISITOR = N_("visitor of {household}, {temperature}")
MANUAL = N_("manual registration ({category}) by {user}: {reason}")
EXIT_WORDS = (N_("exit"), N_("exits"))
TODAY, TOMORROW = N_("today {time}"), N_("tomorrow {time}")
#: another day: "2026-12-01 14:30", the same in every language (no words to translate)
OTHER_DAY = "{day} {time}"
ONE_DAY, DAYS, HOURS = N_("1 day"), N_("{days} days"), N_("{hours} h")


class HouseholdRules(BaseModel):
    """``[household]`` in ``policy.toml``; the rules apply on lanes whose direction is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: admitted exits per household in any ``period_hours``; None: no limit
    exits_per_period: int | None = Field(None, ge=1, le=100)
    period_hours: float = Field(48.0, gt=0, le=31 * 24)
    #: a member who went out must be back within this; None: no requirement
    return_within_hours: float | None = Field(None, gt=0, le=31 * 24)
    #: what a late return gets on the in-lane (RECHECK: staff are told; ADMIT: recorded only)
    on_late_return: Outcome = Outcome.RECHECK


class ManualRules(BaseModel):
    """``[manual]`` in ``policy.toml``: registering a person who has no code at all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    require_id_last4: bool = True  # the last four characters of an identity number
    outcome: Outcome = Outcome.ADMIT
    categories: tuple[str, ...] = (
        N_("elderly"),
        N_("child"),
        N_("delivery"),
        N_("no-phone"),
        N_("other"),
    )


@dataclass(frozen=True, slots=True)
class HouseholdContext:
    """What the registry knows of the person scanned, for the household rules."""

    household: str  # the household's address label, "3-2-501"
    visitor: bool = False  # a visitor of this household, not a member
    exits: tuple[float, ...] = ()  # the household's admitted exits, oldest first
    out_since: float | None = None  # this member's exit not yet followed by a return
    now: float = 0.0


@dataclass(frozen=True, slots=True)
class ManualEntry:
    """A manual registration by the staff member on duty (the person has no code)."""

    user: str
    category: str
    reason: str
    details: dict[str, str] = field(default_factory=dict)


def local_time_words(at: float, now: float) -> str:
    """``today 14:30``, ``tomorrow 09:00`` or ``2026-12-01 14:30``, in the gateway's time
    zone."""
    moment = datetime.fromtimestamp(at).astimezone()
    today = datetime.fromtimestamp(now).astimezone().date()
    hhmm = moment.strftime("%H:%M")
    if moment.date() == today:
        return TODAY.format(time=hhmm)
    if moment.date() == today + timedelta(days=1):
        return TOMORROW.format(time=hhmm)
    return OTHER_DAY.format(day=f"{moment:%Y-%m-%d}", time=hhmm)


def _duration_words(hours: float) -> str:
    if hours % 24 == 0:
        days = int(hours // 24)
        return ONE_DAY if days == 1 else DAYS.format(days=days)
    return HOURS.format(hours=f"{hours:g}")


def next_exit_at(rules: HouseholdRules, exits: tuple[float, ...], now: float) -> float | None:
    """When the household may go out next; None: it may go out now (or there is no limit)."""
    limit = rules.exits_per_period
    if limit is None:
        return None
    period_s = rules.period_hours * 3600
    recent = exits[bisect.bisect_right(exits, now - period_s) :]
    if len(recent) < limit:
        return None
    # The window must lose len(recent) - limit + 1 exits: the oldest of those decides.
    return recent[len(recent) - limit] + period_s


def exit_limit(
    rules: HouseholdRules, direction: str, ctx: HouseholdContext | None
) -> tuple[Outcome, str] | None:
    if direction != "out" or ctx is None or ctx.visitor:
        return None
    at = next_exit_at(rules, ctx.exits, ctx.now)
    if at is None:
        return None
    n = rules.exits_per_period or 0
    return Outcome.DENY, EXITS_USED.format(
        household=ctx.household,
        n=n,
        exits=EXIT_WORDS[0] if n == 1 else EXIT_WORDS[1],
        period=_duration_words(rules.period_hours),
        next=local_time_words(at, ctx.now),
    )


def late_return(
    rules: HouseholdRules, direction: str, ctx: HouseholdContext | None
) -> tuple[Outcome, str] | None:
    within = rules.return_within_hours
    if direction != "in" or ctx is None or ctx.out_since is None or within is None:
        return None
    due = ctx.out_since + within * 3600
    if ctx.now <= due:
        return None
    return rules.on_late_return, BACK_LATE.format(
        since=local_time_words(ctx.out_since, ctx.now),
        due=local_time_words(due, ctx.now),
        household=ctx.household,
    )
