"""The monitor's store: SQLite (default) or PostgreSQL, chosen by a URL.

A :class:`Storage` is five parts over one database: the :class:`~.writer.Writer` (the write
path, one writer, which also raises fever alerts: :mod:`.fever`), the
:class:`~.queries.Queries` (the dashboard's reads), the :class:`~.registry.Registry` (the
centre's list of gateways), the :class:`~.communities.Communities` (gates on duty, the daily
reports by street and district) and the backend that holds the connections and the
:class:`~.dialect.Dialect`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cloud_sync.monitor.errors import DatabaseUrlError
from cloud_sync.monitor.storage.backend import Backend, Row
from cloud_sync.monitor.storage.batch import ApplyResult
from cloud_sync.monitor.storage.communities import Communities
from cloud_sync.monitor.storage.fever import FeverRule
from cloud_sync.monitor.storage.queries import Queries
from cloud_sync.monitor.storage.registry import Registry
from cloud_sync.monitor.storage.writer import Writer

__all__ = ["ApplyResult", "FeverRule", "Row", "Storage", "open_storage"]


class Storage:
    def __init__(
        self,
        backend: Backend,
        *,
        rejected_keep: int = 10_000,
        max_keys_per_gateway: int = 1_000_000,
        refuse_unknown: bool = False,
        fever: FeverRule | None = None,
    ) -> None:
        self.backend = backend
        self.writer = Writer(
            backend,
            rejected_keep=rejected_keep,
            max_keys_per_gateway=max_keys_per_gateway,
            refuse_unknown=refuse_unknown,
            fever=fever,
        )
        self.queries = Queries(backend)
        self.registry = Registry(backend)
        self.communities = Communities(backend)

    @property
    def description(self) -> str:
        return self.backend.description

    @property
    def adopted(self) -> list[str]:
        return self.backend.adopted

    @property
    def migrated(self) -> list[str]:
        return self.backend.migrated

    def close(self) -> None:
        self.backend.close()


def open_storage(
    url: str,
    *,
    rejected_keep: int = 10_000,
    max_keys_per_gateway: int = 1_000_000,
    refuse_unknown: bool = False,
    fever: FeverRule | None = None,
) -> Storage:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``postgresql://...``.

    A PostgreSQL URL may carry ``?schema=NAME`` (created if missing) to keep the monitor's
    tables apart from others in the same database.
    """
    parts = urlsplit(url)
    backend: Backend
    if parts.scheme == "sqlite":
        from cloud_sync.monitor.storage.sqlite import SqliteBackend

        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise DatabaseUrlError(url, "no file path (sqlite:///monitor.db)")
        backend = SqliteBackend(Path(path))
    elif parts.scheme in ("postgresql", "postgres"):
        from cloud_sync.monitor.storage.postgres import PostgresBackend

        query = dict(parse_qsl(parts.query))
        schema = query.pop("schema", None)
        conninfo = urlunsplit(parts._replace(query=urlencode(query)))
        backend = PostgresBackend(conninfo, schema=schema)
    else:
        raise DatabaseUrlError(url, "use sqlite:///FILE or postgresql://...")
    return Storage(
        backend,
        rejected_keep=rejected_keep,
        max_keys_per_gateway=max_keys_per_gateway,
        refuse_unknown=refuse_unknown,
        fever=fever,
    )
