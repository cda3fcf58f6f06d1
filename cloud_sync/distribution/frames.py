"""Topics and frames: how items travel over MQTT. Sans-IO.

Per stream (a kind for a scope, ``<scope>`` being ``all``, ``community/<id>`` or
``gateway/<id>``)::

    ccg/v1/dist/<scope>/<kind>/head          retained, QoS 1: the latest item, or a reference
    ccg/v1/dist/<scope>/<kind>/snapshot/<i>  retained, QoS 1: part i of the latest snapshot

Every gateway stays subscribed to the heads of its scopes: each publication reaches it at once
and, being retained, on every (re)connect. A head too large for one message (a snapshot of a big
status list) is a *reference* to the snapshot instead. A gateway subscribes to a stream's
snapshot parts only when it needs them (the head does not follow the version it holds) and
unsubscribes once it has the snapshot, so the large parts go only to those who ask.

Frames are JSON: ``{"v": 1, "item": "<jws>"}``, ``{"v": 1, "ref": {"version", "parts",
"digest"}}``, ``{"v": 1, "part": {"of": "<digest>", "i", "n", "text"}}``. A snapshot's parts
are slices of its JWS text; ``of`` is the sha256 of the whole text, so parts of two versions
never mix. A reference is not signed: it only makes a gateway fetch a snapshot, whose signature
it checks. Each frame stays under the central broker's message size limit (256 KiB).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

from cloud_sync.distribution.errors import ItemRefusedError, Refusal
from cloud_sync.distribution.items import MAX_ITEM_CHARS, digest_of
from cloud_sync.distribution.kinds import Kind, Scope, ScopeError

DIST_ROOT = "ccg/v1/dist"
PART_CHARS = 240_000  # a frame stays under 256 KiB
MAX_PARTS = MAX_ITEM_CHARS // PART_CHARS + 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

Place = Literal["head", "snapshot"]


def stream_path(scope: Scope, kind: Kind) -> str:
    return f"{DIST_ROOT}/{scope.topic_path}/{kind.value}"


def head_topic(scope: Scope, kind: Kind) -> str:
    return f"{stream_path(scope, kind)}/head"


def part_topic(scope: Scope, kind: Kind, index: int) -> str:
    return f"{stream_path(scope, kind)}/snapshot/{index}"


def parts_filter(scope: Scope, kind: Kind) -> str:
    return f"{stream_path(scope, kind)}/snapshot/+"


def head_filter(scope: Scope) -> str:
    return f"{DIST_ROOT}/{scope.topic_path}/+/head"


@dataclass(frozen=True, slots=True)
class DistTopic:
    scope: Scope
    kind: Kind
    place: Place
    index: int | None = None  # the part's index, for a snapshot part


def parse_dist_topic(topic: str) -> DistTopic:
    """Raise ``ValueError`` for anything that is not a distribution topic."""
    if not topic.startswith(DIST_ROOT + "/"):
        raise ValueError(f"not a distribution topic: {topic[:120]!r}")
    rest = topic[len(DIST_ROOT) + 1 :].split("/")
    if rest and rest[0] == "all":
        scope_text, tail = "all", rest[1:]
    elif len(rest) >= 2:
        scope_text, tail = f"{rest[0]}:{rest[1]}", rest[2:]
    else:
        raise ValueError(f"not a distribution topic: {topic[:120]!r}")
    try:
        scope = Scope.parse(scope_text)
        kind = Kind(tail[0]) if tail else None
    except (ScopeError, ValueError):
        raise ValueError(f"not a distribution topic: {topic[:120]!r}") from None
    if kind is None:
        raise ValueError(f"not a distribution topic: {topic[:120]!r}")
    if tail[1:] == ["head"]:
        return DistTopic(scope, kind, "head")
    if len(tail) == 3 and tail[1] == "snapshot" and tail[2].isdigit() and len(tail[2]) < 6:
        return DistTopic(scope, kind, "snapshot", int(tail[2]))
    raise ValueError(f"not a distribution topic: {topic[:120]!r}")


# -- frames -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ItemFrame:
    text: str


@dataclass(frozen=True, slots=True)
class RefFrame:
    version: int
    parts: int
    digest: str


@dataclass(frozen=True, slots=True)
class PartFrame:
    of: str  # digest of the whole text
    index: int
    count: int
    text: str


Frame = ItemFrame | RefFrame | PartFrame


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("ascii")


def item_frame(text: str) -> bytes:
    return _dumps({"v": 1, "item": text})


def ref_frame(version: int, parts: int, digest: str) -> bytes:
    return _dumps({"v": 1, "ref": {"version": version, "parts": parts, "digest": digest}})


def snapshot_frames(text: str) -> list[bytes]:
    """The parts of a snapshot's text, each one frame."""
    digest = digest_of(text)
    chunks = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
    n = len(chunks)
    return [
        _dumps({"v": 1, "part": {"of": digest, "i": i, "n": n, "text": chunk}})
        for i, chunk in enumerate(chunks)
    ]


