"""The MQTT transport against a real Mosquitto."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest

from firmware_interfaces.transports.mqtt import (
    Message,
    MqttClient,
    MqttError,
    MqttSettings,
    TlsSettings,
    Will,
)
from tests.brokers import Mosquitto
from tests.mqtt.certs import make_pki, tls_listener_lines
from tests.mqtt.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]


def settings(broker: Mosquitto, **kwargs: Any) -> MqttSettings:
    base: dict[str, Any] = {
        "host": broker.host,
        "port": broker.port,
        "backoff_initial": 0.1,
        "backoff_max": 0.5,
    }
    base.update(kwargs)
    return MqttSettings(**base)


async def collect(client: MqttClient, into: list[Message]) -> None:
    async for message in client.messages():
        into.append(message)


@pytest.mark.parametrize("protocol", [5, 4])
async def test_round_trip(mosquitto: Mosquitto, topic: str, protocol: Literal[5, 4]) -> None:
    got: list[Message] = []
    async with MqttClient(settings(mosquitto, protocol=protocol)) as client:
        await client.wait_connected(10)
        await client.subscribe(f"{topic}/#", qos=1)
        reader = asyncio.create_task(collect(client, got))
        await client.publish(f"{topic}/a", b"one", qos=1)
        await client.publish(f"{topic}/b", b"two", qos=0)
        await wait_until(lambda: len(got) == 2)
        reader.cancel()
    assert [(m.topic, m.payload) for m in got] == [(f"{topic}/a", b"one"), (f"{topic}/b", b"two")]
    assert not client.connected.is_set()


async def test_many_in_flight(mosquitto: Mosquitto, topic: str) -> None:
    async with MqttClient(settings(mosquitto, max_inflight=200)) as client:
        await client.wait_connected(10)
        await asyncio.gather(*(client.publish(f"{topic}/{i}", b"x") for i in range(2000)))
        assert client.inflight == 0


async def test_broker_down_at_start(
    mosquitto_factory: Callable[..., Mosquitto], topic: str
) -> None:
    broker = mosquitto_factory("late")
    async with MqttClient(settings(broker)) as client:
        with pytest.raises(MqttError):
            await client.publish(topic, b"too early")
        await asyncio.sleep(0.3)  # a few refused attempts; the client keeps trying
        assert client.last_error is not None
        broker.start()
        await client.wait_connected(10)
        await client.publish(topic, b"now")


async def test_restart_resubscribes(mosquitto: Mosquitto, topic: str) -> None:
    got: list[Message] = []
    reconnected = asyncio.Event()

    async def mark() -> None:
        reconnected.set()

    async with (
        MqttClient(settings(mosquitto)) as listener,
        MqttClient(settings(mosquitto)) as sender,
    ):
        listener.on_connect(mark)
        await listener.wait_connected(10)
        await listener.subscribe(topic)
        reader = asyncio.create_task(collect(listener, got))
        await sender.wait_connected(10)
        await sender.publish(topic, b"before")
        await wait_until(lambda: len(got) == 1)
        reconnected.clear()
        mosquitto.stop()
        await wait_until(lambda: not listener.connected.is_set())
        mosquitto.start()
        await asyncio.wait_for(reconnected.wait(), 10)
        await sender.wait_connected(10)
        # The SUBSCRIBE went out right after CONNACK; a retained message proves it took effect.
        await sender.publish(topic, b"after", retain=True)
        await wait_until(lambda: len(got) == 2)
        reader.cancel()
    assert got[1].payload == b"after"


async def test_pending_publishes_fail_when_the_link_drops(mosquitto: Mosquitto, topic: str) -> None:
    async with MqttClient(settings(mosquitto, max_inflight=5000)) as client:
        await client.wait_connected(10)
        futures = [client.start_publish(topic, b"x" * 1000) for _ in range(5000)]
        mosquitto.kill()
        results = await asyncio.gather(*futures, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, MqttError) for e in errors)
    assert client.inflight == 0


WILL_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings, Will

    async def main() -> None:
        port, topic = int(sys.argv[1]), sys.argv[2]
        s = MqttSettings(port=port, client_id="will-child", keepalive=5,
                         will=Will(topic, b"gone", qos=1))
        async with MqttClient(s) as client:
            await client.wait_connected(10)
            print("up", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


async def test_will_is_delivered_when_killed(mosquitto: Mosquitto, topic: str) -> None:
    got: list[Message] = []
    async with MqttClient(settings(mosquitto)) as watcher:
        await watcher.wait_connected(10)
        await watcher.subscribe(topic)
        reader = asyncio.create_task(collect(watcher, got))
        child = subprocess.Popen(  # noqa: ASYNC220 (started once; the test awaits its output)
            [sys.executable, "-c", WILL_CHILD, str(mosquitto.port), topic],
            cwd=REPO,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            assert child.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 20)
            assert line.strip() == b"up"
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
        await wait_until(lambda: any(m.payload == b"gone" for m in got))
        reader.cancel()


async def test_clean_close_sends_no_will(mosquitto: Mosquitto, topic: str) -> None:
    got: list[Message] = []
    async with MqttClient(settings(mosquitto)) as watcher:
        await watcher.wait_connected(10)
        await watcher.subscribe(f"{topic}/#")
        reader = asyncio.create_task(collect(watcher, got))
        async with MqttClient(settings(mosquitto, will=Will(f"{topic}/will", b"gone"))) as c:
            await c.wait_connected(10)
            await c.publish(f"{topic}/last", b"bye")
        await wait_until(lambda: len(got) >= 1)
        await asyncio.sleep(0.3)
        reader.cancel()
    assert [m.payload for m in got] == [b"bye"]


async def test_tls_with_client_certificates(
    tmp_path: Path, mosquitto_factory: Callable[..., Mosquitto], topic: str
) -> None:
    pki = make_pki(tmp_path / "pki", clients=("gw-a",))
    broker = mosquitto_factory("tls", extra=tls_listener_lines(pki, require_certificate=True))
    broker.start()
    cert, key = pki.clients["gw-a"]
    good = TlsSettings(ca_file=pki.ca_file, cert_file=cert, key_file=key)
    got: list[Message] = []
    async with MqttClient(settings(broker, tls=good)) as client:
        await client.wait_connected(10)
        await client.subscribe(topic)
        reader = asyncio.create_task(collect(client, got))
        await client.publish(topic, b"secret")
        await wait_until(lambda: len(got) == 1)
        reader.cancel()

    # No client certificate: the broker ends the handshake.
    async with MqttClient(settings(broker, tls=TlsSettings(ca_file=pki.ca_file))) as bare:
        await wait_until(lambda: bare.last_error is not None)
        assert not bare.connected.is_set()

    # A server certificate from another CA: the client refuses the broker.
    other = make_pki(tmp_path / "other")
    wrong = TlsSettings(ca_file=other.ca_file, cert_file=cert, key_file=key)
    async with MqttClient(settings(broker, tls=wrong)) as doubtful:
        await wait_until(lambda: doubtful.last_error is not None)
        assert "certificate verify failed" in doubtful.last_error.reason  # type: ignore[union-attr]
        assert not doubtful.connected.is_set()
