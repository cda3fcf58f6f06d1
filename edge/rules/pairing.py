"""Pairing a lane's scan and temperature reading into one screening.

Sans-IO and clock-free: the caller passes ``now`` and asks for :attr:`LanePairing.deadline`
to arm its own timer. A scan and a reading that arrive within the window, in either order,
pair; a lone half times out as an incomplete screening, never a silent drop.

The state machine is the table :data:`TRANSITIONS`: (state, input) -> (next state, action).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

ScanT = TypeVar("ScanT")


class State(enum.Enum):
    IDLE = "idle"
    HAVE_SCAN = "have-scan"
    HAVE_TEMPERATURE = "have-temperature"


class Input(enum.Enum):
    SCAN = "scan"
    TEMPERATURE = "temperature"
    TIMEOUT = "timeout"


class Action(enum.Enum):
    HOLD = "hold"  # keep the new half and wait for the other
    PAIR = "pair"  # the new half completes the held one
    REPLACE_SCAN = "replace-scan"  # a different code: the held one is incomplete
    REPLACE_TEMPERATURE = "replace-temperature"  # a re-measurement: the newer reading wins
    EXPIRE = "expire"  # the window closed on a lone half
    IGNORE = "ignore"
    TURN_AWAY_SCAN = "turn-away-scan"  # temperature-first lanes: a scan before any reading


TRANSITIONS: dict[tuple[State, Input], tuple[State, Action]] = {
    (State.IDLE, Input.SCAN): (State.HAVE_SCAN, Action.HOLD),
    (State.IDLE, Input.TEMPERATURE): (State.HAVE_TEMPERATURE, Action.HOLD),
    (State.IDLE, Input.TIMEOUT): (State.IDLE, Action.IGNORE),
    (State.HAVE_SCAN, Input.SCAN): (State.HAVE_SCAN, Action.REPLACE_SCAN),
    (State.HAVE_SCAN, Input.TEMPERATURE): (State.IDLE, Action.PAIR),
    (State.HAVE_SCAN, Input.TIMEOUT): (State.IDLE, Action.EXPIRE),
    (State.HAVE_TEMPERATURE, Input.SCAN): (State.IDLE, Action.PAIR),
    (State.HAVE_TEMPERATURE, Input.TEMPERATURE): (
        State.HAVE_TEMPERATURE,
        Action.REPLACE_TEMPERATURE,
    ),
    (State.HAVE_TEMPERATURE, Input.TIMEOUT): (State.IDLE, Action.EXPIRE),
}


#: A lane where people are measured before they scan: a scan with no reading held is answered
#: at once ("measure again") instead of waiting, so that a resident who scans and walks off is
#: never paired with the next resident's reading.
TEMPERATURE_FIRST: dict[tuple[State, Input], tuple[State, Action]] = {
    **TRANSITIONS,
    (State.IDLE, Input.SCAN): (State.IDLE, Action.TURN_AWAY_SCAN),
}

ORDERS = {"either": TRANSITIONS, "temperature-first": TEMPERATURE_FIRST}


@dataclass(frozen=True, slots=True)
class Paired(Generic[ScanT]):
    scan: ScanT
    temperature: float


@dataclass(frozen=True, slots=True)
class Incomplete(Generic[ScanT]):
    """A half whose partner never came: exactly one of the two is set."""

    scan: ScanT | None
    temperature: float | None


Outcome = Paired[ScanT] | Incomplete[ScanT]


class LanePairing(Generic[ScanT]):
    """One lane's pairing state. ``ScanT`` is whatever the caller keeps per scan (a verdict)."""

    def __init__(self, window_s: float, order: str = "either") -> None:
        if window_s <= 0:
            raise ValueError("the pairing window must be positive")
        if order not in ORDERS:
            raise ValueError(f"unknown pairing order {order!r} (known: {', '.join(ORDERS)})")
        self.window_s = window_s
        self._table = ORDERS[order]
        self.state = State.IDLE
        self.deadline: float | None = None
        self._scan: ScanT | None = None
        self._scan_key: str | None = None
        self._temperature: float | None = None
        self.superseded_readings = 0

    @property
    def held_scan(self) -> ScanT | None:
        """The scan waiting for its temperature, if any."""
        return self._scan

    @property
    def held_temperature(self) -> float | None:
        """The reading waiting for its code, if any."""
        return self._temperature

    @property
    def waiting_for(self) -> str | None:
        return {State.IDLE: None, State.HAVE_SCAN: "temperature"}.get(self.state, "code")

    def scan(self, key: str, scan: ScanT, now: float) -> list[Outcome[ScanT]]:
        """A code was read. ``key`` identifies the code: the same code again is a re-scan."""
        if self.state is State.HAVE_SCAN and key == self._scan_key and not self._expired(now):
            self.deadline = now + self.window_s
            return []
        out = self.tick(now)
        _next, action = self._step(Input.SCAN)
        if action is Action.TURN_AWAY_SCAN:
            out.append(Incomplete(scan, None))
        elif action is Action.PAIR:
            assert self._temperature is not None
            out.append(Paired(scan, self._temperature))
            self._clear()
        else:
            if action is Action.REPLACE_SCAN:
                out.append(Incomplete(self._scan, None))
            self._scan, self._scan_key, self.deadline = scan, key, now + self.window_s
        return out

    def temperature(self, celsius: float, now: float) -> list[Outcome[ScanT]]:
        out = self.tick(now)
        _next, action = self._step(Input.TEMPERATURE)
        if action is Action.PAIR:
            assert self._scan is not None
            out.append(Paired(self._scan, celsius))
            self._clear()
        else:
            if action is Action.REPLACE_TEMPERATURE:
                self.superseded_readings += 1
            self._temperature, self.deadline = celsius, now + self.window_s
        return out

    def tick(self, now: float) -> list[Outcome[ScanT]]:
        """Expire a lone half whose window has closed by ``now``."""
        if not self._expired(now):
            return []
        _next, action = self._step(Input.TIMEOUT)
        out: list[Outcome[ScanT]] = []
        if action is Action.EXPIRE:
            out.append(Incomplete(self._scan, self._temperature))
        self._clear()
        return out

    def _expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline

    def _step(self, inp: Input) -> tuple[State, Action]:
        nxt, action = self._table[(self.state, inp)]
        self.state = nxt
        return nxt, action

    def _clear(self) -> None:
        self.state = State.IDLE
        self.deadline = None
        self._scan = None
        self._scan_key = None
        self._temperature = None
