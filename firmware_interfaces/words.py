"""``N_``: gettext's mark for a message a person reads (a device's state reason), kept in English
here and translated where a page shows it (the gateway's ``edge.i18n`` catalogue, which
``scripts/i18n`` fills from these marks). This package depends on nothing of the gateway, so it
has its own copy of the one-line mark."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    return message
