"""The centre's streams and publications, over the monitor's backend (SQLite or PostgreSQL).

Recording a publication is one transaction: the stream's row moves to the new version (only
if it still holds the version the publication was made from, so two people publishing at once
cannot both build on the same version: the second is told to try again) and the publication
is added to the audit.
"""

# ruff: noqa: S608 - statements are built from constant fragments; values are always parameters

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.kinds import Kind, Scope
from cloud_sync.distribution.publishing import Publication
from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.storage.backend import Backend, Row, read_rows


class ConflictError(Exception):
    """The stream moved on while a publication was being made: make it again."""


@dataclass(frozen=True, slots=True)
class StreamValue:
    kind: Kind
    scope: Scope
    version: int
    value: Any
    parts: int


@dataclass(frozen=True, slots=True)
class Outbound:
    """What must be on the broker for one stream."""

    kind: Kind
    scope: Scope
    version: int
    head: str
    snapshot: str
    parts: int
    sent_parts: int


class DistributionStore:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.p = backend.dialect.param

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return read_rows(self.backend, "reading distribution", sql, params)

    # -- streams ----------------------------------------------------------------------------
    def value(self, kind: Kind, scope: Scope) -> StreamValue:
        """The stream's value now (empty and version 0 when nothing was published)."""
        p = self.p
        rows = self._rows(
            f"SELECT version, content, parts FROM dist_streams WHERE kind = {p} AND scope = {p}",
            (kind.value, str(scope)),
        )
        codec = CODECS[kind]
        if not rows:
            return StreamValue(kind, scope, 0, codec.empty(), 0)
        row = rows[0]
        value = codec.snapshot(json.loads(row["content"]))
        return StreamValue(kind, scope, int(row["version"]), value, int(row["parts"]))

    def record(
        self,
        pub: Publication,
        *,
        by: str,
        source: str,
        detail: str,
        now: float,
    ) -> int:
        """Store ``pub`` as the stream's new version and audit it; its id in the audit.

        Raises :class:`ConflictError` when the stream is no longer at ``pub.base``.
        """
        p = self.p
        content = json.dumps(CODECS[pub.kind].dump(pub.value), separators=(",", ":"))
        ident = (pub.kind.value, str(pub.scope))
        try:
            with self.backend.write_transaction() as cur:
                if pub.base == 0:
                    cur.execute(
                        f"SELECT COUNT(*) FROM dist_streams WHERE kind = {p} AND scope = {p}", ident
                    )
                    if cur.fetchall()[0][0]:
                        raise ConflictError
                    cur.execute(
                        "INSERT INTO dist_streams (kind, scope, version, content, head, snapshot,"
                        f" parts, updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
                        (
                            *ident,
                            pub.version,
                            content,
                            pub.head_text,
                            pub.snapshot_text,
                            pub.parts,
                            now,
                        ),
                    )
                else:
                    cur.execute(
                        f"UPDATE dist_streams SET version = {p}, content = {p}, head = {p},"
                        f" snapshot = {p}, parts = {p}, updated_at = {p}"
                        f" WHERE kind = {p} AND scope = {p} AND version = {p}",
                        (
                            pub.version,
                            content,
                            pub.head_text,
                            pub.snapshot_text,
                            pub.parts,
                            now,
                            *ident,
                            pub.base,
                        ),
                    )
                    if cur.rowcount != 1:
                        raise ConflictError
                cur.execute(
                    "INSERT INTO dist_publications (kind, scope, version, base, mode, summary,"
                    " detail, published_by, source, published_at, size)"
                    f" VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
                    (
                        *ident,
                        pub.version,
                        pub.base,
                        pub.mode.value,
                        pub.summary[:500],
                        detail[:500],
                        by[:100],
                        source[:20],
                        now,
                        len(pub.snapshot_text),
                    ),
                )
                cur.execute(
                    f"SELECT id FROM dist_publications WHERE kind = {p} AND scope = {p}"
                    f" AND version = {p}",
                    (*ident, pub.version),
                )
                return int(cur.fetchall()[0][0])
        except ConflictError:
            raise
        except Exception as exc:
            raise StorageError("recording a publication", exc) from exc

    def _outbound(self, where: str, params: Sequence[Any] = ()) -> list[Outbound]:
        rows = self._rows(
            "SELECT kind, scope, version, head, snapshot, parts, sent_parts FROM dist_streams"
            f"{where} ORDER BY kind, scope",
            params,
        )
        return [
            Outbound(
                Kind(r["kind"]),
                Scope.parse(r["scope"]),
                int(r["version"]),
                r["head"],
                r["snapshot"],
                int(r["parts"]),
                int(r["sent_parts"]),
            )
            for r in rows
        ]

    def unsent(self) -> list[Outbound]:
        return self._outbound(" WHERE sent_version < version")

    def everything(self) -> list[Outbound]:
        return self._outbound("")

    def mark_sent(self, out: Outbound) -> None:
        p = self.p
        try:
            with self.backend.write_transaction() as cur:
                cur.execute(
                    f"UPDATE dist_streams SET sent_version = {self.backend.dialect.greatest}"
                    f"(sent_version, {p}), sent_parts = {p} WHERE kind = {p} AND scope = {p}",
                    (out.version, out.parts, out.kind.value, str(out.scope)),
                )
        except Exception as exc:
            raise StorageError("marking a publication sent", exc) from exc

    def streams(self) -> list[Row]:
        """Every stream: kind, scope, version, when, and whether it is on the broker yet."""
        rows = self._rows(
            "SELECT kind, scope, version, sent_version, parts, updated_at FROM dist_streams"
            " ORDER BY kind, scope"
        )
        for row in rows:
            row["sent"] = row["sent_version"] >= row["version"]
        return rows

    # -- the audit --------------------------------------------------------------------------
    _PUBLICATION = (
        "SELECT id, kind, scope, version, base, mode, summary, detail, published_by, source,"
        " published_at, size FROM dist_publications"
    )

    def publications(self, limit: int = 100, kind: str | None = None) -> list[Row]:
        p = self.p
        if kind:
            return self._rows(
                f"{self._PUBLICATION} WHERE kind = {p} ORDER BY id DESC LIMIT {p}", (kind, limit)
            )
        return self._rows(f"{self._PUBLICATION} ORDER BY id DESC LIMIT {p}", (limit,))

    def publication(self, publication_id: int) -> Row | None:
        rows = self._rows(f"{self._PUBLICATION} WHERE id = {self.p}", (publication_id,))
        return rows[0] if rows else None
