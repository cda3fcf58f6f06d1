"""Client-id takeover, on the shipped broker configuration (config/mosquitto/).

A gateway logged in as gw-a that connects with gw-b's client id must not take over gw-b's
session: gw-b is not kicked off, its will does not fire, and the centre (a real
``central-monitor`` logged in over TLS) shows gw-b online throughout. With passwords
(mosquitto.conf) and with client certificates (mosquitto-certificates.conf); the shipped file
is run as it is, only its paths and port pointed at the test's own.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from cloud_sync.protocol import Envelope, birth_topic, death_topic
from cloud_sync.uplink import UplinkSettings
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings, TlsSettings, Will
from tests.brokers import Mosquitto, free_port
from tests.monitor.processes import MonitorProcess
from tests.mqtt.certs import Pki, make_pki, readable_as_root_lines
from tests.mqtt.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "mosquitto"
USERS = {"gw-a": "pw-a", "gw-b": "pw-b", "central-monitor": "pw-c"}
AT = "2026-11-29T02:00:00Z"


def shipped_broker(tmp_path: Path, name: str, pki: Pki) -> Mosquitto:
    """The shipped configuration file, its paths and port pointed at this test's."""
    passwd = tmp_path / "passwd"
    passwd.touch()
    for user, password in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    port = free_port()
    text = (SHIPPED / name).read_text()
    for shipped, ours in (
        ("/etc/mosquitto/ccg/passwd", str(passwd)),
        ("/etc/mosquitto/ccg/acl.conf", str(SHIPPED / "acl.conf")),
        ("/etc/mosquitto/ccg/ca.pem", str(pki.ca_file)),
        ("/etc/mosquitto/ccg/server.crt", str(pki.server_cert)),
        ("/etc/mosquitto/ccg/server.key", str(pki.server_key)),
        ("/var/lib/mosquitto/", f"{tmp_path}/"),
    ):
        assert shipped in text or shipped.endswith("passwd"), f"{name} has no {shipped}"
        text = text.replace(shipped, ours)
    text = re.sub(r"^listener 8883$", f"listener {port} 127.0.0.1", text, flags=re.M)
    broker = Mosquitto(tmp_path / "broker", port=port)
    broker.conf.write_text(
        "\n".join([*readable_as_root_lines(), "log_dest stderr", "log_type error", text]) + "\n"
    )
    return broker.start()


def login(
    broker: Mosquitto, pki: Pki, user: str, client_id: str, certs: bool, **kw: object
) -> MqttSettings:
    if certs:
        cert, key = pki.clients[user]
        tls = TlsSettings(ca_file=pki.ca_file, cert_file=cert, key_file=key)
        username, password = None, None
    else:
        tls = TlsSettings(ca_file=pki.ca_file)
        username, password = user, USERS[user]
    return MqttSettings(
        host=broker.host,
        port=broker.port,
        client_id=client_id,
        username=username,
        password=password,
        tls=tls,
        backoff_initial=0.1,
        backoff_max=0.5,
        **kw,
    )  # type: ignore[arg-type]


def lifecycle(gateway: str, kind: str) -> bytes:
    body = {"bdseq": 1} if kind == "death" else {"bdseq": 1, "keepalive_s": 30, "software": "t"}
    return Envelope(gateway, kind, "gateway", 1, 1, AT, True, body).encode()


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("config", ["mosquitto.conf", "mosquitto-certificates.conf"])
async def test_a_gateway_cannot_take_over_another_gateways_session(
    tmp_path: Path, config: str
) -> None:
    certs = "certificates" in config
    pki = make_pki(tmp_path / "pki", clients=tuple(USERS))
    broker = shipped_broker(tmp_path, config, pki)
    (tmp_path / "monitor.pw").write_text(USERS["central-monitor"])
    monitor_login = ["--tls-ca", str(pki.ca_file)]
    if certs:
        cert, key = pki.clients["central-monitor"]
        monitor_login += ["--tls-cert", str(cert), "--tls-key", str(key)]
    else:
        monitor_login += [
            "--username",
            "central-monitor",
            "--password-file",
            str(tmp_path / "monitor.pw"),
        ]
    monitor = MonitorProcess(
        broker.port, f"sqlite:///{tmp_path / 'centre.db'}", tmp_path / "centre", *monitor_login
    )
    monitor.start()
    try:
        await asyncio.to_thread(monitor.wait_up)
        will = Will(death_topic("gw-b"), lifecycle("gw-b", "death"))
        async with MqttClient(login(broker, pki, "gw-b", "gw-b", certs, will=will)) as gw_b:
            await gw_b.wait_connected(10)
            await gw_b.publish(birth_topic("gw-b"), lifecycle("gw-b", "birth"))

            def b_online() -> bool:
                rows = {g["gateway"]: g for g in monitor.get("/api/gateways").json()}
                return bool(rows.get("gw-b", {}).get("online"))

            await wait_until(b_online, 30)
            # gw-a's login asks for gw-b's client id (and the uplink's old default, ccg-gw-b).
            for stolen in ("gw-b", "ccg-gw-b"):
                attack = login(broker, pki, "gw-a", stolen, certs, clean_start=True)
                async with MqttClient(attack) as attacker:
                    await attacker.wait_connected(10)  # it gets in, as gw-a
                    for _ in range(10):
                        await asyncio.sleep(0.1)
                        assert gw_b.connected.is_set(), f"gw-b was kicked off by {stolen!r}"
                        assert await asyncio.to_thread(b_online), "the centre shows gw-b offline"
                    # and it still cannot speak for gw-b
                    with pytest.raises(Exception):  # noqa: B017 (refused, then dropped)
                        await attacker.publish(death_topic("gw-b"), lifecycle("gw-b", "death"))
            await asyncio.sleep(0.5)
            assert gw_b.connections == 1 and gw_b.connected.is_set()
            assert await asyncio.to_thread(b_online)
            metrics = monitor.get("/metrics").text
            assert "ccg_monitor_deaths_total 0.0" in metrics
    finally:
        monitor.stop()
        broker.stop()


def test_the_uplinks_client_id_is_its_login() -> None:
    base = {"gateway_id": "gw-a", "broker_host": "centre", "hmac_key_file": Path("k")}
    assert UplinkSettings(**base).mqtt().client_id == "gw-a"  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="client id must be the broker login"):
        UplinkSettings(**base, client_id="ccg-gw-a")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="user name must be the gateway id"):
        UplinkSettings(**base, username="someone-else")  # type: ignore[arg-type]
    assert UplinkSettings(**base, client_id="gw-a", username="gw-a").mqtt().client_id == "gw-a"  # type: ignore[arg-type]


def test_check_config_says_the_client_id_must_be_the_login(tmp_path: Path) -> None:
    import sys

    from edge.demo.workspace import LanePorts, make_workspace

    ws = make_workspace(
        tmp_path,
        [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")],
        web_port=0,
        extra_toml=(
            '[uplink]\ngateway_id = "gw-a"\nbroker_host = "127.0.0.1"\n'
            'hmac_key_file = "hmac.key"\nclient_id = "gw-b"\n'
        ),
    )
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "check-config", str(ws.config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "uplink.client_id" in done.stderr and "must be the broker login ('gw-a')" in done.stderr
