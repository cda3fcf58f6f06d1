"""Codec throughput: how many bytes and frames a second each decoder takes, in 4 KiB reads.

The baseline, measured in the same run, is the least any line decoder must do: split on line
ends and parse a float (no resync, no limits, no counting).
Run: .venv/bin/python bench/bench_serial_codecs.py
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from firmware_interfaces.codecs.base import Codec
from firmware_interfaces.codecs.gy_mcu90614 import GyMcu90614Decoder, GyMcu90614Encoder
from firmware_interfaces.codecs.scanner import ScannerDecoder, ScannerEncoder
from firmware_interfaces.codecs.thermometer_ascii import AsciiBracesDecoder, AsciiBracesEncoder
from firmware_interfaces.events import CodeScanned, TemperatureReading

READ = 4096


def chunks(data: bytes) -> list[bytes]:
    return [data[i : i + READ] for i in range(0, len(data), READ)]


def measure(name: str, data: bytes, frames: int, run: Callable[[list[bytes]], int]) -> float:
    pieces = chunks(data)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        got = run(pieces)
        best = min(best, time.perf_counter() - start)
    assert got == frames, (name, got, frames)
    rate = len(data) / best / 1e6
    print(f"{name:<34} {rate:8.1f} MB/s {frames / best / 1e3:9.0f} kframes/s")
    return rate


def baseline(pieces: list[bytes]) -> int:
    count = 0
    rest = b""
    for piece in pieces:
        lines = (rest + piece).split(b"\r\n")
        rest = lines.pop()
        for line in lines:
            float(line.strip(b"{}"))
            count += 1
    return count


def with_decoder(make: Callable[[], Codec]) -> Callable[[list[bytes]], int]:
    def run(pieces: list[bytes]) -> int:
        decoder = make()
        return sum(len(decoder.feed(piece)) for piece in pieces)

    return run


def main() -> None:
    rng = random.Random(7)
    temps = [TemperatureReading(round(rng.uniform(35, 39), 1), 22.5) for _ in range(100_000)]
    ascii_trace = b"".join(AsciiBracesEncoder().encode(t) for t in temps)
    gy_trace = b"".join(GyMcu90614Encoder().encode(t) for t in temps)
    code = "HC1:" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(400))
    scans = b"".join(ScannerEncoder().encode(CodeScanned(code)) for _ in range(10_000))
    big = "HC1:" + "A" * 4000
    big_scans = b"".join(ScannerEncoder().encode(CodeScanned(big)) for _ in range(1_000))
    noisy = bytes(rng.randrange(256) for _ in range(2_000_000))
    base = measure("baseline: split + float", ascii_trace, len(temps), baseline)
    ascii_rate = measure(
        "ascii-braces {36.7}", ascii_trace, len(temps), with_decoder(AsciiBracesDecoder)
    )
    measure("gy-mcu90614 frames", gy_trace, len(temps), with_decoder(GyMcu90614Decoder))
    measure("scanner, 400-byte codes", scans, 10_000, with_decoder(ScannerDecoder))
    measure("scanner, 4 KiB codes", big_scans, 1_000, with_decoder(ScannerDecoder))
    noise_frames = len(AsciiBracesDecoder().feed(noisy)) + len(AsciiBracesDecoder().idle())
    # The noise run counts garbage drops, not readings: compare bytes per second only.
    decoder = AsciiBracesDecoder()
    start = time.perf_counter()
    for piece in chunks(noisy):
        decoder.feed(piece)
    noise_rate = len(noisy) / (time.perf_counter() - start) / 1e6
    print(f"{'ascii-braces, random noise':<34} {noise_rate:8.1f} MB/s ({noise_frames} drop events)")
    print(f"ascii-braces vs baseline: {ascii_rate / base:.2f}x; a 115200-baud line is 0.0115 MB/s")


if __name__ == "__main__":
    main()
