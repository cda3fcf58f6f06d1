"""Errors of the store and the migration runner."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class StoreClosedError(StoreError):
    def __init__(self, path: str) -> None:
        super().__init__(f"the database {path} is closed")
        self.path = path


class MigrationError(StoreError):
    def __init__(self, migration_set: str, step: str, cause: BaseException) -> None:
        super().__init__(f"migration {migration_set}:{step} failed: {cause}")
        self.migration_set = migration_set
        self.step = step
