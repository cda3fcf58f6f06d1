"""The body of every message a gateway sends, per stream: what the centre accepts.

Derived from what the uplink sends (``cloud_sync/uplink/windows.py`` for lane windows,
``cloud_sync/uplink/service.py`` for stock, alerts, device health, heartbeats, birth, death and
command acks) and documented for people in ``cloud_sync/asyncapi.yaml``. The central monitor
checks every body with :func:`problem` before it stores anything: a body that fails is set
aside with the reason, in words, so that no stored row can blank the district's dashboard.

Every field is typed and bounded: counts are whole numbers from 0, amounts and durations are
finite and not negative, texts and tallies have a length, and a body names no field the stream
does not have (a new field is a new protocol revision, and the centre is updated first).
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The largest integer a JSON reader (the dashboard's JavaScript) holds exactly; rev, seq and
#: bdseq never come near it, and sums of them stay far from the databases' 2^63.
MAX_SEQUENCE = 2**53 - 1
MAX_COUNT = 1_000_000_000  # a count in one window or one outbox
MAX_AMOUNT = 1e12  # stock on hand, reorder points
MAX_SECONDS = 20 * 365 * 86400.0  # ages and uptimes
MAX_NAME = 200  # ids, keys, subjects
MAX_TEXT = 1000  # messages and reasons people read
MAX_BODY_BYTES = 16 * 1024  # a whole message: the largest lane window is about 3 KiB
MAX_KEY = 200

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: the temperature histogram's bins (cloud_sync/uplink/windows.py): 0.1 °C from 34.0 to 41.9,
#: below and above
BUCKETS = frozenset([f"{tenths / 10:.1f}" for tenths in range(340, 420)] + ["<34.0", ">=42.0"])
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$")

# -- what a person reads when a body is set aside (one place, to be translated) ------------
WHOLE = "must be a whole number from 0 to {hi:,}"
NUMBER = "must be a finite number from {lo:g} to {hi:g}"
NUMBER_OR_NULL = "must be null or a finite number from {lo:g} to {hi:g}"
TEXT = "must be text of at most {n} characters"
ID_TEXT = "must be 1 to 64 letters, digits, '.', '_' or '-'"
ONE_OF = "must be one of {choices}"
TIME = "must be an ISO 8601 time such as 2026-11-29T01:00:00Z"
FLAG = "must be true or false"
HEX = "must be 64 lower-case hexadecimal digits"
SCALAR = "must be null, a number or text of at most {n} characters"
TALLY = "must be an object of at most {n} names, each counting a whole number from 0"
TALLY_NAME = "has a name that is not allowed: {name!r}"
MISSING = "{field} is missing"
UNKNOWN = "{field!r} is not a field of the {stream} stream"
BAD_FIELD = "{field} {problem} (got {value})"
KEY = "the key must be {expected!r} (made from the body), not {key!r}"
SUM = "{what} add up to {total:,}, not {expected:,}"
AMOUNTS = "must be an object of at most {n} item names, each an amount from 0"
MORE_THAN = "{field} ({value:,}) is more than the screenings ({screenings:,})"

Check = Callable[[Any], str | None]  # None: fine; else what is wrong, in words


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole(hi: int = MAX_COUNT) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is int and 0 <= v <= hi:
            return None
        return WHOLE.format(hi=hi)

    check.whole_max = hi  # type: ignore[attr-defined]  # BodySchema.problem checks these inline
    return check


def number(lo: float = 0.0, hi: float = MAX_AMOUNT, *, nullable: bool = False) -> Check:
    def check(v: Any) -> str | None:
        if v is None and nullable:
            return None
        if type(v) in (int, float) and math.isfinite(v) and lo <= v <= hi:
            return None
        return (NUMBER_OR_NULL if nullable else NUMBER).format(lo=lo, hi=hi)

    return check


def text(n: int = MAX_NAME, *, pattern: re.Pattern[str] | None = None) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is not str or len(v) > n:
            return TEXT.format(n=n)
        if pattern is not None and not pattern.match(v):
            return ID_TEXT
        return None

    return check


def one_of(*choices: str) -> Check:
    def check(v: Any) -> str | None:
        return (
            None if v in choices and type(v) is str else ONE_OF.format(choices=", ".join(choices))
        )

    return check


_GOOD_TIMES: set[str] = set()  # window starts repeat across lanes and gateways: check once


def timestamp(v: Any) -> str | None:
    if v in _GOOD_TIMES:
        return None
    if type(v) is str and len(v) <= 40 and _ISO.match(v):
        try:
            datetime.datetime.fromisoformat(v)
        except ValueError:
            return TIME
        if len(_GOOD_TIMES) > 50_000:
            _GOOD_TIMES.clear()
        _GOOD_TIMES.add(v)
        return None
    return TIME


def flag(v: Any) -> str | None:
    return None if type(v) is bool else FLAG


def hex64(v: Any) -> str | None:
    return None if type(v) is str and _HEX64.match(v) else HEX


def scalar(v: Any) -> str | None:
    if v is None or (type(v) is str and len(v) <= 100):
        return None
    if type(v) in (int, float) and math.isfinite(v):
        return None
    return SCALAR.format(n=100)


_GOOD_LABELS: set[str] = set()  # rule and status names repeat in every window: check once


def _label(name: str) -> bool:
    """A rule or status name: 1 to 64 printable characters."""
    if name in _GOOD_LABELS:
        return True
    if 0 < len(name) <= 64 and name.isprintable():
        if len(_GOOD_LABELS) > 10_000:
            _GOOD_LABELS.clear()
        _GOOD_LABELS.add(name)
        return True
    return False


def tally(n: int, names: frozenset[str] | None = None) -> Check:
    """An object of at most ``n`` names (``names`` only, if given), each counting 0..MAX_COUNT."""

    def check(v: Any) -> str | None:
        if type(v) is not dict or len(v) > n:
            return TALLY.format(n=n)
        for key, count in v.items():
            if type(count) is not int or not 0 <= count <= MAX_COUNT:
                return TALLY.format(n=n)
            if not (key in names if names is not None else _label(key)):
                return TALLY_NAME.format(name=key[:40])
        return None

    return check


@dataclass(frozen=True)
class BodySchema:
    stream: str
    required: Mapping[str, Check]
    optional: Mapping[str, Check] = field(default_factory=dict)
    #: the key a body of this stream must be sent under (None: any key)
    key_of: Callable[[dict[str, Any]], str] | None = None
    #: checks across fields, after every field passed
    consistent: Callable[[dict[str, Any]], str | None] | None = None

    @functools.cached_property
    def _checks(self) -> dict[str, tuple[Check, bool, int]]:
        """name -> (check, required, the largest whole number, -1 if not a whole number)."""
        return {
            name: (check, required, getattr(check, "whole_max", -1))
            for group, required in ((self.optional, False), (self.required, True))
            for name, check in group.items()
        }

    def problem(self, body: dict[str, Any], key: str | None = None) -> str | None:
        """What is wrong with ``body`` (sent under ``key``), in words; None when it is fine."""
        checks = self._checks
        present = 0
        for name, value in body.items():
            entry = checks.get(name)
            if entry is None:
                return UNKNOWN.format(field=name[:40], stream=self.stream)
            # Whole numbers are most of a window: checked here, without a call.
            if type(value) is int and 0 <= value <= entry[2]:
                present += entry[1]
                continue
            wrong = entry[0](value)
            if wrong is not None:
                return BAD_FIELD.format(field=name, problem=wrong, value=_show(value))
            present += entry[1]
        if present < len(self.required):
            for name in self.required:
                if name not in body:
                    return MISSING.format(field=name)
        if self.consistent is not None:
            wrong = self.consistent(body)
            if wrong is not None:
                return wrong
        if key is not None and self.key_of is not None:
            expected = self.key_of(body)
            if key != expected:
                return KEY.format(expected=expected[:80], key=key[:80])
        return None


#: decisions counted apart in a lane window: manual registrations, visitors let in, exits
#: refused by a household rule
_COUNTED_APART = ("manual", "visitors", "household_refusals")


def amounts(n: int) -> Check:
    """An object of at most ``n`` names (items), each an amount (stock on hand)."""

    def check(v: Any) -> str | None:
        if type(v) is not dict or len(v) > n:
            return AMOUNTS.format(n=n)
        for key, amount in v.items():
            if not _ID.match(key) or number()(amount) is not None:
                return AMOUNTS.format(n=n)
        return None

    return check


def _window_adds_up(body: dict[str, Any]) -> str | None:
    screenings = body["screenings"]
    parts = body["admitted"] + body["denied"] + body["rechecks"]
    if parts != screenings:
        what = "admitted, denied and rechecks"
        return SUM.format(what=what, total=parts, expected=screenings)
    reasons = sum(body["denied_by_reason"].values())
    if reasons != body["denied"]:
        return SUM.format(what="the denial reasons", total=reasons, expected=body["denied"])
    for name in ("overrides", "incomplete", "distinct_people", *_COUNTED_APART):
        if body.get(name, 0) > screenings:
            return MORE_THAN.format(field=name, value=body[name], screenings=screenings)
    for name in ("code_status", "temperature_histogram"):
        counted = sum(body[name].values())
        if counted > screenings:
            return MORE_THAN.format(field=name, value=counted, screenings=screenings)
    return None


LANE_WINDOW = BodySchema(
    "lane-window",
    required={
        "lane": text(64, pattern=_ID),
        "window_start": timestamp,
        "window_s": whole(7 * 86400),
        "screenings": whole(),
        "admitted": whole(),
        "denied": whole(),
        "rechecks": whole(),
        "overrides": whole(),
        "incomplete": whole(),
        "denied_by_reason": tally(64),
        "code_status": tally(64),
        "temperature_histogram": tally(len(BUCKETS), BUCKETS),
        "distinct_people": whole(),
    },
    # From gateways with a household registry (older gateways do not send them).
    optional={name: whole() for name in _COUNTED_APART},
    key_of=lambda body: f"{body['lane']}/{body['window_start']}",
    consistent=_window_adds_up,
)
STOCK = BodySchema(
    "stock",
    required={
        "item": text(64, pattern=_ID),
        "on_hand": number(),
        "unit": text(32),
        "days_of_supply": number(hi=1e6, nullable=True),
        "reorder_point": number(nullable=True),
        "measured_at": timestamp,
    },
    key_of=lambda body: str(body["item"]),
)
ALERT = BodySchema(
    "alert",
    required={
        "alert_id": text(MAX_NAME),
        "kind": text(64),
        "subject": text(MAX_NAME),
        "severity": one_of("info", "warning", "critical"),
        "state": one_of("open", "acknowledged", "resolved"),
        "message": text(MAX_TEXT),
        "changed_at": timestamp,
    },
    key_of=lambda body: str(body["alert_id"]),
)
DEVICE_HEALTH = BodySchema(
    "device-health",
    required={
        "device": text(64, pattern=_ID),
        "kind": text(32),
        "state": text(32),
        "reason": text(MAX_TEXT),
        "changed_at": timestamp,
    },
    key_of=lambda body: str(body["device"]),
)
HEARTBEAT = BodySchema(
    "heartbeat",
    required={
        "outbox_depth": whole(),
        "outbox_held": whole(),
        "outbox_oldest_age_s": number(hi=MAX_SECONDS, nullable=True),
        "evicted_total": whole(MAX_SEQUENCE),
        "uptime_s": number(hi=MAX_SECONDS),
        "bdseq": whole(MAX_SEQUENCE),
        "clock_synced": flag,
        "policy_refused": whole(MAX_SEQUENCE),
    },
    key_of=lambda body: "gateway",
)
BIRTH = BodySchema(
    "birth",
    required={
        "bdseq": whole(MAX_SEQUENCE),
        "keepalive_s": number(1, 86400),
        "software": text(100),
    },
    optional={"heartbeat_s": number(1, 30 * 86400), "community": text(100)},
    key_of=lambda body: "gateway",
)
DEATH = BodySchema("death", required={"bdseq": whole(MAX_SEQUENCE)}, key_of=lambda body: "gateway")
POLICY_ACK = BodySchema(
    "ack/policy",
    required={
        "ok": flag,
        "status": one_of("applied", "unchanged", "refused"),
        "reason": text(MAX_TEXT),
        "command": one_of("policy"),
        "digest": hex64,
    },
    optional={"kid": text(100), "issued_at": number(hi=1e11), "version": scalar},
    key_of=lambda body: str(body["digest"])[:16],  # the command's digest names its answer
)


def _version_or_null(v: Any) -> str | None:
    return None if v is None else whole(MAX_SEQUENCE)(v)


def _time_or_null(v: Any) -> str | None:
    return None if v is None else timestamp(v)


_KIND = one_of("status-list", "trust", "policy", "notice")
_SCOPE = re.compile(r"^(all|community:[A-Za-z0-9_.-]{1,64}|gateway:[A-Za-z0-9_-]{1,64})$")
DISTRIBUTION = BodySchema(
    "distribution",
    required={
        "kind": _KIND,
        "scope": text(80, pattern=_SCOPE),
        "held": whole(MAX_SEQUENCE),
        "held_at": _time_or_null,
        "status": one_of("none", "applied", "refused", "fetching"),
        "reason": text(MAX_TEXT),
        "item_version": _version_or_null,
        "refused_version": _version_or_null,
        "refused_reason": text(MAX_TEXT),
        "refused_at": _time_or_null,
    },
    key_of=lambda body: f"{body['kind']}/{body['scope']}",
)
NOTICE_READ = BodySchema(
    "notice-read",
    required={
        "notice_id": text(64, pattern=_ID),
        "user": text(64),
        "read_at": timestamp,
    },
    key_of=lambda body: f"{body['notice_id']}/{body['user']}",
)
NOTICE_REPLY = BodySchema(
    "notice-reply",
    required={
        "notice_id": text(64, pattern=_ID),
        "reply_id": text(64, pattern=_ID),
        "user": text(64),
        "text": text(500),
        "sent_at": timestamp,
    },
    key_of=lambda body: f"{body['notice_id']}/{body['reply_id']}",
)

LANE_DUTY = BodySchema(
    "lane-duty",
    required={
        "lane": text(64, pattern=_ID),
        "direction": one_of("in", "out", "both"),
        "staffed": flag,
        "active": flag,
        "staff": whole(1000),
        "changed_at": timestamp,
    },
    key_of=lambda body: str(body["lane"]),
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: the daily report's counts, each a whole number (the centre sums them up the levels)
DAILY_REPORT_COUNTS = (
    "screenings",
    "entries",
    "exits",
    "passages",
    "admitted",
    "denied",
    "rechecks",
    "fevers",
    "overrides",
    "manual_registrations",
    "visits_registered",
    "visitor_passages",
    "household_refusals",
    "late_returns",
    "open_alerts",
    "shifts",
    "staff_on_duty",
)
DAILY_REPORT = BodySchema(
    "daily-report",
    required={
        "day": text(10, pattern=_DAY),
        **{name: whole() for name in DAILY_REPORT_COUNTS},
        "denied_by_reason": tally(64),
        "stock": amounts(200),
    },
    key_of=lambda body: str(body["day"]),
)

#: Birth and death (``ccg/v1/<gw>/birth``, ``.../death``), by the envelope's stream.
LIFECYCLE: dict[str, BodySchema] = {"birth": BIRTH, "death": DEATH}
#: The data streams (``ccg/v1/<gw>/data/<stream>``): the only ones the centre accepts.
DATA: dict[str, BodySchema] = {
    s.stream: s
    for s in (
        LANE_WINDOW,
        STOCK,
        ALERT,
        DEVICE_HEALTH,
        HEARTBEAT,
        DISTRIBUTION,
        NOTICE_READ,
        NOTICE_REPLY,
        LANE_DUTY,
        DAILY_REPORT,
    )
}
#: The acknowledgements of commands (``ccg/v1/<gw>/ack/<command>``).
ACKS: dict[str, BodySchema] = {"policy": POLICY_ACK}
