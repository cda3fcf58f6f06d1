"""The admission policy's own TOML file: read with errors that name the key, written atomically.

The policy lives apart from the gateway's configuration so that it can be reloaded (SIGHUP, the
page, a push from the centre) without a restart.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from edge.rules.policy import Policy

_HEADER = "# Admission policy; edit and reload (SIGHUP or POST /api/policy/reload).\n"


class PolicyFileError(Exception):
    """A policy file that cannot be used. ``problems`` lists ``(key path, message)``."""

    def __init__(self, file: Path, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(
            "; ".join(f"{key}: {message}" if key else message for key, message in problems)
        )


def problems_of(exc: ValidationError) -> list[tuple[str, str]]:
    """pydantic's errors as ``(dotted key path, message)`` a person can act on."""
    problems = []
    for err in exc.errors():
        message = err["msg"]
        if err["type"] not in ("missing", "extra_forbidden") and "input" in err:
            shown = repr(err["input"])
            if len(shown) <= 60:
                message += f" (got {shown})"
        if err["type"] == "extra_forbidden":
            message = "unknown key (misspelt?)"
        problems.append((key_path(tuple(err["loc"])), message))
    return problems


def key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("serial", "mqtt", "camera", "function-after"):
            continue  # pydantic's union-branch labels mean nothing to the reader
        else:
            out += f".{part}" if out else str(part)
    return out


def load_policy_file(path: Path) -> Policy:
    """Read and validate a policy file; raises :class:`PolicyFileError` naming the key."""
    try:
        with path.open("rb") as fh:
            return Policy.model_validate(tomllib.load(fh))
    except FileNotFoundError:
        raise PolicyFileError(path, [("", "policy file not found")]) from None
    except ValidationError as exc:
        raise PolicyFileError(path, problems_of(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(path, [("", f"not valid TOML: {exc}")]) from None
    except OSError as exc:
        raise PolicyFileError(path, [("", f"cannot read: {exc.strerror or exc}")]) from None


def write_policy_file(path: Path, policy: Policy) -> None:
    """Write ``policy`` as TOML atomically: a crash leaves the old file or the new, never half."""
    text = _HEADER + tomli_w.dumps(policy.model_dump(mode="json", exclude_none=True))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)