def head_frame(text: str, version: int, snapshot_text: str | None) -> bytes:
    """The item itself when it fits in one message, else a reference to the snapshot."""
    if len(text) <= PART_CHARS or snapshot_text is None:
        return item_frame(text)
    parts = -(-len(snapshot_text) // PART_CHARS)
    return ref_frame(version, parts, digest_of(snapshot_text))


def _whole(value: object, hi: int) -> int:
    if type(value) is not int or not 0 <= value <= hi:
        raise ValueError
    return value


def decode_frame(payload: bytes) -> Frame:
    """Raise :class:`ItemRefusedError` (damaged) for anything that is not a frame."""
    try:
        obj = json.loads(payload)
        if not isinstance(obj, dict) or obj.get("v") != 1:
            raise ValueError
        if isinstance(obj.get("item"), str):
            return ItemFrame(obj["item"])
        if isinstance(obj.get("ref"), dict):
            ref = obj["ref"]
            if not isinstance(ref.get("digest"), str) or not _HEX64.match(ref["digest"]):
                raise ValueError
            return RefFrame(
                _whole(ref.get("version"), 2**53),
                _whole(ref.get("parts"), MAX_PARTS),
                ref["digest"],
            )
        part = obj.get("part")
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            of = part.get("of")
            if not isinstance(of, str) or not _HEX64.match(of):
                raise ValueError
            count = _whole(part.get("n"), MAX_PARTS)
            index = _whole(part.get("i"), count - 1)
            return PartFrame(of, index, count, part["text"])
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    raise ItemRefusedError(Refusal.DAMAGED, "not a distribution frame (cut short or garbage)")


@dataclass
class _Pieces:
    count: int
    texts: dict[int, str] = field(default_factory=dict)
    size: int = 0


class Assembler:
    """Collects the parts of snapshots; bounded (two texts at a time, each within limits)."""

    def __init__(self, max_chars: int = MAX_ITEM_CHARS) -> None:
        self.max_chars = max_chars
        self._texts: dict[str, _Pieces] = {}

    def add(self, part: PartFrame) -> str | None:
        """The whole text once its last part came; :class:`ItemRefusedError` when it cannot be."""
        pieces = self._texts.get(part.of)
        if pieces is None:
            if len(self._texts) >= 2:  # a newer snapshot replaces the oldest unfinished one
                self._texts.pop(next(iter(self._texts)))
            pieces = self._texts[part.of] = _Pieces(part.count)
        if pieces.count != part.count:
            raise ItemRefusedError(Refusal.DAMAGED, "snapshot parts disagree on their number")
        if part.index not in pieces.texts:
            pieces.size += len(part.text)
            if pieces.size > self.max_chars:
                self._texts.pop(part.of, None)
                raise ItemRefusedError(Refusal.TOO_LARGE, "snapshot larger than any item")
            pieces.texts[part.index] = part.text
        if len(pieces.texts) < pieces.count:
            return None
        del self._texts[part.of]
        text = "".join(pieces.texts[i] for i in range(pieces.count))
        if digest_of(text) != part.of:
            raise ItemRefusedError(Refusal.DAMAGED, "snapshot parts do not make the snapshot named")
        return text

    def clear(self) -> None:
        self._texts.clear()
