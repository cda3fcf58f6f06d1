"""The installed version, for ``--version``."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "community-checkpoint-gateway"
NOT_INSTALLED = "(version unknown: not installed)"


def version_line(program: str) -> str:
    """``edge-gateway 0.1.0``: the version of the installed distribution."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        version = NOT_INSTALLED
    return f"{program} {version}"
