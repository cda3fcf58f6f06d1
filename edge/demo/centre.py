"""The demo's district centre: a Mosquitto of its own, a ``central-monitor`` process, and a
few dozen simulated gateways of other communities.

Started only where the ``mosquitto`` program is installed (``scripts/demo`` installs it); the
gateway's uplink then syncs to it, and the monitor's dashboard shows the demo gateway among the
district's others: the same simulator as the fleet benchmark (:mod:`edge.demo.fleet`), every one
running the real uplink and distribution code, making screenings and reading notices. The
centre has a signing key, so the dashboard's publish forms work, and a welcome notice is
published at once, so that "who has heard" fills in from the first minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import shutil
import socket
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.auth.accounts import Account, User, write_users
from edge.auth.passwords import hash_password

#: the dashboard's login the demo makes up (an admin: a visitor may try everything)
CENTRE_USER = "centre"
#: the demo gateway (as the runner names it) and its community; and the simulated district
DEMO_GATEWAY = "demo-gateway"
DEMO_COMMUNITY = "demo-community"
FLEET = 30
FLEET_COMMUNITIES = ("hilltop", "riverside", "elm-row", "willow-court", "station-road")
CENTRE_KID = "demo-centre"
WELCOME = (
    "Welcome to the district",
    "Notices from the centre show here until someone marks them read; a line of reply goes"
    " back to the duty officer.",
)

#: How long the monitor may take to store what it holds and stop before it is killed.
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Centre:
    broker_port: int
    dashboard: str
    username: str
    password: str
    trusted_keys: Path  # the centre's public key, for the gateways

    def uplink_toml(self, gateway_id: str) -> str:
        # Short windows so that a newcomer sees the centre fill within a couple of minutes.
        return (
            f'[uplink]\ngateway_id = "{gateway_id}"\ncommunity = "{DEMO_COMMUNITY}"\n'
            f'broker_host = "127.0.0.1"\nbroker_port = {self.broker_port}\ntls = false\n'
            "window_s = 60\nwindow_settle_s = 2\nheartbeat_s = 30\n"
            'hmac_key_file = "uplink-hmac.key"\nclock_check = "trust"\n'
            f'centre_keys = ["{self.trusted_keys}"]\n'
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_or_free(preferred: int) -> int:
    """``preferred`` if it can be listened on now, else a free port.

    Without this a port already taken (often by a client connection's local port, which the
    kernel hands out next to the ports it binds) would end the monitor at start-up.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the monitor's server does
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return _free_port()
    return preferred


async def _wait_for_port(port: int, limit: float = 15.0) -> None:
    async with asyncio.timeout(limit):
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            await asyncio.sleep(0.05)


