"""Pages translated on the server, before they are sent: no English flashes by first.

A page marks what a person reads:

- ``<b data-i18n>Open alerts</b>``: the element's text is a msgid (whitespace collapsed); the
  element holds text only, no other elements.
- ``<input placeholder="units" data-i18n-attr="placeholder">``: the named attributes' values
  (several, space-separated) are msgids.
- ``translate="no"`` on anything that is data or a name, not words (so the catalogue test
  does not ask for it).

``<html lang>`` is set to the language served. Scripts and styles are left alone (their
strings go through ``i18n.js``); the same patterns are what ``scripts/i18n`` extracts, through
:mod:`edge.i18n.extract`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

#: an element marked ``data-i18n`` holding text only
TEXT = re.compile(
    r"<(?P<tag>[a-zA-Z][\w-]*)(?P<attrs>\s[^<>]*?\bdata-i18n(?![\w-])[^<>]*)>"
    r"(?P<text>[^<]*)</(?P=tag)\s*>"
)
#: a start tag with ``data-i18n-attr="NAMES"``
ATTRS = re.compile(r"<[a-zA-Z][\w-]*\s[^<>]*\bdata-i18n-attr=\"(?P<names>[^\"]*)\"[^<>]*>")
#: code and style blocks, which the two patterns above must not look into
CODE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
LANG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def msgid_of(text: str) -> str:
    """The msgid of an element's text: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(text).split())


def _attribute(name: str) -> re.Pattern[str]:
    return re.compile(rf"(\s{re.escape(name)}=\")([^\"]*)(\")")


def marked(page: str) -> Iterator[tuple[int, str]]:
    """``(offset, msgid)`` of every marked text and attribute outside code blocks."""
    for start, chunk in _outside_code(page):
        for m in TEXT.finditer(chunk):
            msgid = msgid_of(m.group("text"))
            if msgid:
                yield start + m.start(), msgid
        for m in ATTRS.finditer(chunk):
            for name in m.group("names").split():
                found = _attribute(name).search(m.group(0))
                if found and found.group(2).strip():
                    yield start + m.start(), msgid_of(found.group(2))


def _outside_code(page: str) -> Iterator[tuple[int, str]]:
    position = 0
    for m in CODE.finditer(page):
        yield position, page[position : m.start()]
        position = m.end()
    yield position, page[position:]


def localise(page: str, language: str, gettext: Callable[[str], str]) -> str:
    """``page`` with its marked texts and attributes translated and ``lang`` set."""

    def text(m: re.Match[str]) -> str:
        msgid = msgid_of(m.group("text"))
        if not msgid:
            return m.group(0)
        words = html.escape(gettext(msgid), quote=False)
        return f"<{m.group('tag')}{m.group('attrs')}>{words}</{m.group('tag')}>"

    def attrs(m: re.Match[str]) -> str:
        tag = m.group(0)
        for name in m.group("names").split():
            tag = _attribute(name).sub(
                lambda a: a.group(1) + html.escape(gettext(msgid_of(a.group(2)))) + a.group(3),
                tag,
                count=1,
            )
        return tag

    def lang(m: re.Match[str]) -> str:
        tag = re.sub(r"\slang=\"[^\"]*\"", "", m.group(0))
        return tag[:-1] + f' lang="{html.escape(language)}">'

    parts: list[str] = []
    last = 0
    for m in CODE.finditer(page):
        parts.append(ATTRS.sub(attrs, TEXT.sub(text, page[last : m.start()])))
        parts.append(m.group(0))
        last = m.end()
    parts.append(ATTRS.sub(attrs, TEXT.sub(text, page[last:])))
    return LANG.sub(lang, "".join(parts), count=1)
