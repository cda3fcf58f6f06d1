"""The monitor's store: SQLite (default) or PostgreSQL, chosen by a URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cloud_sync.monitor.errors import DatabaseUrlError
from cloud_sync.monitor.storage.base import ApplyResult, Row, SqlStorage

__all__ = ["ApplyResult", "Row", "SqlStorage", "open_storage"]


def open_storage(url: str, *, rejected_keep: int = 10_000) -> SqlStorage:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``postgresql://...``.

    A PostgreSQL URL may carry ``?schema=NAME`` (created if missing) to keep the monitor's
    tables apart from others in the same database.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        from cloud_sync.monitor.storage.sqlite import SqliteStorage

        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise DatabaseUrlError(url, "no file path (sqlite:///monitor.db)")
        return SqliteStorage(Path(path), rejected_keep=rejected_keep)
    if parts.scheme in ("postgresql", "postgres"):
        from cloud_sync.monitor.storage.postgres import PostgresStorage

        query = dict(parse_qsl(parts.query))
        schema = query.pop("schema", None)
        conninfo = urlunsplit(parts._replace(query=urlencode(query)))
        return PostgresStorage(conninfo, schema=schema, rejected_keep=rejected_keep)
    raise DatabaseUrlError(url, "use sqlite:///FILE or postgresql://...")
