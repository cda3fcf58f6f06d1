"""Building and installing the package prints no warnings of the project's own making.

The install used to print some 60 lines of setuptools licence deprecations. This builds the
wheel from a copy of the source as ``pip install .`` does (an isolated build, verbose so that
the build backend's warnings show) and reads every line that warns.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
#: not the project's source: left out of the copy that is built
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".*_cache"
)
WARNS = re.compile(r"warn|deprecat", re.IGNORECASE)
#: warnings about this machine, not the project: pip's own index settings that name folders
#: that are not there, and byte-compiling switched off by PYTHONDONTWRITEBYTECODE
ENVIRONMENT = re.compile(
    r"Location '[^']+' is ignored|byte-compiling is disabled|pip version|--no-warn"
)


@pytest.mark.slow
def test_building_the_package_warns_about_nothing_of_ours(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert list(tmp_path.glob("community_checkpoint_gateway-*.whl"))
    warnings = [
        line for line in output.splitlines() if WARNS.search(line) and not ENVIRONMENT.search(line)
    ]
    assert warnings == []
