"""Status-list benchmark: 100,000 passes on a gateway (issue 9's last proof).

Measured with the gateway's own code:

- load: a signed snapshot item as it comes from the centre, opened (size, signature,
  decompression, form: ``open_item``) and turned into the list (``content``), then put in
  force; and the same list rebuilt from the store at a restart (``_rebuild``);
- lookup: ``StatusList.lookup`` as the community pass verifier calls it for every scan;
- memory: what the list in force holds (tracemalloc, after a full collection).

Beside each, the baseline in the same run: ``json.loads`` of the same entries as plain JSON, a
plain ``dict`` lookup, and the memory of that plain dict. Targets: load under 1 s, a lookup
under 1 ms, under 20 MB.

    .venv/bin/python bench/bench_status_list.py [--passes 100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import string
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.items import Item, open_item, sign_item
from cloud_sync.distribution.keys import CentreKeys
from cloud_sync.distribution.kinds import Kind, Mode, Scope
from cloud_sync.uplink import dist_store
from cloud_sync.uplink.distribution import _rebuild
from edge.verify.community_pass.status_list import StatusList, StatusSnapshot

COLOURS = ("green",) * 90 + ("yellow",) * 4 + ("red",) * 4 + ("revoked",) * 2


def pass_ids(count: int, rng: random.Random) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_"
    return ["".join(rng.choices(alphabet, k=22)) for _ in range(count)]


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def held_mb(build: Callable[[], Any]) -> float:
    """What the value ``build`` makes holds once made (tracemalloc, after a collection)."""
    gc.collect()
    tracemalloc.start()
    value = build()
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del value
    return current / 1e6


def lookups(lookup: Callable[[str], Any], probes: list[str]) -> tuple[float, float, float]:
    """Mean, p99 and max of one lookup, microseconds."""
    times = []
    clock = time.perf_counter_ns
    for probe in probes:
        start = clock()
        lookup(probe)
        times.append(clock() - start)
    times.sort()
    return statistics.fmean(times) / 1e3, times[int(len(times) * 0.99)] / 1e3, times[-1] / 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(9)
    ids = pass_ids(args.passes, rng)
    entries = {pass_id: rng.choice(COLOURS) for pass_id in ids}
    key = Ed25519PrivateKey.generate()
    keys = CentreKeys({"centre-1": key.public_key()})
    scope = Scope("community", "bench")
    item = Item(Kind.STATUS_LIST, scope, 1, Mode.SNAPSHOT, 0, time.time(), {"entries": entries})
    text = sign_item(key, "centre-1", item)
    codec = CODECS[Kind.STATUS_LIST]
    plain = json.dumps(entries)

    def load_item() -> StatusList:
        opened = open_item(text, keys)
        status = StatusList()
        status.install(StatusSnapshot(codec.snapshot(opened.content)))
        return status

    blob = dist_store.Blob(1, "snapshot", 0, open_item(text, keys).payload_z)

    def load_store() -> Any:
        value, _ = _rebuild(Kind.STATUS_LIST, [blob])
        return value

    load_s, status = best_of(args.runs, load_item)
    restart_s, _ = best_of(args.runs, load_store)
    plain_s, plain_dict = best_of(args.runs, lambda: json.loads(plain))

    probes = [rng.choice(ids) for _ in range(50_000)] + pass_ids(50_000, random.Random(10))
    rng.shuffle(probes)
    ours = lookups(status.lookup, probes)
    bare = lookups(plain_dict.get, probes)

    ours_mb = held_mb(load_store)
    plain_mb = held_mb(lambda: json.loads(plain))
    load = os.getloadavg()
    print(
        f"status list of {args.passes:,} passes ({len(text) / 1e6:.2f} MB signed,"
        f" {os.cpu_count()} cores, load average {load[0]:.1f}); best of {args.runs}"
    )
    print(f"{'':34}{'gateway':>12}{'baseline':>12}   baseline is")
    print(f"{'load a signed snapshot (s)':34}{load_s:12.3f}{plain_s:12.3f}   json.loads, plain")
    print(f"{'load from the store at restart (s)':34}{restart_s:12.3f}{plain_s:12.3f}   same")
    print(f"{'lookup mean (us)':34}{ours[0]:12.2f}{bare[0]:12.2f}   dict.get")
    print(f"{'lookup p99 (us)':34}{ours[1]:12.2f}{bare[1]:12.2f}")
    print(f"{'lookup max (us)':34}{ours[2]:12.2f}{bare[2]:12.2f}")
    print(f"{'memory held (MB)':34}{ours_mb:12.1f}{plain_mb:12.1f}   the plain dict")
    print("targets: load < 1 s, lookup < 1 ms (1000 us), memory < 20 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
