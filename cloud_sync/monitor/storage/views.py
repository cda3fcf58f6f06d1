"""What the dashboard shows of a stored body: pure functions over rows, no SQL.

Rows come from :mod:`.queries` with the message's ``body`` already parsed. Every function here
reads a body defensively: a database may hold rows stored before the centre validated bodies.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from cloud_sync.monitor.storage.backend import Row
from cloud_sync.monitor.storage.fever import MESSAGE as FEVER_MESSAGE
from edge.core.words import N_

SEVERITY_RANK = {
    "critical": 0,
    "emergency": 0,
    "high": 1,
    "error": 1,
    "major": 1,
    "warning": 2,
    "medium": 2,
    "minor": 3,
    "low": 3,
    "info": 4,
}
CLOSED_ALERT_STATES = ("resolved", "closed", "cleared")
HEALTHY_DEVICE_STATES = ("connected", "ok", "online", "available")


def body_of(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


#: The largest magnitude shown; beyond it (a stored 1e400 reads back as infinity on SQLite, as
#: a 401-digit integer on PostgreSQL) a number is shown as missing.
SHOWN_MAX = 1e15


def number(value: Any) -> float | int | None:
    """A number a person can be shown, or None."""
    if type(value) is int:
        return value if -SHOWN_MAX <= value <= SHOWN_MAX else None
    if type(value) is float and math.isfinite(value) and -SHOWN_MAX <= value <= SHOWN_MAX:
        return value
    return None


def finite(row: Row) -> Row:
    """The row with every non-finite float (a REAL column holding infinity) as None."""
    for name, value in row.items():
        if isinstance(value, float) and not math.isfinite(value):
            row[name] = None
    return row


def whole(value: Any) -> Any:
    """A sum as an int when it is a whole number (SUM over JSON numbers comes back a float)."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def healthy(state: str) -> bool:
    return state.lower() in HEALTHY_DEVICE_STATES


def group_order(row: Row) -> tuple[bool, str, str]:
    """Registered communities first, then each unregistered gateway on its own."""
    return (not row["registered"], row["community"] or "", row["gateway"] or "")


def _whose(row: Row) -> Row:
    return {
        "gateway": row["gateway"],
        "community": row["community"],  # the registry's; None for an unregistered gateway
        "registered": row["registered"],
        "display_name": row["display_name"] or "",
    }


def stock_row(row: Row) -> Row:
    body = row["body"]
    on_hand = number(body.get("on_hand"))
    reorder = number(body.get("reorder_point"))
    return {
        **_whose(row),
        "item": str(body.get("item") or row["key"]),
        "on_hand": on_hand,
        "unit": body.get("unit") if isinstance(body.get("unit"), str) else None,
        "days_of_supply": number(body.get("days_of_supply")),
        "reorder_point": reorder,
        "below_reorder": on_hand is not None and reorder is not None and on_hand <= reorder,
        "at": row["at"],
    }


def alert_row(row: Row) -> Row:
    body = row["body"]
    severity = str(body.get("severity") or "unknown").lower()
    return {
        **_whose(row),
        "alert_id": str(body.get("alert_id") or row["key"]),
        "kind": str(body.get("kind") or ""),
        "subject": body.get("subject"),
        "severity": severity,
        "urgency": SEVERITY_RANK.get(severity, 5),
        "state": str(body.get("state") or "open").lower(),
        "message": body.get("message"),
        "at": row["at"],
    }


def _iso(ts: float) -> str:
    return (
        datetime.datetime.fromtimestamp(ts, datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def fever_alert_row(row: Row) -> Row:
    """A fever alert the centre raised (storage/fever.py), in the shape of a gateway's alert
    (so the dashboard lists both), with its counts."""
    finite(row)
    registered = row["community"] is not None
    minutes = round((row["window_s"] or 0) / 60)
    return {
        "gateway": None if registered else row["gateway"],
        "community": row["community"],
        "registered": registered,
        "display_name": "",
        "alert_id": f"fever/{row['alert_key']}",
        "kind": "fever",
        "subject": row["community"] if registered else row["gateway"],
        "severity": "critical",
        "urgency": SEVERITY_RANK["critical"],
        "state": row["state"],
        "message": FEVER_MESSAGE.format(
            fevers=row["fevers"], minutes=minutes, threshold=row["threshold"]
        ),
        "at": _iso(row["opened_at"]),
        "raised_by": "centre",
        "fevers": int(row["fevers"]),
        "peak": int(row["peak"]),
        "threshold": int(row["threshold"]),
        "window_minutes": minutes,
        "opened_at": row["opened_at"],
        "updated_at": row["updated_at"],
        "resolved_at": row["resolved_at"],
        "times_raised": int(row["raised"]),
    }


def alert_order(row: Row) -> tuple[int, bool, str]:
    # Most severe first; within a severity, unacknowledged before acknowledged, oldest first.
    return (row["urgency"], row["state"] == "acknowledged", row["at"])


def device_row(row: Row) -> Row:
    body = row["body"]
    state = str(body.get("state") or "unknown")
    return {
        **_whose(row),
        "device": str(body.get("device") or row["key"]),
        "kind": body.get("kind"),
        "state": state,
        "healthy": healthy(state),
        "reason": body.get("reason"),
        "at": row["at"],
    }


def gateway_row(
    gw: Row, now: float, beat: Row | None, counted: Row, devices: tuple[int, int]
) -> Row:
    """One gateway's row with its latest heartbeat, stream counters and device health."""
    finite(gw)
    gw["online"] = bool(gw["online"])
    # What the birth claims is shown for what it is; the community is the registry's.
    gw["claimed_community"] = gw.pop("community")
    gw["community"] = gw.pop("registered_community")
    gw["registered"] = gw["community"] is not None
    gw["display_name"] = gw["display_name"] or ""
    gw["last_seen_age_s"] = round(max(now - (gw["last_seen"] or now), 0.0), 3)
    body = beat["body"] if beat else {}
    gw["outbox_depth"] = number(body.get("outbox_depth"))
    gw["outbox_oldest_age_s"] = number(body.get("outbox_oldest_age_s"))
    gw["uptime_s"] = number(body.get("uptime_s"))
    gw["heartbeat_at"] = beat["at"] if beat else None
    gw["messages_received"] = int(counted.get("received") or 0)
    gw["seq_gaps"] = int(counted.get("gaps") or 0)
    gw["seq_late"] = int(counted.get("late") or 0)
    gw["devices"], gw["devices_unhealthy"] = devices
    gw["keys"], gw["keys_refused"] = int(gw["keys"] or 0), int(gw["keys_refused"] or 0)
    return gw


NEVER_SEEN = N_("never seen")  # shown as the reason a registered gateway is offline


def never_seen_row(reg: Row) -> Row:
    """A registered gateway that has not reported yet: offline, and why."""
    return {
        "gateway": reg["gateway"],
        "community": reg["community"],
        "registered": True,
        "display_name": reg["display_name"] or "",
        "claimed_community": None,
        "online": False,
        "offline_reason": NEVER_SEEN,
        "bdseq": None,
        "keepalive_s": None,
        "heartbeat_s": None,
        "software": None,
        "first_seen": None,
        "last_seen": None,
        "last_seen_age_s": None,
        "birth_at": None,
        "offline_at": None,
        "stale_deaths": 0,
        "outbox_depth": None,
        "outbox_oldest_age_s": None,
        "uptime_s": None,
        "heartbeat_at": None,
        "messages_received": 0,
        "seq_gaps": 0,
        "seq_late": 0,
        "devices": 0,
        "devices_unhealthy": 0,
        "keys": 0,
        "keys_refused": 0,
    }
