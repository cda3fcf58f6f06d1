"""Loading and checking configuration files, with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from edge.config.models import GatewayConfig
from edge.rules import policy_file
from edge.rules.policy import Policy
from edge.rules.policy_file import problems_of

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file that cannot be used. ``problems`` lists ``(key path, message)``."""

    def __init__(self, file: Path, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        lines = [
            f"{file}: {key}: {message}" if key else f"{file}: {message}"
            for key, message in problems
        ]
        super().__init__("\n".join(lines))


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, [("", "file not found")]) from None
    except OSError as exc:
        raise ConfigError(path, [("", f"cannot read: {exc.strerror}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("", f"not valid TOML: {exc}")]) from None


def validate(model: type[M], data: Any, file: Path, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            (f"{prefix}.{key}" if prefix and key else prefix or key, msg)
            for key, msg in problems_of(exc)
        ]
        raise ConfigError(file, problems) from None


def resolve_paths(model: M, base: Path) -> M:
    """Make every relative ``Path`` field (at any depth) relative to ``base``."""
    updates: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Path) and not value.is_absolute():
            updates[name] = base / value
        elif isinstance(value, BaseModel):
            updates[name] = resolve_paths(value, base)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            updates[name] = [resolve_paths(v, base) for v in value]
        elif isinstance(value, list) and value and isinstance(value[0], Path):
            updates[name] = [v if v.is_absolute() else base / v for v in value]
    return model.model_copy(update=updates) if updates else model


def load_config(path: Path) -> GatewayConfig:
    """Read, validate and resolve a gateway configuration file."""
    path = Path(path)
    config = validate(GatewayConfig, read_toml(path), path)
    return resolve_paths(config, path.parent.resolve())


def load_policy_file(path: Path) -> Policy:
    """Read an admission policy file; every problem is a :class:`ConfigError` naming the key."""
    try:
        return policy_file.load_policy_file(path)
    except policy_file.PolicyFileError as exc:
        raise ConfigError(exc.file, exc.problems) from None
