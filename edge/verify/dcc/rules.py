"""Business rules: which colour a signed, unexpired certificate earns.

Data, not code paths: :class:`DccRules` holds a colour per outcome and the time limits; the
gateway config embeds it. The outcomes: ``vaccination-complete`` (dose number >= doses in the
series), ``vaccination-partial``, ``recovery`` (first positive test no older than
``recovery_days``), ``recovery-old``, ``test-negative`` (sample no older than ``test_hours``),
``test-old``, ``test-positive``, ``unrecognised`` (a field the rules cannot read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from edge.verify.base import CodeStatus

NOT_DETECTED = "260415000"  # SNOMED CT: the test found no virus
DETECTED = "260373001"
TYPE_NAMES = {"v": "vaccination", "t": "test", "r": "recovery"}


class DccRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vaccination_complete: CodeStatus = CodeStatus.GREEN
    vaccination_partial: CodeStatus = CodeStatus.YELLOW
    #: days after the last dose a complete vaccination counts; None: no limit
    vaccination_days: float | None = Field(None, gt=0)
    vaccination_old: CodeStatus = CodeStatus.RED
    recovery: CodeStatus = CodeStatus.GREEN
    recovery_days: float = Field(180.0, gt=0)
    recovery_old: CodeStatus = CodeStatus.RED
    test_negative: CodeStatus = CodeStatus.GREEN
    test_hours: float = Field(72.0, gt=0)
    test_old: CodeStatus = CodeStatus.RED
    test_positive: CodeStatus = CodeStatus.RED
    unrecognised: CodeStatus = CodeStatus.YELLOW


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    status: CodeStatus
    rule: str
    cert_type: str  # "vaccination", "test", "recovery" or "unknown"


def apply_rules(rules: DccRules, dcc: dict[str, Any], at: datetime) -> RuleOutcome:
    for key, name in TYPE_NAMES.items():
        entries = dcc.get(key)
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            try:
                return _by_type[key](rules, entries[0], at)
            except (KeyError, TypeError, ValueError, OverflowError):
                return RuleOutcome(rules.unrecognised, "unrecognised", name)
    return RuleOutcome(rules.unrecognised, "unrecognised", "unknown")


def _vaccination(rules: DccRules, entry: dict[str, Any], at: datetime) -> RuleOutcome:
    if int(entry["dn"]) < int(entry["sd"]):
        return RuleOutcome(rules.vaccination_partial, "vaccination-partial", "vaccination")
    if rules.vaccination_days is not None:
        given = _day(entry["dt"])
        if at - given > timedelta(days=rules.vaccination_days):
            return RuleOutcome(rules.vaccination_old, "vaccination-old", "vaccination")
    return RuleOutcome(rules.vaccination_complete, "vaccination-complete", "vaccination")


def _recovery(rules: DccRules, entry: dict[str, Any], at: datetime) -> RuleOutcome:
    if at - _day(entry["fr"]) > timedelta(days=rules.recovery_days):
        return RuleOutcome(rules.recovery_old, "recovery-old", "recovery")
    return RuleOutcome(rules.recovery, "recovery", "recovery")


def _test(rules: DccRules, entry: dict[str, Any], at: datetime) -> RuleOutcome:
    if entry["tr"] != NOT_DETECTED:
        return RuleOutcome(rules.test_positive, "test-positive", "test")
    sampled = datetime.fromisoformat(str(entry["sc"]).replace("Z", "+00:00"))
    if sampled.tzinfo is None:
        sampled = sampled.replace(tzinfo=UTC)
    if at - sampled > timedelta(hours=rules.test_hours):
        return RuleOutcome(rules.test_old, "test-old", "test")
    return RuleOutcome(rules.test_negative, "test-negative", "test")


def _day(value: object) -> datetime:
    day = date.fromisoformat(str(value)[:10])
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_by_type = {"v": _vaccination, "r": _recovery, "t": _test}
