"""Is the gateway's clock to be trusted? Network time synchronised, and not before 2024."""

from __future__ import annotations

import asyncio
import shutil
from typing import Literal

EARLIEST_PLAUSIBLE = 1_704_067_200.0  # 2024-01-01T00:00:00Z: an earlier clock is unset

ClockCheck = Literal["auto", "timedatectl", "trust", "distrust"]


def plausible(now: float) -> bool:
    return now >= EARLIEST_PLAUSIBLE


async def ntp_synchronised(check: ClockCheck) -> bool | None:
    """True/False from the configured check; None when it cannot tell (use plausibility)."""
    if check == "trust":
        return True
    if check == "distrust":
        return False
    exe = shutil.which("timedatectl")
    if exe is None:
        return None if check == "auto" else False
    try:
        proc = await asyncio.create_subprocess_exec(
            exe,
            "show",
            "-p",
            "NTPSynchronized",
            "--value",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with asyncio.timeout(5):
            out, _ = await proc.communicate()
    except (OSError, TimeoutError):
        return None if check == "auto" else False
    if proc.returncode != 0:
        return None if check == "auto" else False
    return out.strip() == b"yes"


async def clock_synced(check: ClockCheck, now: float) -> bool:
    if not plausible(now):
        return False
    verdict = await ntp_synchronised(check)
    return True if verdict is None else verdict
