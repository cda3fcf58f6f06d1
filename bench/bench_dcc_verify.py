"""EU DCC verification rate: whole HC1 codes verified per second, ES256 and PS256.

Keys, DSCs and codes are made here with cryptography (edge.verify.dcc.issue). Each figure is
printed beside a baseline measured in the same run: the bare signature check of the same COSE
(cryptography alone), so the gap is what the chain around it costs (Base45, zlib, CBOR, the
trust-list lookup, the schema check, the rules).

    .venv/bin/python bench/bench_dcc_verify.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from edge.verify.dcc import issue
from edge.verify.dcc.base45 import b45decode
from edge.verify.dcc.chain import inflate, parse_cose
from edge.verify.dcc.signature import signature_ok
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.verifier import DccVerifier

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Calls per wall-clock second and per CPU second of ``fn`` over about ``seconds``.

    The CPU-second figure is the one to compare between runs on a shared, loaded machine.
    """
    for _ in range(20):
        fn()
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            fn()
        n += 50
    return n / elapsed, n / max(time.process_time() - cpu_start, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"EU DCC verify rate ({os.cpu_count()} CPUs, load {load:.2f}), {args.seconds:g} s each")
    print(
        f"{'alg':6} {'verifier codes/s':>17} {'per CPU-s':>10}"
        f" {'baseline sig/s':>15} {'per CPU-s':>10} {'ratio (CPU)':>12}"
    )
    for alg in ("ES256", "PS256"):
        key = issue.make_key(alg)
        cert = issue.make_dsc(
            key,
            country="XX",
            not_before=NOW - timedelta(days=1),
            not_after=NOW + timedelta(days=365),
        )
        kid = issue.kid_of(cert)
        text = issue.sign_hc1(
            issue.sample_dcc("v", when=NOW),
            key,
            kid=kid,
            issued_at=NOW - timedelta(hours=1),
            expires_at=NOW + timedelta(days=30),
        )
        dsc = Dsc.from_certificate(cert, cert.public_key(), kid=None, country="XX")
        verifier = DccVerifier(TrustList(dscs=[dsc]))
        assert verifier.verify(text, at=NOW).valid
        cose = parse_cose(inflate(b45decode(text[4:])))
        assert signature_ok(cose, dsc.public_key)

        full, full_cpu = rate(lambda: verifier.verify(text, at=NOW), args.seconds)  # noqa: B023
        bare, bare_cpu = rate(lambda: signature_ok(cose, dsc.public_key), args.seconds)  # noqa: B023
        print(
            f"{alg:6} {full:17.0f} {full_cpu:10.0f} {bare:15.0f} {bare_cpu:10.0f}"
            f" {full_cpu / bare_cpu:12.2f}"
        )
    print(f"({len(text)} characters per code)")


if __name__ == "__main__":
    main()
