"""A test that cannot run for want of something (Chromium, PostgreSQL, the conformance data)
skips on a developer's machine, saying what is missing, but fails under ``CI=true``: a skip
has not passed, and in CI it would hide a broken set-up. ``tests/conftest.py`` also fails a CI
session in which anything skipped, whatever the reason."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str) -> NoReturn:
    """Skip this test because ``what`` (in words: what and where) is missing; fail under CI."""
    if IN_CI:
        pytest.fail(f"{what} (with CI=true this fails instead of skipping)", pytrace=False)
    pytest.skip(what)


class NoSkipsInCi:
    """A pytest plugin: under CI=true, a session in which anything skipped fails, listing it.

    Registered by tests/conftest.py. An xfail is not a skip; a test left out with ``-k`` or
    ``-m`` is not either.
    """

    def __init__(self) -> None:
        self.skipped: list[tuple[str, str]] = []  # (test or module, why)

    def _note(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            longrepr = report.longrepr
            why = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            self.skipped.append((report.nodeid, why.removeprefix("Skipped: ")))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        passing = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if IN_CI and self.skipped and session.exitstatus in passing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if IN_CI and self.skipped:
            terminalreporter.section("skipped with CI=true, so the run fails", red=True)
            for nodeid, why in self.skipped:
                terminalreporter.write_line(f"{nodeid}: {why}")
