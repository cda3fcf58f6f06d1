"""Why hot-path inserts are raw SQL and schema changes are sqlite-utils.

Issue 8 asks for sqlite-utils "wherever it is as fast as raw SQL". This times one screening-like
row inserted through ``Table.insert(..., ignore=True)`` beside the raw ``INSERT ... ON CONFLICT DO
NOTHING`` the checkpoint uses, on the same in-memory database in the same run.

    .venv/bin/python bench/bench_sqlite_utils_insert.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import sqlite3
import time

import sqlite_utils

ROW = {"lane": "north", "at": 1.0, "outcome": "ADMIT", "reason": "code green, 36.6 °C", "t": 36.6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20_000)
    n = ap.parse_args().rows
    db = sqlite_utils.Database(sqlite3.connect(":memory:", isolation_level=None))
    db["s"].create(
        {"id": int, "k": str, "lane": str, "at": float, "outcome": str, "reason": str, "t": float},
        pk="id",
    )
    db["s"].create_index(["k"], unique=True)
    sql = (
        "INSERT INTO s (k, lane, at, outcome, reason, t) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT (k) DO NOTHING"
    )
    start = time.perf_counter()
    for i in range(n):
        db.execute(sql, (f"raw-{i}", *ROW.values()))
    raw = (time.perf_counter() - start) / n * 1e6
    table = db.table("s")
    start = time.perf_counter()
    for i in range(n):
        table.insert({"k": f"su-{i}", **ROW}, ignore=True)
    utils = (time.perf_counter() - start) / n * 1e6
    print(f"{n} single-row inserts into an in-memory table")
    print(f"baseline: raw INSERT ... ON CONFLICT DO NOTHING  {raw:7.1f} us per row")
    print(f"sqlite-utils Table.insert(ignore=True)           {utils:7.1f} us per row")
    print(f"sqlite-utils costs {utils / raw:.1f} x the raw statement")


if __name__ == "__main__":
    main()
