"""Policy push from the centre: sign, publish to ``ccg/v1/<gw>/cmd/policy``, wait for the ack.

The signer (:mod:`cloud_sync.policy_signing`) and the gateway side belong to the uplink; this is
the centre's half.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import tomllib
from pathlib import Path
from typing import Any

from cloud_sync.monitor.errors import PolicyPushError
from cloud_sync.monitor.ingest import CommandAck, Rejected, classify
from cloud_sync.monitor.service import Subscriber, mqtt_subscriber
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.policy_signing import PolicySignatureError, sign_policy
from cloud_sync.protocol import GATEWAY_ID, ack_topic, command_topic

ACCEPTED_WORDS = ("applied", "accepted", "ok", "success")


def load_policy(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise PolicyPushError(f"cannot read the policy {path}: {exc.strerror}") from None
    try:
        policy = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise PolicyPushError(f"the policy {path} is not valid {kind}: {exc}") from None
    if not isinstance(policy, dict):
        raise PolicyPushError(f"the policy {path} is not an object")
    return policy


def sign(policy: dict[str, Any], key_file: Path, kid: str, gateway: str | None) -> bytes:
    """Sign with the centre's key; ``gateway`` binds the policy to that gateway only."""
    try:
        key = key_file.read_bytes()
    except OSError as exc:
        raise PolicyPushError(f"cannot read the key {key_file}: {exc.strerror}") from None
    try:
        return sign_policy(policy, key, kid, gateway=gateway)
    except (PolicySignatureError, ValueError, TypeError) as exc:  # not a usable private key
        raise PolicyPushError(f"cannot sign with {key_file}: {exc}") from exc


def accepted(ack: CommandAck) -> bool:
    body = ack.envelope.body
    if isinstance(body.get("accepted"), bool):
        return bool(body["accepted"])
    if isinstance(body.get("ok"), bool):
        return bool(body["ok"])
    status = str(body.get("status") or body.get("result") or "").lower()
    return status in ACCEPTED_WORDS


async def push(
    subscriber: Subscriber,
    gateway: str,
    payload: bytes,
    *,
    wait_s: float,
    retain: bool = False,
) -> CommandAck:
    """Subscribe to the ack, publish the command, return the gateway's ack to it.

    The signer names a command by the sha256 of the whole message; an ack that carries a
    different digest answers an earlier command and is skipped.
    """
    digest = hashlib.sha256(payload).hexdigest()
    await subscriber.subscribe(ack_topic(gateway, "policy"), qos=1)
    await subscriber.publish(command_topic(gateway, "policy"), payload, qos=1, retain=retain)
    try:
        async with asyncio.timeout(wait_s):
            async for message in subscriber.messages():
                item = classify(message.topic, message.payload, time.time())
                if isinstance(item, Rejected):
                    raise PolicyPushError(f"{gateway} answered with a bad ack: {item.reason}")
                if isinstance(item, CommandAck) and item.envelope.gateway == gateway:
                    named = item.envelope.body.get("digest")
                    if named is None or named == digest:
                        return item
    except TimeoutError:
        raise PolicyPushError(
            f"no acknowledgement from {gateway} within {wait_s:g} s"
            " (is it online? see /api/gateways)"
        ) from None
    raise PolicyPushError("the MQTT client stopped before an acknowledgement came")


async def push_policy(
    settings: MonitorSettings,
    gateway: str,
    payload: bytes,
    *,
    wait_s: float = 30.0,
    retain: bool = False,
) -> CommandAck:
    if not GATEWAY_ID.match(gateway):
        raise PolicyPushError(f"{gateway!r} is not a gateway id ([A-Za-z0-9_-]{{1,64}})")
    # A short-lived client: no session left behind on the broker, nothing to acknowledge later.
    once = settings.model_copy(update={"session_expiry_s": 0})
    async with mqtt_subscriber(once, manual_ack=False) as client:
        try:
            await client.wait_connected(wait_s)
        except TimeoutError:
            raise PolicyPushError(
                f"cannot connect to the broker {settings.broker_host}:{settings.broker_port}"
            ) from None
        return await push(client, gateway, payload, wait_s=wait_s, retain=retain)
