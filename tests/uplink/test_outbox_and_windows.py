"""The outbox's replace/evict rules, window arithmetic and the policy signer, on a real SQLite."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cloud_sync.policy_signing import (
    PolicySignatureError,
    generate_keypair,
    load_public_key,
    sign_policy,
    verify_policy,
)
from cloud_sync.protocol import decode
from cloud_sync.uplink import UplinkSettings, outbox, windows
from cloud_sync.uplink.errors import UplinkConfigError
from cloud_sync.uplink.outbox import Outgoing
from cloud_sync.uplink.privacy import PersonHasher, load_or_create_key
from edge.core.store import Store
from tests.uplink.helpers import T0, open_store, seed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "gw.db")
    yield s
    s.close()


def put(store: Store, items: list[Outgoing], max_rows: int = 1000) -> int:
    return store.write_sync(
        functools.partial(outbox.enqueue, gateway="gw", items=items, now=T0, max_rows=max_rows)
    )


def rows(store: Store) -> list[outbox.Row]:
    return store.read_sync(lambda db: outbox.fetch(db, (-1, 0), 1000))


def test_a_newer_revision_replaces_in_place_and_keeps_its_seq(store: Store) -> None:
    put(store, [Outgoing("stock", "masks", {"on_hand": 1}, True)])
    (first,) = rows(store)
    put(store, [Outgoing("stock", "masks", {"on_hand": 2}, True)])
    (second,) = rows(store)
    assert second.id == first.id and second.rev == first.rev + 1
    env = decode(second.payload)
    assert env.seq == decode(first.payload).seq == 1 and env.body == {"on_hand": 2}
    # The PUBACK of the first revision deletes nothing: the newer one must still go.
    assert store.write_sync(lambda db: outbox.delete_acked(db, [(first.id, first.rev)])) == 0
    assert store.write_sync(lambda db: outbox.delete_acked(db, [(second.id, second.rev)])) == 1


def test_alerts_are_never_replaced_and_drain_first(store: Store) -> None:
    put(store, [Outgoing("lane-window", "l/2026-01-01T00:00:00.000Z", {}, True)])
    put(
        store,
        [
            Outgoing("alert", "a1", {"state": "open"}, True),
            Outgoing("alert", "a1", {"state": "resolved"}, True),
        ],
    )
    got = rows(store)
    assert [decode(r.payload).stream for r in got] == ["alert", "alert", "lane-window"]
    assert [decode(r.payload).seq for r in got[:2]] == [1, 2]


def test_a_full_outbox_evicts_oldest_windows_never_alerts(store: Store) -> None:
    store.write_sync(lambda db: seed(db, 300, lanes=1, span_s=30 * 300))
    hasher = PersonHasher(b"k" * 32)
    store.write_sync(lambda db: windows.scan(db, 300, since=0, doubt=False))
    items = store.write_sync(
        lambda db: windows.flush(
            db, now=T0 + 86400, window_s=300, settle_s=0, synced=True, hasher=hasher
        )
    )
    assert len(items) == 30
    put(store, [Outgoing("alert", f"a{i}", {}, True) for i in range(5)], max_rows=10)
    evicted = put(store, items, max_rows=10)
    assert evicted == 25
    streams = [decode(r.payload).stream for r in rows(store)]
    assert streams.count("alert") == 5 and streams.count("lane-window") == 5
    assert store.read_sync(outbox.depth).evicted_total == 25
    # Once there is room, evicted windows are computed again and sent.
    assert store.write_sync(lambda db: windows.requeue_evicted(db, 100)) == 25
    again = store.write_sync(
        lambda db: windows.flush(
            db, now=T0 + 86400, window_s=300, settle_s=0, synced=True, hasher=hasher
        )
    )
    assert len(again) == 25


def test_window_body_counts_decisions_in_force(store: Store) -> None:
    store.write_sync(lambda db: seed(db, 200, lanes=1, span_s=299))
    body = store.read_sync(
        lambda db: windows.compute(db, "lane-0", T0, 300, PersonHasher(b"k" * 32))
    )
    assert body["screenings"] == 200
    assert body["admitted"] + body["denied"] + body["rechecks"] == 200
    assert sum(body["temperature_histogram"].values()) == 200
    assert sum(body["denied_by_reason"].values()) == body["denied"]
    assert 0 < body["distinct_people"] <= 200
    assert "resident" not in json.dumps(body)


@pytest.mark.parametrize(
    ("celsius", "bucket"),
    [(36.55, "36.5"), (37.3, "37.3"), (33.0, "<34.0"), (42.0, ">=42.0"), (36.0, "36.0")],
)
def test_temperature_buckets(celsius: float, bucket: str) -> None:
    assert windows.temperature_bucket(celsius) == bucket


def test_hmac_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "k" / "hmac.key"
    key = load_or_create_key(path)
    assert load_or_create_key(path) == key and path.stat().st_mode & 0o777 == 0o600
    assert PersonHasher(key).token("r1") != PersonHasher(b"x" * 32).token("r1")


def test_password_file_errors_name_the_key(tmp_path: Path) -> None:
    settings = UplinkSettings(
        gateway_id="gw",
        broker_host="h",
        hmac_key_file=tmp_path / "k",
        password_file=tmp_path / "missing",
    )
    with pytest.raises(UplinkConfigError) as err:
        settings.mqtt()
    assert err.value.key == "password_file"
    (tmp_path / "pw").write_text("s3cret\n")
    ok = UplinkSettings(
        gateway_id="gw",
        broker_host="h",
        hmac_key_file=tmp_path / "k",
        password_file=tmp_path / "pw",
    ).mqtt()
    assert ok.username == "gw" and ok.password == "s3cret" and ok.tls is not None


def _es256() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@pytest.mark.parametrize("make", [generate_keypair, _es256])
def test_sign_and_verify(make: object) -> None:
    private, public = make()  # type: ignore[operator]
    message = sign_policy({"version": "3"}, private, "k1", issued_at=123.0, gateway="gw")
    signed = verify_policy(message, load_public_key(public))
    assert signed.policy == {"version": "3"} and signed.issued_at == 123.0
    assert signed.kid == "k1" and signed.gateway == "gw"
    head, body, sig = message.split(b".")
    tampered = head + b"." + body[:-2] + b"AA." + sig
    with pytest.raises(PolicySignatureError):
        verify_policy(tampered, load_public_key(public))
    _, other_public = make()  # type: ignore[operator]
    with pytest.raises(PolicySignatureError, match="bad signature"):
        verify_policy(message, load_public_key(other_public))


def test_verify_rejects_garbage_and_algorithm_mismatch() -> None:
    private, _ = generate_keypair()
    _, es_public = _es256()
    for junk in (b"", b"{}", b"a.b.c", b"\xff\xfe", b"x" * 70_000):
        with pytest.raises(PolicySignatureError):
            verify_policy(junk, load_public_key(es_public))
    with pytest.raises(PolicySignatureError, match="algorithm"):
        verify_policy(sign_policy({}, private, "k"), load_public_key(es_public))
