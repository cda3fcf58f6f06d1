"""Fixtures for the EU DCC tests, and the conformance summary table."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.dcc.cases import TESTDATA

#: filled by test_conformance: per flag, "passed" / "listed" / "skipped" counts
CONFORMANCE: dict[str, Counter[str]] = {}
CASES_RUN: set[str] = set()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CONFORMANCE:
        return
    tr = terminalreporter
    tr.section("EU DCC conformance (shared/conformance/dcc-testdata)")
    tr.write_line(f"data: {TESTDATA}")
    tr.write_line(f"{'flag':28} {'checked':>8} {'passed':>8} {'listed':>8} {'failed':>8}")
    total: Counter[str] = Counter()
    for flag in sorted(CONFORMANCE):
        c = CONFORMANCE[flag]
        checked = c["passed"] + c["listed"] + c["failed"]
        total.update(c)
        if checked:
            tr.write_line(
                f"{flag:28} {checked:8} {c['passed']:8} {c['listed']:8} {c['failed']:8}"
            )
        if c["skipped"]:
            tr.write_line(f"{flag:28} skipped on {c['skipped']} cases (issuing side)")
    checked = total["passed"] + total["listed"] + total["failed"]
    tr.write_line(
        f"{'all flags':28} {checked:8} {total['passed']:8} {total['listed']:8}"
        f" {total['failed']:8}   over {len(CASES_RUN)} cases"
    )
