"""The admission policy table: each rule fires where it should and names itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.core.events import Outcome
from edge.rules.policy import Inputs, Policy, decide
from edge.rules.policy_file import PolicyFileError, load_policy_file, write_policy_file
from edge.verify.base import CodeStatus, Verdict

P = Policy()


def green() -> Verdict:
    return Verdict(valid=True, code_type="community-pass", status=CodeStatus.GREEN)


def colour(status: CodeStatus) -> Verdict:
    return Verdict(valid=True, code_type="community-pass", status=status)


@pytest.mark.parametrize(
    ("temp", "verdict", "outcome", "rule", "reason"),
    [
        (36.6, green(), Outcome.ADMIT, "admit", "code green, 36.6 °C"),
        (37.8, green(), Outcome.DENY, "fever", "fever 37.8 °C"),
        (37.3, green(), Outcome.DENY, "fever", "fever 37.3 °C"),
        (37.1, green(), Outcome.RECHECK, "recheck-band", "temperature 37.1 °C: measure again"),
        (
            33.0,
            green(),
            Outcome.RECHECK,
            "implausible-temperature",
            "implausible reading 33.0 °C: measure again",
        ),
        (
            44.0,
            green(),
            Outcome.RECHECK,
            "implausible-temperature",
            "implausible reading 44.0 °C: measure again",
        ),
        (36.6, colour(CodeStatus.RED), Outcome.DENY, "code-colour", "code red"),
        (36.6, colour(CodeStatus.YELLOW), Outcome.RECHECK, "code-colour", "code yellow"),
        (38.5, colour(CodeStatus.RED), Outcome.DENY, "fever", "fever 38.5 °C"),
        (
            36.6,
            Verdict(
                valid=False, code_type="community-pass", failed_step="expiry", reason="code expired"
            ),
            Outcome.DENY,
            "code-invalid",
            "code expired",
        ),
        (
            36.6,
            Verdict(
                valid=False,
                code_type="community-pass",
                failed_step="signature",
                reason="signature invalid",
            ),
            Outcome.DENY,
            "code-invalid",
            "signature invalid",
        ),
        (
            36.6,
            Verdict(
                valid=False, code_type="unknown", failed_step="format", reason="unknown code format"
            ),
            Outcome.RECHECK,
            "code-unreadable",
            "unreadable code: scan again",
        ),
        (None, green(), Outcome.RECHECK, "no-temperature", "no temperature yet: measure again"),
        (36.6, None, Outcome.RECHECK, "no-code", "no code scanned: scan again"),
    ],
)
def test_rules(
    temp: float | None, verdict: Verdict | None, outcome: Outcome, rule: str, reason: str
) -> None:
    d = decide(P, Inputs(temperature=temp, verdict=verdict))
    assert (d.outcome, d.rule, d.reason) == (outcome, rule, reason)


def test_thermometer_down_follows_policy() -> None:
    inputs = Inputs(temperature=None, verdict=green(), thermometer_up=False)
    manual = decide(P, inputs)
    assert (manual.outcome, manual.reason) == (
        Outcome.RECHECK,
        "thermometer unavailable: check manually",
    )
    deny = decide(Policy(on_thermometer_down="deny"), inputs)
    assert (deny.outcome, deny.reason) == (Outcome.DENY, "thermometer unavailable")


def test_configured_colours_and_threshold() -> None:
    strict = Policy(fever_threshold_c=37.0, yellow=Outcome.DENY)
    assert decide(strict, Inputs(37.0, green())).rule == "fever"
    assert decide(strict, Inputs(36.5, colour(CodeStatus.YELLOW))).outcome is Outcome.DENY


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ValidationError):
        Policy(fever_threshold_c=33.0, implausible_below_c=34.0)
    with pytest.raises(ValidationError):
        Policy.model_validate({"fever_threshold": 37.5})  # misspelt key


def test_load_policy_and_version_changes(tmp_path: Path) -> None:
    f = tmp_path / "policy.toml"
    f.write_text("fever_threshold_c = 37.5\nred = 'DENY'\n")
    p = load_policy_file(f)
    assert p.fever_threshold_c == 37.5
    assert p.version != Policy().version
    _ = datetime.now(UTC)


def test_policy_file_errors_name_the_key(tmp_path: Path) -> None:
    f = tmp_path / "policy.toml"
    f.write_text("fever_threshold_c = 'hot'\nfever_treshold = 1\n")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(f)
    keys = [key for key, _ in caught.value.problems]
    assert keys == ["fever_threshold_c", "fever_treshold"]
    with pytest.raises(PolicyFileError, match="not found"):
        load_policy_file(tmp_path / "missing.toml")
    f.write_text("fever_threshold_c = [")
    with pytest.raises(PolicyFileError, match="not valid TOML"):
        load_policy_file(f)


def test_written_policy_reads_back_the_same(tmp_path: Path) -> None:
    f = tmp_path / "policy.toml"
    policy = Policy(fever_threshold_c=37.8, on_thermometer_down="deny")
    write_policy_file(f, policy)
    assert load_policy_file(f) == policy
    assert f.read_text().startswith("# Admission policy")
    assert not (tmp_path / "policy.toml.tmp").exists()
