"""A new gateway installation in one folder, ready to check and run (``edge-gateway init``).

It writes everything a configuration names, so that ``check-config`` passes and ``run`` serves
at once: the configuration, the admission policy, staff accounts, the page's session key, a
pass-signing key pair and an empty status list signed with it. The private key goes to a folder
of its own (``issuer/``), to be moved to wherever passes are issued; the gateway is given only
the public key. Nothing that exists is ever overwritten.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from edge.auth.passwords import hash_password
from edge.config import starter_files as text
from edge.verify.community_pass.issue import sign_status_list
from edge.verify.community_pass.keys import generate_keypair, load_private_key
from edge.verify.community_pass.token import valid_id

ROLES = ("staff", "supervisor")
#: typed passwords: as long as the page asks for when a password is changed
MIN_PASSWORD = 8
_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: generated passwords: no 0/o, 1/l/i, so that they can be read aloud and typed on a tablet
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105

# What a person reads, kept together.
EXISTS = "{path} already exists: init never overwrites a file; choose a new folder"
BAD_ID = "{what} {value!r}: use 1-64 letters, digits, - and _"
BAD_KID = "key id {value!r}: use 1-128 letters, digits and . _ : @ -"
BAD_PORT = "port {value}: use 1-65535"
BAD_ROLE = "role {value!r}: use staff or supervisor"
SHORT_PASSWORD = "the password for {username!r} is shorter than {minimum} characters"  # noqa: S105
TWICE = "{username!r} is named twice"
NO_ACCOUNTS = "at least one account is needed"


class StarterError(Exception):
    """Options that cannot make an installation, or files in the way. The message is for
    people."""


@dataclass(frozen=True, slots=True)
class NewAccount:
    username: str
    role: str  # "staff" or "supervisor"
    password: str


@dataclass(frozen=True, slots=True)
class StarterOptions:
    gateway_id: str
    accounts: tuple[NewAccount, ...]
    kid: str
    name: str = "Community gateway"
    lane: str = "gate-1"
    lane_name: str = "Gate 1"
    data_dir: str = "data"  # relative: to the configuration's folder
    host: str = "0.0.0.0"  # noqa: S104 - the page is for tablets on the checkpoint's LAN
    port: int = 8080
    thermometer: str | None = None  # a serial port; None: the device is left commented out
    thermometer_protocol: str = "ascii-braces"
    scanner: str | None = None


@dataclass(frozen=True, slots=True)
class Installation:
    root: Path
    config: Path
    policy: Path
    users: Path
    session_key: Path
    public_key: Path
    status_list: Path
    private_key: Path
    kid: str

    @property
    def issuer_dir(self) -> Path:
        return self.private_key.parent


def generate_password() -> str:
    """Twelve characters in three groups (``k7mp-qx3r-w9ta``): about 59 bits."""
    chars = [secrets.choice(_PASSWORD_ALPHABET) for _ in range(12)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 12, 4))


def default_gateway_id(folder: Path) -> str:
    """The folder's name made into an id (``Willow Court`` -> ``willow-court``)."""
    name = re.sub(r"[^a-z0-9_-]+", "-", folder.resolve().name.lower()).strip("-")[:64]
    return name or "gateway"


def plan(root: Path, kid: str) -> Installation:
    """Where each file of an installation in ``root`` goes."""
    return Installation(
        root=root,
        config=root / "gateway.toml",
        policy=root / "policy.toml",
        users=root / "users.toml",
        session_key=root / "session.key",
        public_key=root / "keys" / f"{kid}.pub.pem",
        status_list=root / "status-list.json",
        private_key=root / "issuer" / f"{kid}.key.pem",
        kid=kid,
    )


