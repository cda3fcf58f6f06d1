"""The checkpoint's device health for the uplink, read from ``device_events`` (issue 12.8).

Every state change of a thermometer, scanner or camera is committed there; the uplink follows
the table from its cursor (``cloud_sync/uplink/feeds.py``), so none is lost to a burst on the
in-memory bus or a restart.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from edge.checkpoint.settings import DeviceSpec
from edge.core.feeds import Record, iso_utc


class DeviceFeed:
    name = "checkpoint-devices"
    streams: tuple[str, ...] = ("device-health",)

    def __init__(self, specs: Iterable[DeviceSpec]) -> None:
        self.kinds = {spec.id: spec.kind for spec in specs}

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(
            "SELECT id, device, at, kind, state, reason FROM device_events WHERE id > ?"
            " ORDER BY id LIMIT ?",
            [after, limit],
        ).fetchall()
        records = [
            (
                "device-health",
                device,
                {
                    "device": device,
                    "kind": self.kinds.get(device, "device"),
                    "state": state,
                    "reason": reason,
                    "changed_at": iso_utc(at),
                },
            )
            for _id, device, at, kind, state, reason in rows
            if kind == "state" and state is not None
        ]
        return records, rows[-1][0] if rows else after