def _listening(healthz: str) -> bool:
    try:
        with urllib.request.urlopen(healthz, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(json.loads(response.read()).get("mqtt_connected"))
    except (OSError, ValueError):
        return False


async def _wait_until_listening(healthz: str, limit: float = 30.0) -> None:
    async with asyncio.timeout(limit):
        while True:
            if await asyncio.to_thread(_listening, healthz):
                return
            await asyncio.sleep(0.2)


def mosquitto_program() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").exists():
        found = "/usr/sbin/mosquitto"
    return found


@contextlib.asynccontextmanager
async def demo_centre(root: Path, dashboard_port: int) -> AsyncIterator[Centre | None]:
    program = mosquitto_program()
    if program is None:
        yield None
        return
    port = _free_port()
    dashboard_port = _port_or_free(dashboard_port)
    conf = root / "centre-mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"
    )
    password = secrets.token_urlsafe(9)
    users = root / "centre-users.toml"
    write_users(users, [Account(User(CENTRE_USER, "admin"), hash_password(password))])
    signing_key, trusted = _centre_keys(root / "centre-keys")
    db = f"sqlite:///{root / 'centre.db'}"
    await asyncio.to_thread(_register, db)
    procs: list[asyncio.subprocess.Process] = []
    try:
        procs.append(await asyncio.create_subprocess_exec(program, "-c", str(conf)))
        await _wait_for_port(port)
        with (root / "central-monitor.log").open("wb") as log:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    "import sys; from cloud_sync.monitor.cli import main; sys.exit(main())",
                    "run",
                    "--broker",
                    f"127.0.0.1:{port}",
                    "--db",
                    db,
                    "--signing-key",
                    str(signing_key),
                    "--http",
                    f"127.0.0.1:{dashboard_port}",
                    "--users",
                    str(users),
                    "--sessions-db",
                    str(root / "centre-sessions.db"),
                    stdout=log,
                    stderr=log,
                )
            )
        centre = Centre(port, f"http://127.0.0.1:{dashboard_port}/", CENTRE_USER, password, trusted)
        # Births are not retained: the monitor must be listening before the gateway connects.
        await _wait_until_listening(centre.dashboard + "healthz")
        with (root / "fleet.log").open("wb") as log:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "edge.demo.fleet",
                    "--root",
                    str(root / "fleet"),
                    "--broker",
                    f"127.0.0.1:{port}",
                    "--keys",
                    str(trusted),
                    "--count",
                    str(FLEET),
                    "--prefix",
                    "sim-",
                    "--communities",
                    ",".join(FLEET_COMMUNITIES),
                    "--window",
                    "60",
                    "--heartbeat",
                    "30",
                    "--activity",
                    stdout=log,
                    stderr=log,
                )
            )
        await asyncio.to_thread(_welcome, db, signing_key)
        yield centre
    finally:
        await _stop(procs)


def _centre_keys(folder: Path) -> tuple[Path, Path]:
    """The demo centre's signing key, and the folder of its public key the gateways trust."""
    key = Ed25519PrivateKey.generate()
    trusted = folder / "trusted"
    trusted.mkdir(parents=True, exist_ok=True)
    private = folder / f"{CENTRE_KID}.key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    (trusted / f"{CENTRE_KID}.pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, trusted


def _register(db: str) -> None:
    """The district's registry: the demo gateway and the simulated ones, by community."""
    from cloud_sync.monitor.storage import open_storage
    from cloud_sync.monitor.storage.registry import Entry
    from edge.demo.fleet import community_of, gateway_ids

    storage = open_storage(db)
    try:
        storage.registry.add(Entry(DEMO_GATEWAY, DEMO_COMMUNITY, "The demo gateway"), 0.0)
        for gateway in gateway_ids("sim-", 1, FLEET):
            community = community_of(gateway, FLEET_COMMUNITIES)
            storage.registry.add(Entry(gateway, community, f"{community} gate"), 0.0)
    finally:
        storage.close()


def _welcome(db: str, signing_key: Path) -> None:
    """A first publication, so that "who has heard" shows something from the first minute."""
    from cloud_sync.distribution.kinds import Kind, Scope
    from cloud_sync.monitor.distribution import publisher as pub
    from cloud_sync.monitor.distribution.store import DistributionStore
    from cloud_sync.monitor.storage import open_storage

    storage = open_storage(db)
    try:
        change, summary, _ = pub.notice(
            title=WELCOME[0], text=WELCOME[1], severity="info", now=time.time()
        )
        publisher = pub.Publisher(
            DistributionStore(storage.backend), pub.Signer.from_file(signing_key, CENTRE_KID)
        )
        publisher.publish(
            Kind.NOTICE, Scope("all"), change, by="demo", source="demo", summary=summary
        )
    finally:
        storage.close()


async def _stop(procs: list[asyncio.subprocess.Process]) -> None:
    """Ask every child to stop, all at once; kill those that do not, or all if interrupted."""
    for proc in procs:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    try:
        async with asyncio.timeout(STOP_TIMEOUT_S):
            for proc in procs:
                await proc.wait()
    except TimeoutError:
        pass
    finally:
        # Also when this wait is cancelled (a second Ctrl-C): no child may outlive the demo.
        # asyncio's child watcher reaps them.
        for proc in procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
