"""The central broker's ACL (config/mosquitto/acl.conf) on a real Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from firmware_interfaces.transports.mqtt import Message, MqttClient, MqttError, MqttSettings
from tests.brokers import Mosquitto
from tests.mqtt.certs import readable_as_root_lines
from tests.mqtt.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
USERS = {"gw-a": "pw-a", "gw-b": "pw-b", "central-monitor": "pw-c"}


def make_passwd(directory: Path) -> Path:
    """A Mosquitto password file for USERS, made with mosquitto_passwd."""
    passwd = directory / "passwd"
    passwd.touch()
    for user, password in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    return passwd


@pytest.fixture
def secured(tmp_path: Path, mosquitto_factory: Callable[..., Mosquitto]) -> Mosquitto:
    passwd = make_passwd(tmp_path)
    extra = "\n".join(
        [
            *readable_as_root_lines(),
            f"password_file {passwd}",
            f"acl_file {REPO / 'config/mosquitto/acl.conf'}",
        ]
    )
    return mosquitto_factory("secured", anonymous=False, extra=extra).start()


def login(broker: Mosquitto, user: str | None, password: str | None = None) -> MqttSettings:
    return MqttSettings(
        host=broker.host,
        port=broker.port,
        client_id=f"c-{user}",
        username=user,
        password=password if password is not None else USERS.get(user or ""),
        backoff_initial=0.1,
        backoff_max=0.5,
    )


async def gather_into(client: MqttClient, into: list[Message]) -> None:
    async for m in client.messages():
        into.append(m)


async def test_gateways_are_confined_to_their_own_topics(secured: Mosquitto) -> None:
    centre_got: list[Message] = []
    a_got: list[Message] = []
    async with (
        MqttClient(login(secured, "central-monitor")) as centre,
        MqttClient(login(secured, "gw-a")) as gw_a,
    ):
        await centre.wait_connected(10)
        await gw_a.wait_connected(10)
        await centre.subscribe("ccg/v1/#")
        await gw_a.subscribe("ccg/v1/gw-a/cmd/#")
        await gw_a.subscribe("ccg/v1/gw-b/cmd/#")  # accepted, but nothing may arrive
        tasks = [
            asyncio.create_task(gather_into(centre, centre_got)),
            asyncio.create_task(gather_into(gw_a, a_got)),
        ]

        # A cannot publish as B: MQTT 5 PUBACK says "not authorized".
        with pytest.raises(MqttError) as refused:
            await gw_a.publish("ccg/v1/gw-b/data/stock", b"forged")
        assert refused.value.rc == 0x87
        # Mosquitto 2.0 also drops the connection of a client it refused; it comes back.
        for _attempt in range(100):
            try:
                await gw_a.publish("ccg/v1/gw-a/data/stock", b"mine")
                break
            except MqttError:
                await asyncio.sleep(0.1)
                await gw_a.wait_connected(10)

        # A reads its own commands, not B's.
        await centre.publish("ccg/v1/gw-b/cmd/policy", b"for b")
        await centre.publish("ccg/v1/gw-a/cmd/policy", b"for a")
        await wait_until(lambda: any(m.payload == b"for a" for m in a_got))
        await wait_until(lambda: any(m.payload == b"mine" for m in centre_got))
        await asyncio.sleep(0.3)
        for task in tasks:
            task.cancel()
    assert [m.payload for m in a_got] == [b"for a"]
    assert b"forged" not in [m.payload for m in centre_got]


async def test_clients_without_valid_credentials_are_refused(secured: Mosquitto) -> None:
    for settings in (login(secured, None), login(secured, "gw-a", "wrong")):
        async with MqttClient(settings) as client:
            await wait_until(lambda c=client: c.last_error is not None)  # type: ignore[misc]
            assert not client.connected.is_set()
            assert "refused" in client.last_error.reason  # type: ignore[union-attr]


async def test_uplink_over_tls_with_password_through_the_acl(
    tmp_path: Path, mosquitto_factory: Callable[..., Mosquitto]
) -> None:
    from cloud_sync.uplink import UplinkService, UplinkSettings
    from edge.core.bus import Bus
    from firmware_interfaces.transports.mqtt import TlsSettings
    from tests.mqtt.certs import make_pki, tls_listener_lines
    from tests.uplink.helpers import T0, Collector, gateway_counts, open_store, seed

    pki = make_pki(tmp_path / "pki")
    passwd = make_passwd(tmp_path)
    extra = "\n".join(
        [
            tls_listener_lines(pki, require_certificate=False),
            f"password_file {passwd}",
            f"acl_file {REPO / 'config/mosquitto/acl.conf'}",
        ]
    )
    broker = mosquitto_factory("tls-acl", anonymous=False, extra=extra).start()
    (tmp_path / "gw-a.pw").write_text("pw-a\n")
    settings = UplinkSettings(
        gateway_id="gw-a",
        broker_host="127.0.0.1",
        broker_port=broker.port,
        tls=True,
        tls_ca_file=pki.ca_file,
        password_file=tmp_path / "gw-a.pw",
        hmac_key_file=tmp_path / "hmac.key",
        clock_check="trust",
        window_settle_s=0,
        backoff_initial_s=0.1,
        backoff_max_s=0.5,
    )
    store = open_store(tmp_path / "gw.db")
    store.write_sync(lambda db: seed(db, 300, lanes=2, span_s=1800))
    found = Collector()
    centre = login(broker, "central-monitor")
    centre = MqttSettings(**{**centre.__dict__, "tls": TlsSettings(ca_file=pki.ca_file)})
    service = UplinkService(settings, store, Bus(), clock=lambda: T0 + 7200)
    async with MqttClient(centre) as monitor:
        await monitor.wait_connected(10)
        await monitor.subscribe("ccg/v1/#")
        task = asyncio.create_task(service.run())
        try:
            async with asyncio.timeout(40):
                async for message in monitor.messages():
                    found.take(message)
                    if found.lane_counts() == store.read_sync(gateway_counts):
                        break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert found.births == [1]
    store.close()
