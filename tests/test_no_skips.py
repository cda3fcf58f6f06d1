"""With CI=true a skip fails the run and is listed; without CI it is only reported.

A separate pytest process runs a small suite that uses the project's plugin (tests/ci.py) the
way tests/conftest.py does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]

CONFTEST = """
from tests.ci import NoSkipsInCi

def pytest_configure(config):
    config.pluginmanager.register(NoSkipsInCi(), "no-skips-in-ci")
"""

SUITE = """
import pytest
from tests.ci import missing

def test_passes():
    pass

def test_needs_a_server():
    missing("no server at 127.0.0.1:1")

@pytest.mark.xfail(strict=True)
def test_expected_to_fail():
    assert False
"""

SKIPPED_MODULE = """
import pytest
pytest.skip("no data for this module", allow_module_level=True)
"""


def run_suite(tmp_path: Path, ci: str | None, **files: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("ci", [None, "false"])
def test_without_ci_a_skip_says_what_is_missing(tmp_path: Path, ci: str | None) -> None:
    result = run_suite(tmp_path, ci, test_suite=SUITE)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in result.stdout
    assert "skipped with CI=true" not in result.stdout


def test_with_ci_a_missing_requirement_fails_the_test(tmp_path: Path) -> None:
    result = run_suite(tmp_path, "true", test_suite=SUITE)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed, 1 xfailed" in result.stdout
    assert "no server at 127.0.0.1:1 (with CI=true this fails instead of skipping)" in result.stdout


def test_with_ci_any_skip_fails_the_run_and_is_listed(tmp_path: Path) -> None:
    result = run_suite(
        tmp_path,
        "true",
        test_passing="def test_passes():\n    pass\n",
        test_skipped_module=SKIPPED_MODULE,
        test_marked="import pytest\n\n@pytest.mark.skip(reason='later')\ndef test_x():\n    pass\n",
    )
    assert result.returncode == 1, result.stdout
    assert "1 passed, 2 skipped" in result.stdout
    listing = result.stdout.split("skipped with CI=true, so the run fails")[1]
    assert "test_skipped_module.py: no data for this module" in listing
    assert "test_marked.py::test_x: later" in listing
