"""The centre's registry of gateways: which gateway belongs to which community, by what name.

Managed by people (``central-monitor gateways ...``); the write path only reads it (to refuse
unknown gateways when told to), the query catalogue joins it to say whose figures are whose.
"""

# ruff: noqa: S608 - statements take only the dialect's placeholder; values are parameters

from __future__ import annotations

import re
from dataclasses import dataclass

from cloud_sync.monitor.errors import RegistryError, StorageError
from cloud_sync.monitor.storage.backend import Backend, Row, read_rows
from cloud_sync.protocol import GATEWAY_ID

MAX_COMMUNITY = 100
MAX_DISPLAY_NAME = 100
MAX_PLACE = 100  # a street's or a district's name
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")

# -- what a person reads (one place, to be translated) ---------------------------------------
BAD_ID = "{gateway!r} is not a gateway id (1 to 64 letters, digits, '_' or '-')"
BAD_COMMUNITY = "a community is 1 to {n} printable characters"
BAD_NAME = "a display name is at most {n} printable characters"
BAD_PLACE = "a {what} is at most {n} printable characters"


@dataclass(frozen=True, slots=True)
class Entry:
    gateway: str
    community: str
    display_name: str = ""
    #: where the community is: the daily reports are rolled up by street and district
    street: str = ""
    district: str = ""


def checked(entry: Entry) -> Entry:
    """The entry with surrounding spaces trimmed; :class:`RegistryError` when it cannot be."""
    if not GATEWAY_ID.match(entry.gateway):
        raise RegistryError(BAD_ID.format(gateway=entry.gateway[:80]))
    community, name = entry.community.strip(), entry.display_name.strip()
    if not 0 < len(community) <= MAX_COMMUNITY or not _PRINTABLE.match(community):
        raise RegistryError(BAD_COMMUNITY.format(n=MAX_COMMUNITY))
    if len(name) > MAX_DISPLAY_NAME or not _PRINTABLE.match(name):
        raise RegistryError(BAD_NAME.format(n=MAX_DISPLAY_NAME))
    street, district = entry.street.strip(), entry.district.strip()
    for what, place in (("street", street), ("district", district)):
        if len(place) > MAX_PLACE or not _PRINTABLE.match(place):
            raise RegistryError(BAD_PLACE.format(what=what, n=MAX_PLACE))
    return Entry(entry.gateway, community, name, street, district)


class Registry:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.p = backend.dialect.param

    def _write(self, operation: str, sql: str, params: tuple[object, ...]) -> int:
        try:
            with self.backend.write_transaction() as cur:
                cur.execute(sql, params)
                return cur.rowcount
        except Exception as exc:
            raise StorageError(operation, exc) from exc

    def add(self, entry: Entry, now: float) -> bool:
        """Register a gateway; False when it is registered already (nothing changes)."""
        e, p = checked(entry), self.p
        sql = (
            "INSERT INTO registry (gateway, community, display_name, street, district,"
            f" added_at, updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
            " ON CONFLICT (gateway) DO NOTHING"
        )
        params = (e.gateway, e.community, e.display_name, e.street, e.district, now, now)
        return self._write("registering a gateway", sql, params) > 0

    def update(
        self,
        gateway: str,
        now: float,
        community: str | None = None,
        name: str | None = None,
        *,
        street: str | None = None,
        district: str | None = None,
    ) -> bool:
        """Change a registered gateway's community, display name, street or district; False
        when it is not registered."""
        current = {r["gateway"]: r for r in self.entries()}.get(gateway)
        if current is None:
            return False
        e = checked(
            Entry(
                gateway,
                community if community is not None else current["community"],
                name if name is not None else current["display_name"],
                street if street is not None else current["street"],
                district if district is not None else current["district"],
            )
        )
        p = self.p
        sql = (
            f"UPDATE registry SET community = {p}, display_name = {p}, street = {p},"
            f" district = {p}, updated_at = {p} WHERE gateway = {p}"
        )
        params = (e.community, e.display_name, e.street, e.district, now, gateway)
        return self._write("changing a gateway", sql, params) > 0

    def remove(self, gateway: str) -> bool:
        """Forget a gateway (its figures stay, held apart as unregistered); False if unknown."""
        sql = f"DELETE FROM registry WHERE gateway = {self.p}"
        return self._write("removing a gateway", sql, (gateway,)) > 0

    def _rows(self, sql: str) -> list[Row]:
        return read_rows(self.backend, "reading the registry", sql)

    def entries(self) -> list[Row]:
        """Every registered gateway, with whether it has been seen and is online."""
        rows = self._rows(
            "SELECT r.gateway, r.community, r.display_name, r.street, r.district, r.added_at,"
            " r.updated_at,"
            " g.gateway IS NOT NULL AS seen, COALESCE(g.online, 0) AS online,"
            " g.community AS claimed_community"
            " FROM registry r LEFT JOIN gateways g ON g.gateway = r.gateway ORDER BY r.gateway"
        )
        for row in rows:
            row["seen"], row["online"] = bool(row["seen"]), bool(row["online"])
        return rows

    def unregistered(self) -> list[Row]:
        """Gateways seen at this centre that nobody registered."""
        return self._rows(
            "SELECT g.gateway, g.community AS claimed_community, g.online, g.last_seen"
            " FROM gateways g LEFT JOIN registry r ON r.gateway = g.gateway"
            " WHERE r.gateway IS NULL ORDER BY g.gateway"
        )
