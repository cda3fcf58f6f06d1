"""``N_``: gettext's mark for a message a person reads, kept in English where it is made and
translated where it is shown (see :mod:`edge.i18n`). Here in the core so that every part,
the core included, can mark its messages without depending on the translation machinery."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``message`` for the catalogue (``scripts/i18n`` finds it); it stays English."""
    return message
