"""A throw-away gateway installation for the demo (and for tests and benchmarks that want one).

Everything a real installation has, made up on the spot: pass-signing keys (the gateway gets
only the public one), a status list, staff accounts with random passwords, a session key, the
admission policy and a gateway configuration pointing at simulated devices.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from edge.auth.passwords import hash_password
from edge.demo.residents import REVOKED_PASS, PassIssuer, write_status_list
from edge.verify.community_pass import generate_keypair, load_private_key
from edge.verify.dcc.issue import kid_of, make_dsc, make_key

KID = "demo-community-2026"
#: the EU value sets' initial snapshot, when the project's shared folder sits beside the checkout
SHARED_VALUE_SETS = Path(__file__).parents[3] / "shared" / "conformance" / "dcc-valuesets"


@dataclass(frozen=True, slots=True)
class LanePorts:
    lane: str
    name: str
    thermometer_protocol: str  # a serial protocol, or "mqtt" (then the port is the topic)
    thermometer_port: Path | str
    scanner_port: Path


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    config: Path
    issuer: PassIssuer
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def make_workspace(
    root: Path,
    lanes: list[LanePorts],
    *,
    web_port: int,
    web_host: str = "127.0.0.1",
    pairing_window_s: float = 8.0,
    extra_toml: str = "",
) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    keys = root / "keys"
    keys.mkdir(exist_ok=True)
    private_pem, public_pem = generate_keypair("Ed25519", KID)
    forged_pem, _ = generate_keypair("Ed25519", KID)
    _write_private(keys / f"{KID}.key.pem", private_pem)
    _write_private(keys / "forger.key.pem", forged_pem)
    (keys / f"{KID}.pub.pem").write_bytes(public_pem)
    dsc_key = make_key("ES256")
    now = datetime.now(UTC)
    dsc = make_dsc(
        dsc_key,
        country="XX",
        not_before=now - timedelta(days=400),
        not_after=now + timedelta(days=400),
    )
    (keys / "eu-dcc-demo-dsc.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    issuer = PassIssuer(
        key=load_private_key(keys / f"{KID}.key.pem"),
        forged_key=load_private_key(keys / "forger.key.pem"),
        kid=KID,
        issuer="demo-community",
        dsc_key=dsc_key,
        dsc_kid=kid_of(dsc),
    )
    write_status_list(root / "status-list.json", {REVOKED_PASS: "red"}, issuer.issuer)
    (root / "policy.toml").write_text(
        (Path(__file__).parents[2] / "config" / "policy.toml").read_text()
        if (Path(__file__).parents[2] / "config" / "policy.toml").exists()
        else "fever_threshold_c = 37.3\n"
    )
    passwords = {"staff": secrets.token_urlsafe(9), "supervisor": secrets.token_urlsafe(9)}
    _write_private(root / "session.key", secrets.token_bytes(32).hex().encode())
    web_toml = write_users(root, passwords, web_host=web_host, web_port=web_port)

    parts = [
        '[gateway]\nid = "demo-gateway"\nname = "Demo community"\ndata_dir = "data"\n',
        '[storage]\nsynchronous = "NORMAL"\n',
        '[checkpoint]\npolicy_file = "policy.toml"\n',
    ]
    for lane in lanes:
        parts.append(
            f'[[checkpoint.lanes]]\nid = "{lane.lane}"\nname = "{lane.name}"\n'
            f"pairing_window_s = {pairing_window_s}\n"
        )
    for lane in lanes:
        if lane.thermometer_protocol == "mqtt":
            parts.append(
                f'[[devices]]\nid = "{lane.lane}-thermometer"\nlane = "{lane.lane}"\n'
                f'kind = "thermometer"\ntransport = "mqtt"\n'
                f'topic = "{lane.thermometer_port}"\n'
            )
        else:
            parts.append(
                f'[[devices]]\nid = "{lane.lane}-thermometer"\nlane = "{lane.lane}"\n'
                f'kind = "thermometer"\ntransport = "serial"\n'
                f'protocol = "{lane.thermometer_protocol}"\nport = "{lane.thermometer_port}"\n'
            )
        parts.append(
            f'[[devices]]\nid = "{lane.lane}-scanner"\nlane = "{lane.lane}"\n'
            f'kind = "scanner"\ntransport = "serial"\nprotocol = "scanner"\n'
            f'port = "{lane.scanner_port}"\noptions = {{ suffix = "CR", aim = true }}\n'
        )
    parts.append(
        "[verifiers.community_pass]\n"
        f'public_keys = ["keys/{KID}.pub.pem"]\nstatus_list = "status-list.json"\n'
    )
    eu_dcc = '[verifiers.eu_dcc]\ntrust_lists = ["keys/eu-dcc-demo-dsc.pem"]\n'
    if SHARED_VALUE_SETS.is_dir():  # else the demo runs with codes unchecked, and says so
        eu_dcc += f'value_sets = "{SHARED_VALUE_SETS.resolve()}"\n'
    parts.append(eu_dcc)
    parts.append(web_toml)
    parts.append(extra_toml)
    config = root / "gateway.toml"
    config.write_text("\n".join(p for p in parts if p))
    return Workspace(root, config, issuer, passwords)


def write_users(root: Path, passwords: dict[str, str], *, web_host: str, web_port: int) -> str:
    """Write the users file (roles by name: "supervisor" supervises); return the [web] section."""
    lines = []
    for user, password in passwords.items():
        role = "supervisor" if user == "supervisor" else "staff"
        lines.append(
            f'[[users]]\nusername = "{user}"\nrole = "{role}"\n'
            f'password_hash = "{hash_password(password)}"\n'
        )
    _write_private(root / "users.toml", "\n".join(lines).encode())
    return (
        f'[web]\nhost = "{web_host}"\nport = {web_port}\nusers_file = "users.toml"\n'
        'session_secret_file = "session.key"\n'
    )
