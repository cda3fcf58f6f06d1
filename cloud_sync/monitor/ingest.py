"""What one received MQTT message means to the centre (sans-IO: bytes in, a typed item out).

:func:`classify` never raises: anything that does not follow :mod:`cloud_sync.protocol` comes
out as :class:`Rejected` with a reason in words and a short ``category`` for metrics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloud_sync import schemas
from cloud_sync.protocol import Envelope, ProtocolError, TopicParts, decode, parse_topic

SAMPLE_BYTES = 512

# -- the reasons a person reads in ``rejected`` (one place, to be translated) ---------------
TOO_LARGE = "message too large for a gateway's message ({size:,} bytes > {limit:,})"
GATEWAY_DIFFERS = "gateway id in topic and body differ"
STREAM_DIFFERS = "stream in topic and body differ"
SEQUENCE_TOO_LARGE = "rev or seq beyond {limit:,}"
BAD_TIME = "at {problem}"
UNKNOWN_STREAM = "{stream!r} is not a stream of the protocol (expected one of {known})"
UNKNOWN_COMMAND = "{command!r} is not a command of the protocol (expected one of {known})"
BAD_BODY = "{stream} body: {problem}"


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
    # oversized, malformed, unknown_version, invalid, mismatch, bad_topic, unknown_stream, ...
    category: str
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
    value = body.get(name)  # checked by the birth's schema: a finite positive number or absent
    return float(value) if value is not None else None


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def _checked(kind: str, name: str, envelope: Envelope) -> tuple[str, str] | None:
    """(category, reason) when the envelope's time or body breaks the stream's schema."""
    if kind == "data":
        schema = schemas.DATA.get(name)
        if schema is None:
            known = ", ".join(schemas.DATA)
            return "unknown_stream", UNKNOWN_STREAM.format(stream=name[:40], known=known)
    elif kind == "ack":
        schema = schemas.ACKS.get(name)
        if schema is None:
            known = ", ".join(schemas.ACKS)
            return "unknown_stream", UNKNOWN_COMMAND.format(command=name[:40], known=known)
    else:
        schema = schemas.LIFECYCLE[kind]
    wrong = schemas.timestamp(envelope.at)
    if wrong is not None:
        return "invalid", BAD_TIME.format(problem=wrong)
    wrong = schema.problem(envelope.body, envelope.key)
    if wrong is not None:
        return "invalid", BAD_BODY.format(stream=schema.stream, problem=wrong)
    return None


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


_topics: dict[str, TopicParts] = {}  # a centre sees a few topics per gateway, again and again


def _parsed(topic: str) -> TopicParts:
    parts = parse_topic(topic)  # raises ProtocolError: a bad topic is never remembered
    if len(_topics) > 100_000:
        _topics.clear()
    _topics[topic] = parts
    return parts


def classify(topic: str, payload: bytes, received_at: float) -> Ingested:
    """Say what one message is; bad input becomes :class:`Rejected`, never an exception.

    Every body is checked against its stream's schema (:mod:`cloud_sync.schemas`) here, before
    anything is stored.
    """
    try:
        parts = _topics.get(topic) or _parsed(topic)
        if parts.kind in ("cmd", "dist"):  # what the centre itself sends
            return Ignored(topic)
        envelope = decode(payload)
    except ProtocolError as exc:
        return rejected(topic, payload, exc.reason, received_at)
    if len(payload) > schemas.MAX_BODY_BYTES:
        reason = TOO_LARGE.format(size=len(payload), limit=schemas.MAX_BODY_BYTES)
        return rejected(topic, payload, reason, received_at, "oversized")
    nonstandard = _nonstandard_json(payload)
    if nonstandard:
        return rejected(topic, payload, nonstandard, received_at, "malformed")
    if envelope.gateway != parts.gateway:
        return rejected(topic, payload, GATEWAY_DIFFERS, received_at, "mismatch")
    limit = schemas.MAX_SEQUENCE
    if envelope.rev > limit or envelope.seq > limit:
        return rejected(topic, payload, SEQUENCE_TOO_LARGE.format(limit=limit), received_at)
    name = parts.name if parts.name is not None else parts.kind
    # data: the stream named in the topic; acks: "ack"; birth and death: their own names
    expected = {"data": name, "ack": "ack"}.get(parts.kind, parts.kind)
    if envelope.stream != expected:
        return rejected(topic, payload, STREAM_DIFFERS, received_at, "mismatch")
    wrong = _checked(parts.kind, name, envelope)
    if wrong is not None:
        return rejected(topic, payload, wrong[1], received_at, wrong[0])
    if parts.kind == "data":
        try:
            raw = payload.decode()
        except UnicodeDecodeError:  # JSON in UTF-16 or UTF-32: valid, but store it as UTF-8
            raw = envelope.encode().decode()
        return DataMessage(envelope, received_at, raw)
    if parts.kind == "ack":
        return CommandAck(name, envelope, received_at)
    bdseq = envelope.body["bdseq"]
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
