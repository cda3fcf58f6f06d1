"""Capped, jittered exponential backoff for reconnect loops."""

from __future__ import annotations

import random


class Backoff:
    """Delays of ``initial * 2**n`` capped at ``maximum``, each scaled by a random 50-100 %.

    The jitter keeps a room full of gateways (or a hub of replugged devices) from retrying in
    step. ``reset()`` after a success starts again from ``initial``.
    """

    __slots__ = ("_attempt", "_initial", "_maximum", "_random")

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"backoff needs 0 < initial <= maximum, got {initial}, {maximum}")
        self._initial = initial
        self._maximum = maximum
        self._random = rng or random.Random()
        self._attempt = 0

    def next_delay(self) -> float:
        # Stop doubling once the cap is reached, so the exponent cannot overflow.
        ceiling = min(self._maximum, self._initial * 2.0 ** min(self._attempt, 60))
        self._attempt += 1
        return ceiling * self._random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._attempt = 0
