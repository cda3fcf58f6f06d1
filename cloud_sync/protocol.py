"""The wire format between gateways and the centre: topics and the message envelope.

One place defines it; the uplink encodes with it, the central monitor decodes with it, and
``cloud_sync/asyncapi.yaml`` documents it for people. Version 1.

Topics (``<gw>`` is the gateway id, ``[A-Za-z0-9_-]{1,64}``):

- ``ccg/v1/<gw>/birth`` - sent on every connect; body ``{"bdseq", "keepalive_s", "software"}``
- ``ccg/v1/<gw>/death`` - the MQTT will (and sent on clean shutdown); body ``{"bdseq"}``
- ``ccg/v1/<gw>/data/<stream>`` - the data streams of :class:`Stream`
- ``ccg/v1/<gw>/cmd/<command>`` - centre to gateway (``policy``)
- ``ccg/v1/<gw>/ack/<command>`` - gateway to centre, the answer to a command
- ``ccg/v1/dist/...`` - centre to gateways: signed items (``cloud_sync/distribution``); the
  gateway id ``dist`` is reserved for it
- ``ccg/v1/dist/all/centre`` - retained, the centre's own state: a central monitor publishes
  ``{"v": 1, "online": true, "since": <its start>}`` each time it has subscribed, and a gateway
  that sees a new one sends its birth again (a monitor whose session is new would otherwise see
  already connected gateways only at their next heartbeat)

Every message is one JSON envelope (see :class:`Envelope`). ``key`` names the thing a message
describes (a lane's 5-minute window, an item, an alert, a device) and ``rev`` its revision: the
centre keeps, per ``(gateway, stream, key)``, the highest revision it has seen, so a duplicate or
a re-sent window replaces instead of adding. ``seq`` counts up by one per stream per gateway, so
the centre sees gaps.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1
TOPIC_ROOT = "ccg/v1"
MAX_MESSAGE_BYTES = 256 * 1024
GATEWAY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DIST = "dist"  # ccg/v1/dist/...: what the centre distributes (not a gateway)


class Stream(enum.StrEnum):
    LANE_WINDOW = "lane-window"  # per lane per 5-minute window: counts, reasons, histogram
    STOCK = "stock"  # per item: on hand, days of supply, reorder point
    ALERT = "alert"  # per alert id: opened / acknowledged / resolved
    DEVICE_HEALTH = "device-health"  # per device: state, counters
    HEARTBEAT = "heartbeat"  # key "gateway": outbox depth and age, uptime
    DISTRIBUTION = "distribution"  # key "<kind>/<scope>": the version held, the last refusal
    NOTICE_READ = "notice-read"  # key "<notice>/<staff>": a notice read at the gate
    NOTICE_REPLY = "notice-reply"  # key "<notice>/<reply id>": a line of text back
    LANE_DUTY = "lane-duty"  # per lane: staffed or not, devices working or not
    DAILY_REPORT = "daily-report"  # per local day: the daily report's figures, no names


class ProtocolError(Exception):
    """A message that does not follow this protocol; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Envelope:
    gateway: str
    stream: str
    key: str
    rev: int
    seq: int
    at: str  # ISO 8601 UTC, the gateway's clock
    clock_synced: bool  # False: the gateway had no network time when it made this
    body: dict[str, Any] = field(default_factory=dict)
    v: int = PROTOCOL_VERSION

    def encode(self) -> bytes:
        return json.dumps(
            {
                "v": self.v,
                "gw": self.gateway,
                "stream": self.stream,
                "key": self.key,
                "rev": self.rev,
                "seq": self.seq,
                "at": self.at,
                "clock_synced": self.clock_synced,
                "body": self.body,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()


def data_topic(gateway: str, stream: str) -> str:
    return f"{TOPIC_ROOT}/{gateway}/data/{stream}"


CENTRE_TOPIC = f"{TOPIC_ROOT}/dist/all/centre"  # retained: the centre has (re)subscribed
MAX_CENTRE_STATE_BYTES = 1024


def centre_state(since: float) -> bytes:
    """What a central monitor announces on :data:`CENTRE_TOPIC` once it has subscribed."""
    return json.dumps({"v": PROTOCOL_VERSION, "online": True, "since": since}).encode()


def birth_topic(gateway: str) -> str:
    return f"{TOPIC_ROOT}/{gateway}/birth"


def death_topic(gateway: str) -> str:
    return f"{TOPIC_ROOT}/{gateway}/death"


def command_topic(gateway: str, command: str) -> str:
    return f"{TOPIC_ROOT}/{gateway}/cmd/{command}"


def ack_topic(gateway: str, command: str) -> str:
    return f"{TOPIC_ROOT}/{gateway}/ack/{command}"


@dataclass(frozen=True, slots=True)
class TopicParts:
    gateway: str  # "" for a distribution topic
    kind: str  # "birth", "death", "data", "cmd", "ack", "dist"
    name: str | None  # the stream or command, for data/cmd/ack; the rest, for dist


def parse_topic(topic: str) -> TopicParts:
    parts = topic.split("/")
    if len(parts) < 4 or "/".join(parts[:2]) != TOPIC_ROOT:
        if len(parts) >= 2 and parts[0] == "ccg" and parts[1] != "v1":
            raise ProtocolError(f"unknown protocol version in topic {topic!r}")
        raise ProtocolError(f"not a gateway topic: {topic!r}")
    gateway, kind = parts[2], parts[3]
    if gateway == DIST:
        return TopicParts("", DIST, "/".join(parts[3:]))
    if not GATEWAY_ID.match(gateway):
        raise ProtocolError(f"bad gateway id in topic {topic!r}")
    if kind in ("birth", "death") and len(parts) == 4:
        return TopicParts(gateway, kind, None)
    if kind in ("data", "cmd", "ack") and len(parts) == 5 and parts[4]:
        return TopicParts(gateway, kind, parts[4])
    raise ProtocolError(f"unknown topic {topic!r}")


def _require(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(name)
    # bool is an int in Python; a JSON true is never a valid revision or sequence number
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"field {name!r} is missing or not {getattr(kind, '__name__', kind)}")
    return value


def decode(payload: bytes) -> Envelope:
    """Parse and check one envelope; any defect raises :class:`ProtocolError` with a reason."""
    if len(payload) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message too large ({len(payload)} bytes > {MAX_MESSAGE_BYTES})")
    try:
        obj = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("not a JSON object")
    version = obj.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unknown protocol version {version!r}")
    gateway = _require(obj, "gw", str)
    if not GATEWAY_ID.match(gateway):
        raise ProtocolError("bad gateway id")
    rev = _require(obj, "rev", int)
    seq = _require(obj, "seq", int)
    if rev < 0 or seq < 0:
        raise ProtocolError("negative rev or seq")
    body = _require(obj, "body", dict)
    return Envelope(
        gateway=gateway,
        stream=_require(obj, "stream", str),
        key=_require(obj, "key", str),
        rev=rev,
        seq=seq,
        at=_require(obj, "at", str),
        clock_synced=_require(obj, "clock_synced", bool),
        body=body,
    )
