"""Fixtures of the monitor's tests: a store on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloud_sync.monitor.storage import Storage, open_storage
from tests.ci import missing

# CI sets this to its own server; on this machine PostgreSQL trusts local connections.
PG_URL = os.environ.get("MONITOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_unreachable() -> str | None:
    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL server reachable at {PG_URL} ({str(exc).strip()[:200]})"
    return None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema of this test's own, dropped afterwards."""
    why = _postgres_unreachable()
    if why:
        missing(why)  # scripts/test starts one; under CI=true this fails instead of skipping
    import psycopg
    import psycopg.sql

    schema = f"monitor_test_{uuid.uuid4().hex[:12]}"
    yield f"{PG_URL}?schema={schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                psycopg.sql.Identifier(schema)
            )
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def make_storage(store_url: str) -> Iterator[Callable[[], Storage]]:
    opened: list[Storage] = []

    def make() -> Storage:
        storage = open_storage(store_url)
        opened.append(storage)
        return storage

    yield make
    for storage in opened:
        storage.close()


@pytest.fixture
def storage(make_storage: Callable[[], Storage]) -> Storage:
    return make_storage()
