"""Report each code once while it stays in view: a sans-IO table of codes and when last seen.

A camera decodes the same card in every frame it is held up for; the checkpoint wants one
scan per presentation. :class:`CodeTracker` takes what each frame saw, stamped by the caller
(a frame index or a monotonic time in seconds, both work), and returns only the codes that
just came into view. A code comes into view again only when more than ``forget_after`` (frames
or seconds, the caller's unit) passed since it was last seen; with frame indices, that is after
at least ``forget_after`` consecutive frames without it. A missed decode or two while the card
is held still does not make it a second scan.

Each code is in one of two states; the table below is the whole behaviour.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Presence(enum.Enum):
    OUT_OF_VIEW = "out of view"
    IN_VIEW = "in view"


class Sighting(enum.Enum):
    SEEN = "seen"  # in this frame
    EXPIRED = "expired"  # unseen for longer than forget_after


#: (state, sighting) -> (next state, report the code now)
TRANSITIONS: dict[tuple[Presence, Sighting], tuple[Presence, bool]] = {
    (Presence.OUT_OF_VIEW, Sighting.SEEN): (Presence.IN_VIEW, True),
    (Presence.IN_VIEW, Sighting.SEEN): (Presence.IN_VIEW, False),
    (Presence.IN_VIEW, Sighting.EXPIRED): (Presence.OUT_OF_VIEW, False),
}


class CodeTracker:
    """Which codes are in view; see the module docstring.

    Codes out of view are dropped from the table, so it holds only what the camera can see.
    """

    __slots__ = ("_forget_after", "_last_seen")

    def __init__(self, forget_after: float) -> None:
        if forget_after < 0:
            raise ValueError(f"forget_after must be >= 0, got {forget_after}")
        self._forget_after = forget_after
        self._last_seen: dict[str, float] = {}  # the codes IN_VIEW, and when each was last seen

    def feed(self, when: float, texts: Iterable[str]) -> list[str]:
        """The codes among ``texts`` that came into view at ``when``, in the order given."""
        self._expire(when)
        appeared = []
        for text in dict.fromkeys(texts):
            state = Presence.IN_VIEW if text in self._last_seen else Presence.OUT_OF_VIEW
            _state, report = TRANSITIONS[state, Sighting.SEEN]
            self._last_seen[text] = when
            if report:
                appeared.append(text)
        return appeared

    def in_view(self) -> frozenset[str]:
        return frozenset(self._last_seen)

    def _expire(self, when: float) -> None:
        for text, seen in list(self._last_seen.items()):
            # A clock that stepped backwards (when < seen) keeps the code in view: the safe
            # side is one scan too few, never a duplicate admission.
            if when - seen > self._forget_after:
                state, _report = TRANSITIONS[Presence.IN_VIEW, Sighting.EXPIRED]
                if state is Presence.OUT_OF_VIEW:
                    del self._last_seen[text]
