"""The signed item and its frames, sans-IO: what opens, what is refused and why."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from cloud_sync.distribution.content import CODECS, Notice
from cloud_sync.distribution.errors import ContentError, ItemRefusedError, Refusal
from cloud_sync.distribution.frames import (
    PART_CHARS,
    Assembler,
    ItemFrame,
    PartFrame,
    RefFrame,
    decode_frame,
    head_frame,
    parse_dist_topic,
    snapshot_frames,
)
from cloud_sync.distribution.items import Item, open_item, sign_item
from cloud_sync.distribution.kinds import Kind, Mode, Scope, ScopeError
from cloud_sync.distribution.publishing import next_version
from edge.crypto import jws
from tests.distribution.helpers import keys_of, new_key

KEY = new_key()
KEYS = keys_of(**{"centre-1": KEY})
SCOPE = Scope.parse("community:willow-court")


def item(content: dict[str, object] | None = None, **kw: object) -> Item:
    fields: dict[str, object] = {
        "kind": Kind.STATUS_LIST,
        "scope": SCOPE,
        "version": 5,
        "mode": Mode.SNAPSHOT,
        "base": 0,
        "issued_at": 1_790_000_000.0,
        "content": content if content is not None else {"entries": {"p1": "red"}},
    }
    fields.update(kw)
    return Item(**fields)  # type: ignore[arg-type]


def refusal(text: str) -> Refusal:
    with pytest.raises(ItemRefusedError) as caught:
        open_item(text, KEYS)
    return caught.value.refusal


def test_a_signed_item_opens_with_its_signer_and_digest() -> None:
    text = sign_item(KEY, "centre-1", item())
    opened = open_item(text, KEYS)
    assert (opened.kind, opened.scope, opened.version, opened.mode) == (
        Kind.STATUS_LIST,
        SCOPE,
        5,
        Mode.SNAPSHOT,
    )
    assert opened.content == {"entries": {"p1": "red"}}
    assert opened.kid == "centre-1" and len(opened.digest) == 64
    header = jws.json_object(jws.b64url_decode(text.split(".")[0], "h"), "h")
    assert header["crit"] == ["ccg.zip"] and header["typ"] == "ccg-item+jws"


def test_forged_unknown_key_truncated_and_garbage_are_refused_by_category() -> None:
    text = sign_item(KEY, "centre-1", item())
    assert refusal(sign_item(new_key(), "centre-1", item())) is Refusal.FORGED
    assert refusal(sign_item(KEY, "centre-9", item())) is Refusal.UNKNOWN_KEY
    assert refusal(text[: len(text) // 2]) is Refusal.DAMAGED
    assert refusal(text[:-3]) in (Refusal.DAMAGED, Refusal.FORGED)
    assert refusal("garbage") is Refusal.DAMAGED
    # A changed payload with the old signature: forged.
    header, _payload, signature = text.split(".")
    other = sign_item(KEY, "centre-1", item(version=6)).split(".")[1]
    assert refusal(f"{header}.{other}{''}.{signature}") is Refusal.FORGED


def test_an_unknown_critical_extension_is_refused() -> None:
    payload = zlib.compress(json.dumps(item().payload()).encode())
    text = jws.sign_compact(
        KEY,
        kid="centre-1",
        payload=payload,
        header={"typ": "ccg-item+jws", "ccg.zip": "zlib", "x-new": 1, "crit": ["ccg.zip", "x-new"]},
    )
    assert refusal(text) is Refusal.DAMAGED


def test_a_compression_bomb_is_refused_before_it_is_inflated_whole() -> None:
    bomb = zlib.compress(b'{"v":1,"kind":"notice","content":{"x":"' + b"a" * 120_000_000 + b'"}}')
    text = jws.sign_compact(
        KEY,
        kid="centre-1",
        payload=bomb,
        header={"typ": "ccg-item+jws", "ccg.zip": "zlib", "crit": ["ccg.zip"]},
    )
    assert refusal(text) is Refusal.TOO_LARGE


def test_a_policy_payload_beyond_its_kinds_limit_is_too_large() -> None:
    big = item(kind=Kind.POLICY, content={"policy": {"pad": "x" * 300_000}})
    assert refusal(sign_item(KEY, "centre-1", big)) is Refusal.TOO_LARGE


def test_a_delta_must_be_above_its_base() -> None:
    assert refusal(sign_item(KEY, "centre-1", item(mode=Mode.DELTA, base=5))) is Refusal.DAMAGED


def test_scopes_parse_and_include() -> None:
    assert str(Scope.parse("all")) == "all"
    assert Scope.parse("gateway:gw-a").includes("gw-a", None)
    assert not Scope.parse("gateway:gw-a").includes("gw-b", "x")
    assert Scope.parse("community:c1").includes("gw-b", "c1")
    for bad in ("", "everyone", "community:", "community:a/b", "gateway:a+b", "community:a b"):
        with pytest.raises(ScopeError):
            Scope.parse(bad)


def test_versions_only_grow_even_when_the_clock_goes_back() -> None:
    assert next_version(0, 1000.0) == 1_000_000
    assert next_version(5_000_000, 1000.0) == 5_000_001


def test_status_list_delta_makes_a_new_value_and_leaves_the_old() -> None:
    codec = CODECS[Kind.STATUS_LIST]
    old = codec.snapshot({"entries": {"a": "green", "b": "red"}})
    new = codec.delta(old, {"set": {"a": "revoked", "c": "yellow"}, "remove": ["b"]})
    assert dict(new) == {"a": "revoked", "c": "yellow"}
    assert dict(old) == {"a": "green", "b": "red"}
    assert codec.diff(old, new) == {"set": {"a": "revoked", "c": "yellow"}, "remove": ["b"]}
    for bad in ({"entries": {"a": "blue"}}, {"entries": {"a b": "red"}}, {"entries": []}, {"x": 1}):
        with pytest.raises(ContentError):
            codec.snapshot(bad)
    with pytest.raises(ContentError):
        CODECS[Kind.POLICY].delta(None, {"policy": {}})


@pytest.mark.parametrize(
    ("bad_id", "colour"),
    [
        ("ok\nalso-ok", "red"),  # a line break inside an id: two good-looking lines
        ("", "red"),
        ("x" * 129, "red"),
        ("p-2", ["red"]),  # unhashable
        ("p-2", None),
        ("p-2", "Red"),
    ],
)
def test_a_status_list_names_its_first_bad_entry(bad_id: str, colour: object) -> None:
    """The whole list is checked at once for speed; a bad entry is still found and named."""
    entries = {f"p-{i}": "green" for i in range(1_000)}
    entries[bad_id] = colour  # type: ignore[assignment]
    with pytest.raises(ContentError) as caught:
        CODECS[Kind.STATUS_LIST].snapshot({"entries": entries})
    assert repr(bad_id[:40]) in str(caught.value)
    good = CODECS[Kind.STATUS_LIST].snapshot({"entries": {"a.b:c@d_e-f": "red", "g": "green"}})
    assert dict(good) == {"a.b:c@d_e-f": "red", "g": "green"}
    assert CODECS[Kind.STATUS_LIST].describe(good) == "2 passes (1 green, 1 red)"


def test_notices_keep_the_newest_and_withdraw() -> None:
    codec = CODECS[Kind.NOTICE]
    one = {"id": "n1", "severity": "warning", "title": "Masks", "text": "", "issued_at": 1.0}
    held = codec.delta((), {"add": [one]})
    assert held == (Notice("n1", "warning", "Masks", "", 1.0),)
    assert codec.delta(held, {"withdraw": ["n1"]}) == ()
    with pytest.raises(ContentError):
        codec.delta((), {"add": [{**one, "severity": "panic"}]})
    with pytest.raises(ContentError):
        codec.delta((), {"add": [{**one, "title": "a\x00b"}]})


def test_trust_delta_replaces_the_parts_it_names() -> None:
    codec = CODECS[Kind.TRUST]
    cert = {"kid": base64.b64encode(b"12345678").decode(), "country": "DE", "certificate": "AQID"}
    vs = {"valueSetId": "disease-agent-targeted", "valueSetValues": {"840539006": {}}}
    held = codec.snapshot({"certificates": [cert]})
    after = codec.delta(held, {"value_sets": [vs]})
    assert after.certificates == held.certificates
    assert after.value_sets is not None and set(after.value_sets) == {"disease-agent-targeted"}
    with pytest.raises(ContentError):
        codec.snapshot({"certificates": [{**cert, "certificate": "not base64!"}]})


def test_topics_parse_for_every_scope_and_refuse_others() -> None:
    assert parse_dist_topic("ccg/v1/dist/all/status-list/head").place == "head"
    where = parse_dist_topic("ccg/v1/dist/community/c-1/trust/snapshot/3")
    assert (str(where.scope), where.kind, where.index) == ("community:c-1", Kind.TRUST, 3)
    for bad in (
        "ccg/v1/dist/all/blue/head",
        "ccg/v1/dist/all/status-list",
        "ccg/v1/dist/planet/x/status-list/head",
        "ccg/v1/gw/data/x",
    ):
        with pytest.raises(ValueError, match="not a distribution topic"):
            parse_dist_topic(bad)


def test_a_big_snapshot_travels_in_parts_and_its_head_refers_to_it() -> None:
    text = "a" * (PART_CHARS + 10)
    frames = snapshot_frames(text)
    assert len(frames) == 2 and all(len(f) < 256 * 1024 for f in frames)
    assert isinstance(decode_frame(head_frame(text, 9, text)), RefFrame)
    assert isinstance(decode_frame(head_frame("small", 9, text)), ItemFrame)
    assembler = Assembler()
    parts = [decode_frame(f) for f in reversed(frames)]
    assert all(isinstance(p, PartFrame) for p in parts)
    assert assembler.add(parts[0]) is None  # type: ignore[arg-type]
    assert assembler.add(parts[1]) == text  # type: ignore[arg-type]


def test_parts_of_another_text_or_garbage_never_make_a_snapshot() -> None:
    one, two = snapshot_frames("x" * (PART_CHARS + 1)), snapshot_frames("y" * (PART_CHARS + 1))
    assembler = Assembler()
    assert assembler.add(decode_frame(one[0])) is None  # type: ignore[arg-type]
    assert assembler.add(decode_frame(two[1])) is None  # type: ignore[arg-type]
    with pytest.raises(ItemRefusedError):
        decode_frame(b'{"v":1,"part":{"of":"zz","i":0,"n":1,"text":""}}')
    with pytest.raises(ItemRefusedError):
        decode_frame(one[0][:100])


def test_keys_rotate_an_item_of_either_trusted_key_opens_a_removed_one_does_not() -> None:
    old, new = new_key(), new_key()
    during = keys_of(**{"centre-1": old, "centre-2": new})
    assert open_item(sign_item(old, "centre-1", item()), during).kid == "centre-1"
    assert open_item(sign_item(new, "centre-2", item()), during).kid == "centre-2"
    after = keys_of(**{"centre-2": new})
    with pytest.raises(ItemRefusedError) as caught:
        open_item(sign_item(old, "centre-1", item()), after)
    assert caught.value.refusal is Refusal.UNKNOWN_KEY
