"""The local web app's exception family."""

from __future__ import annotations

from pathlib import Path


class WebError(Exception):
    """Base of the errors :mod:`edge.web` raises."""


class WebConfigError(WebError):
    """The web settings cannot be used: names the key (``web.users_file``) and, if any, the file."""

    def __init__(self, key: str, problem: str, path: Path | None = None) -> None:
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{key}: {problem}")
        self.key = key
        self.problem = problem
        self.path = path
