"""A centre for the distribution tests: keys, signed items, and publishing them over MQTT."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.keys import CentreKeys
from cloud_sync.distribution.kinds import Kind, Scope
from cloud_sync.distribution.publishing import Publication, messages, publish
from firmware_interfaces.transports.mqtt import MqttClient


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_public(key: Ed25519PrivateKey, folder: Path, kid: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kid}.pub.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def keys_of(**keys: Ed25519PrivateKey) -> CentreKeys:
    return CentreKeys({kid: key.public_key() for kid, key in keys.items()})


@dataclass
class Centre:
    """The streams of a test centre: value and version per (kind, scope), like the monitor's."""

    key: Ed25519PrivateKey
    kid: str = "centre-1"
    versions: dict[tuple[Kind, Scope], int] = field(default_factory=dict)
    values: dict[tuple[Kind, Scope], Any] = field(default_factory=dict)
    parts: dict[tuple[Kind, Scope], int] = field(default_factory=dict)
    history: list[Publication] = field(default_factory=list)

    def next(self, kind: Kind, scope: Scope, value: Any, *, whole: bool = False) -> Publication:
        ident = (kind, scope)
        pub = publish(
            self.key,
            self.kid,
            kind,
            scope,
            previous_version=self.versions.get(ident, 0),
            old_value=self.values.get(ident, CODECS[kind].empty()),
            new_value=value,
            now=time.time(),
            whole=whole,
        )
        self.versions[ident] = pub.version
        self.values[ident] = value
        self.history.append(pub)
        return pub

    async def send(self, client: MqttClient, pub: Publication) -> None:
        ident = (pub.kind, pub.scope)
        for m in messages(
            pub.kind,
            pub.scope,
            pub.version,
            pub.head_text,
            pub.snapshot_text,
            previous_parts=self.parts.get(ident, 0),
        ):
            await client.publish(m.topic, m.payload, qos=1, retain=m.retain)
        self.parts[ident] = pub.parts

    async def put(
        self, client: MqttClient, kind: Kind, scope: Scope, value: Any, *, whole: bool = False
    ) -> Publication:
        pub = self.next(kind, scope, value, whole=whole)
        await self.send(client, pub)
        return pub


def status(entries: dict[str, str]) -> Any:
    return CODECS[Kind.STATUS_LIST].snapshot({"entries": dict(entries)})
