"""The admission policy: a screening's temperature and code verdict in, a decision out.

The policy is data (:class:`Policy`, loaded from its own TOML file so that it can be reloaded
without a restart); :func:`decide` walks an ordered table of rules and the first that matches
decides. Each decision names its rule, so the audit trail says why, not only what.

Household rules (:mod:`edge.rules.household`) are rows of the same table: they decide from the
lane's direction and the household context the registry hands the lane, and say in words when
the household may go out next. A manual registration (a person with no code at all) is decided
here too, so a fever still denies it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.core.events import Outcome
from edge.i18n import N_
from edge.rules import household as hh
from edge.rules.household import HouseholdContext, HouseholdRules, ManualEntry, ManualRules
from edge.verify.base import CodeStatus, Verdict

DownAction = Literal["deny", "manual"]

# -- what a person reads: the reasons, English templates in the catalogue (edge/i18n) ----------
FEVER = N_("fever {temperature}")
IMPLAUSIBLE = N_("implausible reading {temperature}: measure again")
UNREADABLE = N_("unreadable code: scan again")
CODE_INVALID = N_("code invalid")
STATUS_UNKNOWN = N_("code status unknown: check manually")
CODE_COLOUR = {
    CodeStatus.GREEN: N_("code green"),
    CodeStatus.YELLOW: N_("code yellow"),
    CodeStatus.RED: N_("code red"),
}
RECHECK_BAND = N_("temperature {temperature}: measure again")
NO_TEMPERATURE = N_("no temperature yet: measure again")
NO_CODE = N_("no code scanned: scan again")
#: what each "down" action says, by device and action
DOWN = {
    ("thermometer", "deny"): N_("thermometer unavailable"),
    ("thermometer", "manual"): N_("thermometer unavailable: check manually"),
    ("code verifier", "deny"): N_("code verifier unavailable"),
    ("code verifier", "manual"): N_("code verifier unavailable: check manually"),
}
ADMITTED = {
    CodeStatus.GREEN: N_("code green, {temperature}"),
    CodeStatus.YELLOW: N_("code yellow, {temperature}"),
    CodeStatus.RED: N_("code red, {temperature}"),
}


class Policy(BaseModel):
    """Admission policy settings (``policy.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fever_threshold_c: float = Field(37.3, ge=35.0, le=42.0)
    recheck_band_c: float = Field(0.3, ge=0.0, le=2.0)
    implausible_below_c: float = 34.0
    implausible_above_c: float = 43.0
    green: Outcome = Outcome.ADMIT
    yellow: Outcome = Outcome.RECHECK
    red: Outcome = Outcome.DENY
    on_thermometer_down: DownAction = "manual"
    on_verifier_down: DownAction = "manual"
    household: HouseholdRules = HouseholdRules()
    manual: ManualRules = ManualRules()

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Policy:
        if not self.implausible_below_c < self.fever_threshold_c < self.implausible_above_c:
            raise ValueError(
                "implausible_below_c < fever_threshold_c < implausible_above_c must hold"
            )
        return self

    @property
    def version(self) -> str:
        """A short fingerprint of the settings, shown with each decision's policy."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a lane knows when it decides. ``verdict`` None: no code was scanned."""

    temperature: float | None
    verdict: Verdict | None
    thermometer_up: bool = True
    verifier_up: bool = True
    direction: hh.Direction = "both"  # the lane's
    household: HouseholdContext | None = None  # None: not a registered member or visitor
    manual: ManualEntry | None = None  # a manual registration instead of a code


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str
    rule: str


def _temp(celsius: float) -> str:
    return f"{celsius:.1f} °C"


def _down(action: DownAction, what: str) -> tuple[Outcome, str]:
    outcome = Outcome.DENY if action == "deny" else Outcome.RECHECK
    return outcome, DOWN[(what, action)]


Rule = tuple[str, Callable[[Policy, Inputs], tuple[Outcome, str] | None]]


def _fever(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    t = i.temperature
    if t is not None and p.fever_threshold_c <= t <= p.implausible_above_c:
        return Outcome.DENY, FEVER.format(temperature=_temp(t))
    return None


def _implausible(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    t = i.temperature
    if t is not None and not p.implausible_below_c <= t <= p.implausible_above_c:
        return Outcome.RECHECK, IMPLAUSIBLE.format(temperature=_temp(t))
    return None


def _code_unreadable(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    v = i.verdict
    if v is not None and not v.valid and v.failed_step in UNREADABLE_STEPS:
        return Outcome.RECHECK, UNREADABLE
    return None


def _code_invalid(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    v = i.verdict
    if v is not None and not v.valid:
        return Outcome.DENY, v.reason or CODE_INVALID
    return None


def _code_colour(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    v = i.verdict
    if v is None or not v.valid:
        return None
    if v.status is None:
        return Outcome.RECHECK, STATUS_UNKNOWN
    outcome = {CodeStatus.GREEN: p.green, CodeStatus.YELLOW: p.yellow, CodeStatus.RED: p.red}[
        v.status
    ]
    if outcome is Outcome.ADMIT:
        return None  # green admits only if no later rule (the recheck band) objects
    return outcome, CODE_COLOUR[v.status]


def _recheck_band(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    t = i.temperature
    if t is not None and p.fever_threshold_c - p.recheck_band_c <= t < p.fever_threshold_c:
        return Outcome.RECHECK, RECHECK_BAND.format(temperature=_temp(t))
    return None


def _no_temperature(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    if i.temperature is not None:
        return None
    if not i.thermometer_up:
        return _down(p.on_thermometer_down, "thermometer")
    return Outcome.RECHECK, NO_TEMPERATURE


def _no_code(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    if i.verdict is not None or i.manual is not None:
        return None
    if not i.verifier_up:
        return _down(p.on_verifier_down, "code verifier")
    return Outcome.RECHECK, NO_CODE


def _exit_limit(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    return hh.exit_limit(p.household, i.direction, i.household)


def _late_return(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    return hh.late_return(p.household, i.direction, i.household)


def _visitor(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    ctx = i.household
    if ctx is None or not ctx.visitor or i.verdict is None:
        return None
    return p.green, hh.VISITOR.format(
        household=ctx.household, temperature=_temp(i.temperature or 0)
    )


def _manual(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    m = i.manual
    if m is None:
        return None
    return p.manual.outcome, hh.MANUAL.format(category=m.category, user=m.user, reason=m.reason)


def _admit(p: Policy, i: Inputs) -> tuple[Outcome, str] | None:
    assert i.verdict is not None and i.verdict.status is not None
    return p.green, ADMITTED[i.verdict.status].format(temperature=_temp(i.temperature or 0.0))


# Verdict steps that mean the code could not be read, as opposed to read and found bad.
UNREADABLE_STEPS = frozenset({"format", "prefix", "base45", "zlib", "cbor", "cose", "decode"})

#: First match wins. A fever denies whatever the code says; an implausible reading asks for
#: a new measurement before anything else is judged on it. Household rules come after every
#: health rule: a household's exit is only counted against it when it would otherwise pass.
RULES: tuple[Rule, ...] = (
    ("fever", _fever),
    ("implausible-temperature", _implausible),
    ("code-unreadable", _code_unreadable),
    ("code-invalid", _code_invalid),
    ("code-colour", _code_colour),
    ("no-temperature", _no_temperature),
    ("no-code", _no_code),
    ("recheck-band", _recheck_band),
    ("household-exit-limit", _exit_limit),
    ("household-late-return", _late_return),
    ("visitor", _visitor),
    ("manual", _manual),
    ("admit", _admit),
)


def decide(policy: Policy, inputs: Inputs) -> Decision:
    for name, rule in RULES:
        hit = rule(policy, inputs)
        if hit is not None:
            return Decision(hit[0], hit[1], name)
    raise AssertionError("the admit rule always matches")  # pragma: no cover
