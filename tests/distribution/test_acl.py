"""The shipped broker ACL (config/mosquitto/acl.conf) and distribution, on a real Mosquitto:
only the centre writes ``ccg/v1/dist/...``; a gateway reads what is for everyone, for itself,
and (given its line) for its community, never another gateway's or community's.
"""

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

REPO = Path(__file__).resolve().parents[2]
USERS = {"gw-a": "pw-a", "gw-b": "pw-b", "central-monitor": "pw-c"}


@pytest.fixture
def secured(tmp_path: Path, mosquitto_factory: Callable[..., Mosquitto]) -> Mosquitto:
    passwd = tmp_path / "passwd"
    passwd.touch()
    for user, password in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    acl = tmp_path / "acl.conf"  # the shipped file, and gw-a's line for its community
    acl.write_text(
        (REPO / "config/mosquitto/acl.conf").read_text()
        + "\nuser gw-a\ntopic read ccg/v1/dist/community/willow-court/#\n"
    )
    extra = "\n".join([*readable_as_root_lines(), f"password_file {passwd}", f"acl_file {acl}"])
    return mosquitto_factory("secured", anonymous=False, extra=extra).start()


def login(broker: Mosquitto, user: str) -> MqttSettings:
    return MqttSettings(
        host=broker.host, port=broker.port, client_id=user, username=user,
        password=USERS[user], backoff_initial=0.1, backoff_max=0.5,
    )  # fmt: skip


async def test_only_the_centre_writes_and_each_gateway_reads_its_own(secured: Mosquitto) -> None:
    topics = [
        "ccg/v1/dist/all/notice/head",
        "ccg/v1/dist/gateway/gw-a/policy/head",
        "ccg/v1/dist/gateway/gw-b/policy/head",
        "ccg/v1/dist/community/willow-court/status-list/head",
        "ccg/v1/dist/community/elm-row/status-list/head",
    ]
    async with (
        MqttClient(login(secured, "central-monitor")) as centre,
        MqttClient(login(secured, "gw-a")) as gw_a,
        MqttClient(login(secured, "gw-b")) as gw_b,
    ):
        for client in (centre, gw_a, gw_b):
            await client.wait_connected(10)
        for topic in topics:  # retained: a gateway gets what it may read when it subscribes
            await centre.publish(topic, b'{"v":1}', qos=1, retain=True)
        # A gateway writing there is refused (Mosquitto drops it, and the connection).
        with contextlib.suppress(MqttError, TimeoutError):
            async with asyncio.timeout(5):
                await gw_b.publish("ccg/v1/dist/all/notice/head", b"forged", qos=1, retain=True)
        got: list[Message] = []
        await gw_a.subscribe("ccg/v1/dist/#", qos=1)

        async def gather() -> None:
            async for message in gw_a.messages():
                got.append(message)

        task = asyncio.create_task(gather())
        await asyncio.sleep(2.0)
        task.cancel()
    assert sorted(m.topic for m in got) == sorted([topics[0], topics[1], topics[3]]), (
        "gw-a reads everyone's, its own and its community's, nothing else"
    )
    assert all(m.payload == b'{"v":1}' for m in got), "a gateway's write did not land"
