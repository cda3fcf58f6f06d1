"""What one received MQTT message means to the centre (sans-IO: bytes in, a typed item out).

:func:`classify` never raises: anything that does not follow :mod:`cloud_sync.protocol` comes
out as :class:`Rejected` with a reason in words and a short ``category`` for metrics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloud_sync.protocol import Envelope, ProtocolError, decode, parse_topic

# SQLite and PostgreSQL store 64-bit signed integers; JSON allows any size.
_MAX_COUNTER = 2**63 - 1
SAMPLE_BYTES = 512


@dataclass(frozen=True, slots=True)
class DataMessage:
    envelope: Envelope
    received_at: float
    raw: str  # the envelope's JSON as received: stored as is, not encoded again


@dataclass(frozen=True, slots=True)
class Birth:
    gateway: str
    bdseq: int
    keepalive_s: float | None
    heartbeat_s: float | None
    software: str | None
    community: str | None
    received_at: float


@dataclass(frozen=True, slots=True)
class Death:
    gateway: str
    bdseq: int
    received_at: float


@dataclass(frozen=True, slots=True)
class CommandAck:
    command: str
    envelope: Envelope
    received_at: float


@dataclass(frozen=True, slots=True)
class Ignored:
    """A well-formed message the centre has no use for (its own commands echoed back)."""

    topic: str


@dataclass(frozen=True, slots=True)
class Rejected:
    topic: str
    category: str  # oversized, malformed, unknown_version, invalid, mismatch, bad_topic, ...
    reason: str
    sample: str
    size: int
    received_at: float


Ingested = DataMessage | Birth | Death | CommandAck | Ignored | Rejected


def _category(reason: str) -> str:
    # Mapped from protocol.py's reasons in one place, so a metric label set stays small.
    if reason.startswith("message too large"):
        return "oversized"
    if reason.startswith("unknown protocol version"):
        return "unknown_version"
    if reason.startswith(("not JSON", "not a JSON object")):
        return "malformed"
    if reason.startswith(("not a gateway topic", "bad gateway id in topic", "unknown topic")):
        return "bad_topic"
    return "invalid"


def sample_of(payload: bytes, limit: int = SAMPLE_BYTES) -> str:
    return payload[:limit].decode("utf-8", errors="replace")


def rejected(
    topic: str, payload: bytes, reason: str, received_at: float, category: str = ""
) -> Rejected:
    return Rejected(
        topic=topic,
        category=category or _category(reason),
        reason=reason,
        sample=sample_of(payload),
        size=len(payload),
        received_at=received_at,
    )


def _optional_number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _nonstandard_json(payload: bytes) -> str | None:
    """Python's json reads NaN and Infinity; SQLite's and PostgreSQL's JSON do not."""
    if b"NaN" not in payload and b"Infinity" not in payload:
        return None  # the fast path: no need to parse twice
    try:
        json.loads(payload, parse_constant=_reject_constant)
    except ValueError as exc:
        return f"not standard JSON: {exc}"
    return None


def classify(topic: str, payload: bytes, received_at: float) -> Ingested:
    """Say what one message is; bad input becomes :class:`Rejected`, never an exception."""
    try:
        parts = parse_topic(topic)
        if parts.kind == "cmd":
            return Ignored(topic)
        envelope = decode(payload)
    except ProtocolError as exc:
        return rejected(topic, payload, exc.reason, received_at)
    nonstandard = _nonstandard_json(payload)
    if nonstandard:
        return rejected(topic, payload, nonstandard, received_at, "malformed")
    if envelope.gateway != parts.gateway:
        return rejected(
            topic, payload, "gateway id in topic and body differ", received_at, "mismatch"
        )
    if envelope.rev > _MAX_COUNTER or envelope.seq > _MAX_COUNTER:
        return rejected(topic, payload, "rev or seq beyond 2^63-1", received_at, "invalid")
    if parts.kind == "data":
        if envelope.stream != parts.name:
            return rejected(
                topic, payload, "stream in topic and body differ", received_at, "mismatch"
            )
        try:
            raw = payload.decode()
        except UnicodeDecodeError:  # JSON in UTF-16 or UTF-32: valid, but store it as UTF-8
            raw = envelope.encode().decode()
        return DataMessage(envelope, received_at, raw)
    if parts.kind == "ack":
        assert parts.name is not None
        return CommandAck(parts.name, envelope, received_at)
    bdseq = envelope.body.get("bdseq")
    if not isinstance(bdseq, int) or isinstance(bdseq, bool) or not 0 <= bdseq <= _MAX_COUNTER:
        return rejected(
            topic, payload, f"{parts.kind} without an integer bdseq", received_at, "invalid"
        )
    if parts.kind == "death":
        return Death(envelope.gateway, bdseq, received_at)
    return Birth(
        gateway=envelope.gateway,
        bdseq=bdseq,
        keepalive_s=_optional_number(envelope.body, "keepalive_s"),
        heartbeat_s=_optional_number(envelope.body, "heartbeat_s"),
        software=_optional_text(envelope.body, "software"),
        community=_optional_text(envelope.body, "community"),
        received_at=received_at,
    )
