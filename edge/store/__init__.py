"""The gateway's SQLite store: one writer, migrations at start-up."""

from edge.store.database import Store
from edge.store.errors import MigrationError, StoreClosedError, StoreError
from edge.store.migrations import MigrationSet

__all__ = ["MigrationError", "MigrationSet", "Store", "StoreClosedError", "StoreError"]
