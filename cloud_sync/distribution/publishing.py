"""The centre's half, sans-IO: a new value of a stream -> signed items -> MQTT messages.

For each publication the centre signs the whole new value as a snapshot and, when the kind has
deltas and a version came before, the changes as a delta; the head carries the smaller of the
two. The messages go out in order: the snapshot's parts (retained), stale parts of a longer
previous snapshot cleared, then the head (retained). A gateway that sees the head therefore
always finds a snapshot at least as new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.frames import head_frame, head_topic, part_topic, snapshot_frames
from cloud_sync.distribution.items import Item, sign_item
from cloud_sync.distribution.kinds import Kind, Mode, Scope
from edge.crypto.jws import PrivateKey


@dataclass(frozen=True, slots=True)
class Publication:
    kind: Kind
    scope: Scope
    version: int
    base: int  # the version before this one (0: the first)
    mode: Mode  # what the head carries
    head_text: str
    snapshot_text: str
    value: Any  # the stream's whole value after this publication
    summary: str  # what changed, in words: "1,000 changes (980 red, 20 revoked)"
    parts: int  # how many parts the snapshot has


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    retain: bool = True


def next_version(previous: int, now: float) -> int:
    """Above ``previous``, and at least the time in milliseconds: a centre restored from an
    older backup still counts up from where the gateways are."""
    return max(previous + 1, int(now * 1000))


def publish(
    key: PrivateKey,
    kid: str,
    kind: Kind,
    scope: Scope,
    *,
    previous_version: int,
    old_value: Any,
    new_value: Any,
    now: float,
    summary: str = "",
    whole: bool = False,
) -> Publication:
    """Sign ``new_value`` as the next version of the stream (``whole``: no delta)."""
    codec = CODECS[kind]
    version = next_version(previous_version, now)
    snapshot_text = sign_item(
        key, kid, Item(kind, scope, version, Mode.SNAPSHOT, 0, now, codec.dump(new_value))
    )
    head_text, mode = snapshot_text, Mode.SNAPSHOT
    if codec.deltas and previous_version > 0 and not whole:
        changes = codec.diff(old_value, new_value)
        if changes is not None:
            delta_text = sign_item(
                key, kid, Item(kind, scope, version, Mode.DELTA, previous_version, now, changes)
            )
            if len(delta_text) < len(snapshot_text):
                head_text, mode = delta_text, Mode.DELTA
    return Publication(
        kind=kind,
        scope=scope,
        version=version,
        base=previous_version,
        mode=mode,
        head_text=head_text,
        snapshot_text=snapshot_text,
        value=new_value,
        summary=summary or codec.describe(new_value),
        parts=len(snapshot_frames(snapshot_text)),
    )


def messages(
    kind: Kind,
    scope: Scope,
    version: int,
    head_text: str,
    snapshot_text: str,
    *,
    previous_parts: int = 0,
) -> list[Message]:
    """What to publish, in order, to put this version on the broker."""
    frames = snapshot_frames(snapshot_text)
    out = [Message(part_topic(scope, kind, i), frame) for i, frame in enumerate(frames)]
    # A longer snapshot before left parts behind: an empty retained message removes each.
    out += [Message(part_topic(scope, kind, i), b"") for i in range(len(frames), previous_parts)]
    out.append(Message(head_topic(scope, kind), head_frame(head_text, version, snapshot_text)))
    return out
