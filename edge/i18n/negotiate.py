"""Which language a page is served in: the configuration's, the one the person chose on the
page, or the browser's (``Accept-Language``), in that order; Chinese when none of them is
available."""

from __future__ import annotations

from collections.abc import Iterable

#: pinned by nobody and nothing the browser asks for is there: the users read Chinese first
FALLBACK = "zh-CN"
#: a language setting that follows the browser
AUTO = "auto"


def accepted(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``q=0`` ones left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def best(wanted: Iterable[str], available: Iterable[str]) -> str | None:
    """The first wanted tag that is available, exactly or by its language alone (``zh-TW``,
    ``zh-Hans`` and ``zh`` get ``zh-CN``; ``en-GB`` gets ``en``)."""
    tags = list(available)
    exact = {t.lower(): t for t in tags}
    primary: dict[str, str] = {}
    for t in tags:
        primary.setdefault(t.split("-")[0].lower(), t)
    for tag in wanted:
        low = tag.lower()
        if low in exact:
            return exact[low]
        if low.split("-")[0] in primary:
            return primary[low.split("-")[0]]
    return None


def choose(
    available: Iterable[str],
    *,
    pinned: str = AUTO,
    chosen: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The language to serve: ``pinned`` unless it is ``auto``; else the one ``chosen`` on
    the page (a cookie), the browser's, or :data:`FALLBACK`."""
    tags = list(available)
    if pinned != AUTO:
        return best([pinned], tags) or FALLBACK
    for wanted in ([chosen] if chosen else [], accepted(accept_language)):
        found = best(wanted, tags)
        if found is not None:
            return found
    return best([FALLBACK], tags) or tags[0]
