"""The community checkpoint gateway: runtime, rules, store and local web."""

import sys as _sys


def _import_sqlite_utils_without_numpy() -> None:
    """Import sqlite-utils with numpy hidden.

    sqlite-utils imports numpy, when it is installed, only to map numpy scalar types to SQLite
    column types on insert. The gateway never inserts numpy values, and numpy costs about 12 MB
    of resident memory: a seventh of a Pi gateway's 80 MB budget. numpy stays importable for
    the camera decoder, which needs it; only sqlite-utils goes without.
    """
    if "sqlite_utils" in _sys.modules or "numpy" in _sys.modules:
        return
    _sys.modules["numpy"] = None  # type: ignore[assignment]  # makes "import numpy" fail
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del _sys.modules["numpy"]


_import_sqlite_utils_without_numpy()
