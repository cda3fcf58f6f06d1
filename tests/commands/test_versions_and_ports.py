"""``--version`` on both commands, and default ports that do not collide."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from cloud_sync.monitor.cli import build_parser as monitor_parser
from edge.web.settings import WebSettings

BIN = Path(sys.executable).parent
VERSION = metadata.version("community-checkpoint-gateway")


@pytest.mark.parametrize("program", ["edge-gateway", "central-monitor"])
def test_version(program: str) -> None:
    result = subprocess.run(
        [str(BIN / program), "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{program} {VERSION}"


def test_the_monitor_and_the_gateway_page_have_different_default_ports() -> None:
    gateway_port = WebSettings().port
    for command in (["run"], ["dashboard"]):
        args = monitor_parser().parse_args(command)
        assert args.http == "127.0.0.1:8090"
    assert gateway_port == 8080