def check_options(options: StarterOptions) -> None:
    """Raise :class:`StarterError` for options that would make an unusable configuration."""
    for what, value in (("gateway id", options.gateway_id), ("lane id", options.lane)):
        if not _IDENTIFIER.fullmatch(value):
            raise StarterError(BAD_ID.format(what=what, value=value))
    if not valid_id(options.kid):
        raise StarterError(BAD_KID.format(value=options.kid))
    if not 1 <= options.port <= 65535:
        raise StarterError(BAD_PORT.format(value=options.port))
    if not options.accounts:
        raise StarterError(NO_ACCOUNTS)
    seen: set[str] = set()
    for account in options.accounts:
        if account.role not in ROLES:
            raise StarterError(BAD_ROLE.format(value=account.role))
        if account.username in seen:
            raise StarterError(TWICE.format(username=account.username))
        seen.add(account.username)
        check_password(account.username, account.password)


def check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StarterError(SHORT_PASSWORD.format(username=username, minimum=MIN_PASSWORD))


def create_installation(root: Path, options: StarterOptions) -> Installation:
    """Write a new installation into ``root`` (made if need be). Raises :class:`StarterError`
    before writing anything if an option is unusable or one of its files exists; an
    :class:`OSError` while writing removes what was written."""
    check_options(options)
    files = plan(root, options.kid)
    targets = [
        files.config,
        files.policy,
        files.users,
        files.session_key,
        files.public_key,
        files.status_list,
        files.private_key,
    ]
    for path in targets:
        if path.exists():
            raise StarterError(EXISTS.format(path=path))
    written: list[Path] = []
    try:
        _write_all(files, options, written)
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise
    return files


def _write_all(files: Installation, options: StarterOptions, written: list[Path]) -> None:
    files.private_key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def write(path: Path, data: bytes, *, private: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: a file that appeared since the check is not overwritten either; a secret is
        # created 0600, never readable by others even for a moment.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
        written.append(path)
        with os.fdopen(fd, "wb") as out:
            out.write(data)

    private_pem, public_pem = generate_keypair("Ed25519", options.kid)
    write(files.private_key, private_pem, private=True)
    write(files.public_key, public_pem)
    empty_list = sign_status_list(
        load_private_key(files.private_key), kid=options.kid, entries={}, issuer=options.gateway_id
    )
    write(files.status_list, empty_list + b"\n")
    write(files.policy, text.POLICY_TOML.encode("utf-8"))
    write(files.users, users_toml(options.accounts).encode("utf-8"), private=True)
    write(files.session_key, secrets.token_hex(32).encode("ascii") + b"\n", private=True)
    write(files.config, gateway_toml(files, options).encode("utf-8"))


def toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def users_toml(accounts: Sequence[NewAccount]) -> str:
    entries = [
        text.USER_ENTRY.substitute(
            username=toml_string(account.username),
            role=toml_string(account.role),
            password_hash=toml_string(hash_password(account.password)),
        )
        for account in accounts
    ]
    return text.USERS_HEADER + "\n" + "\n".join(entries)


def _devices(options: StarterOptions) -> str:
    parts = [text.DEVICES_INTRO]
    for kind, port, template, extra in (
        (
            "thermometer",
            options.thermometer,
            text.THERMOMETER,
            {"protocol": toml_string(options.thermometer_protocol)},
        ),
        ("scanner", options.scanner, text.SCANNER, {}),
    ):
        note = text.NO_DEVICE_NOTE.substitute(kind=kind) if port is None else ""
        parts.append(
            note
            + template.substitute(
                comment="" if port is not None else "# ",
                device_id=toml_string(f"{options.lane}-{kind}"),
                lane=toml_string(options.lane),
                port=toml_string(port if port is not None else text.PORT_PLACEHOLDER),
                **extra,
            )
        )
    return "\n".join(parts)


def gateway_toml(files: Installation, options: StarterOptions) -> str:
    public_key = files.public_key.relative_to(files.root).as_posix()
    return text.GATEWAY_TOML.substitute(
        config_path=str(files.config.resolve()),
        gateway_id=toml_string(options.gateway_id),
        name=toml_string(options.name),
        data_dir=toml_string(options.data_dir),
        data_dir_pad=" " * max(1, 25 - len(toml_string(options.data_dir))),
        lane=toml_string(options.lane),
        lane_name=toml_string(options.lane_name),
        devices=_devices(options),
        public_key=toml_string(public_key),
        host=toml_string(options.host),
        port=str(options.port),
    )
