"""Run an uplink in its own process (for the SIGKILL test): ``run_uplink.py DB PORT KEYDIR NOW``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from cloud_sync.uplink import UplinkService, UplinkSettings  # noqa: E402
from edge.core.bus import Bus  # noqa: E402
from tests.uplink.helpers import open_store  # noqa: E402


async def main(db: Path, port: int, keydir: Path, now: float) -> None:
    settings = UplinkSettings(
        gateway_id="gw-k",
        broker_host="127.0.0.1",
        broker_port=port,
        tls=False,
        hmac_key_file=keydir / "hmac.key",
        clock_check="trust",
        window_settle_s=0,
        backoff_initial_s=0.1,
        backoff_max_s=0.5,
        max_inflight=20,
    )
    store = open_store(db)
    print("up", flush=True)
    await UplinkService(settings, store, Bus(), clock=lambda: now).run()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])))
