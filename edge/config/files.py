"""Every file a configuration names that is not there, found in one pass.

The gateway loads its parts one after the other and stops at the first that fails, which is
right for start-up but makes a new installation a loop of one missing file per try. This walks
the validated configuration instead and reports every missing file (and every required file
setting left unset) at once, each with how to make it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from edge.config.loader import ConfigError, load_config
from edge.config.models import GatewayConfig

#: Path settings that are not files the gateway reads: made by the gateway itself (the data
#: folder; the uplink's hmac key and the visitor-pass key, made on first run).
NOT_INPUTS = frozenset({"gateway.data_dir", "uplink.hmac_key_file", "community.visitor_key_file"})

# What a person reads: how to make each file that is missing (key path with list indexes
# dropped). Kept together so that they can be translated.
HINTS: dict[str, str] = {
    "checkpoint.policy_file": (
        "copy config/policy.toml from the source, or start over with 'edge-gateway init DIR'"
    ),
    "verifiers.community_pass.public_keys": (
        "make a key pair with 'edge-gateway keygen --kid KID --out-dir DIR'; the gateway needs"
        " only KID.pub.pem (KID.key.pem stays where passes are issued)"
    ),
    "verifiers.community_pass.status_list": (
        "make one with 'edge-gateway sign-status-list CSV --key KID.key.pem --kid KID --out"
        " FILE' (an empty CSV makes an empty list)"
    ),
    "web.users_file": (
        "a TOML file of [[users]] with username, role (staff or supervisor) and password_hash"
        " (from 'edge-gateway hash-password'); see 'The users file' in the README"
    ),
    "web.session_secret_file": (
        "put at least 16 random bytes in it, for example: openssl rand -hex 32 > FILE"
    ),
    "web.metrics_token_file": (
        "put at least 16 random characters in it, for example: openssl rand -hex 32 > FILE"
    ),
}
NO_SUCH_FILE = "{path} does not exist"
NO_SUCH_FILE_HINT = "{path} does not exist: {hint}"
NO_USERS_FILE = 'no staff accounts: set web.users_file (users_file = "users.toml" under [web])'
NO_SESSION_SECRET = "no session secret: set web.session_secret_file (or web.session_secret_env)"  # noqa: S105


def path_settings(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Path]]:
    """Every ``Path`` value in ``model``, at any depth, with its key path (``a.b[0]``)."""
    for name in type(model).model_fields:
        key = f"{prefix}.{name}" if prefix else name
        value = getattr(model, name)
        if isinstance(value, Path):
            yield key, value
        elif isinstance(value, BaseModel):
            yield from path_settings(value, key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Path):
                    yield f"{key}[{index}]", item
                elif isinstance(item, BaseModel):
                    yield from path_settings(item, f"{key}[{index}]")


def _hint_key(key: str) -> str:
    return key.split("[", 1)[0]


def missing_files(config: GatewayConfig) -> list[tuple[str, str]]:
    """``(key path, message)`` for each file setting that names nothing, or is unset but
    required; empty when every file is there. Paths are taken as given (resolved already)."""
    problems: list[tuple[str, str]] = []
    for key, path in path_settings(config):
        if key in NOT_INPUTS or path.exists():
            continue
        hint = HINTS.get(_hint_key(key))
        template = NO_SUCH_FILE_HINT if hint else NO_SUCH_FILE
        problems.append((key, template.format(path=path, hint=hint)))
    if config.web.users_file is None:
        problems.append(("web.users_file", NO_USERS_FILE))
    if config.web.session_secret_file is None and config.web.session_secret_env is None:
        problems.append(("web.session_secret_file", NO_SESSION_SECRET))
    return problems


def load_config_checking_files(path: Path) -> GatewayConfig:
    """:func:`load_config`, then every missing file at once, as one :class:`ConfigError`."""
    config = load_config(path)
    problems = missing_files(config)
    if problems:
        raise ConfigError(Path(path), problems)
    return config
