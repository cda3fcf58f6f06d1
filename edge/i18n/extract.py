"""Babel's extractor for the pages (``scripts/i18n`` names it in ``babel.cfg``): the words
marked in the markup (:mod:`edge.i18n.html`) and the ``t()`` / ``tn()`` calls of inline
scripts. Babel is a development tool here (the ``test`` extra), imported only when it calls
this."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, cast

from edge.i18n import html as pages

Extracted = tuple[int, str | None, str | tuple[str, ...], list[str]]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def extract_html(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    from babel.messages.extract import extract_javascript

    text = fileobj.read().decode("utf-8")
    for offset, msgid in pages.marked(text):
        yield _line(text, offset), None, msgid, []
    for m in pages.CODE.finditer(text):
        if m.group(1).lower() != "script":
            continue
        body = m.group(0)
        start = _line(text, m.start())
        # Babel's own extractors yield (lineno, funcname, messages, comments), as this one
        # does, whatever its type hints say.
        found: Any = extract_javascript(
            io.BytesIO(body.encode("utf-8")), keywords, comment_tags, cast(Any, options)
        )
        for lineno, funcname, messages, comments in found:
            yield start + lineno - 1, funcname, messages, list(comments)
