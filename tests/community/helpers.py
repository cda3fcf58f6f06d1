"""A gateway configuration for the community tests, and files to import."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from edge.rules.policy import Policy
from edge.rules.policy_file import write_policy_file

ROOT = Path(__file__).resolve().parents[2]
GIVEN = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"]
NAMES = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"]


def write_config(
    folder: Path, *, policy: Policy | None = None, extra: str = "", community: str = ""
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_policy_file(folder / "policy.toml", policy or Policy())
    path = folder / "gateway.toml"
    path.write_text(
        f"""
[gateway]
id = "gw-test"
data_dir = "var"

[checkpoint]
policy_file = "policy.toml"
[[checkpoint.lanes]]
id = "in"
direction = "in"
[[checkpoint.lanes]]
id = "out"
direction = "out"

[community]
name = "Sunny Garden"
street = "Jiefang Street"
district = "Jiang'an"
{community}
{extra}
""",
        encoding="utf-8",
    )
    return path


def households_csv(households: int, *, bad_lines: dict[int, list[str]] | None = None) -> bytes:
    """``households`` households of 1-3 members, one row per member, with Chinese headers.

    ``bad_lines``: file line number -> the row to put there instead of the good one.
    """
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["楼栋", "单元", "房号", "姓名", "电话", "身份证后四位", "有智能手机"])
    line = 1
    for n in range(households):
        building, unit, room = str(1 + n // 200), str(1 + (n // 50) % 4), str(101 + n % 50)
        for m in range(1 + n % 3):
            line += 1
            if bad_lines and line in bad_lines:
                w.writerow(bad_lines[line])
                continue
            name = GIVEN[(n + m) % len(GIVEN)] + NAMES[(n * 3 + m) % len(NAMES)] + str(m)
            w.writerow(
                [building, unit, room, name, f"138{n:04d}{m:04d}", f"{(n + m) % 10000:04d}",
                 "否" if m == 2 else "是"]
            )  # fmt: skip
    return out.getvalue().encode("utf-8")


def cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``edge-gateway`` (the project's own entry point) as a real process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "edge.commands.households", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )
