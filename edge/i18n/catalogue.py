"""The message catalogues: gettext ``.mo`` files, one per language, read once at start-up.

``locales/messages.pot`` holds every string a person reads on a page, in English (the msgid is
the English text; ``{name}`` marks a value filled in). ``locales/LANG/LC_MESSAGES/messages.po``
is its translation and ``messages.mo`` the compiled form read here (``scripts/i18n`` extracts,
updates and compiles). English needs no catalogue. A new language is a new folder: nothing in
the code names the languages.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
_MAGIC_LE, _MAGIC_BE = 0x950412DE, 0xDE120495


class CatalogueError(ValueError):
    """A ``.mo`` file that cannot be read."""


def read_mo(data: bytes) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Singular messages and plural forms (by the singular msgid) of a GNU ``.mo`` file.

    The format is GNU gettext's (magic, count, two tables of length/offset pairs); the header
    (msgid "") and messages with a context are left out: the pages use neither."""
    if len(data) < 20:
        raise CatalogueError("too short for a .mo file")
    (magic,) = struct.unpack("<I", data[:4])
    order = "<" if magic == _MAGIC_LE else ">" if magic == _MAGIC_BE else None
    if order is None:
        raise CatalogueError("not a .mo file (bad magic number)")
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    try:
        for i in range(count):
            olen, ooff = struct.unpack(
                order + "2I", data[originals + 8 * i : originals + 8 * i + 8]
            )
            tlen, toff = struct.unpack(
                order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
            )
            msgid = data[ooff : ooff + olen].decode("utf-8")
            msgstr = data[toff : toff + tlen].decode("utf-8")
            if not msgid or "\x04" in msgid:
                continue
            if "\x00" in msgid:
                plural[msgid.split("\x00")[0]] = tuple(msgstr.split("\x00"))
            elif msgstr:
                singular[msgid] = msgstr
    except (struct.error, UnicodeDecodeError) as exc:
        raise CatalogueError(f"damaged .mo file: {exc}") from None
    return singular, plural


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's messages. ``language`` is a BCP 47 tag as browsers send it (``zh-CN``)."""

    language: str
    messages: Mapping[str, str] = field(default_factory=dict)
    plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def gettext(self, msgid: str) -> str:
        return self.messages.get(msgid) or msgid

    def as_json(self) -> dict[str, Any]:
        """What the browser's ``i18n.js`` loads."""
        return {
            "language": self.language,
            "messages": dict(self.messages),
            "plurals": {k: list(v) for k, v in self.plurals.items()},
        }


def tag_of(folder: str) -> str:
    """``zh_CN`` (gettext's folder name) -> ``zh-CN`` (the browser's tag)."""
    return folder.replace("_", "-")


class Catalogues:
    """Every language there is a catalogue for, plus English (the source language)."""

    def __init__(self, catalogues: Mapping[str, Catalogue]) -> None:
        self._by_tag = {SOURCE_LANGUAGE: Catalogue(SOURCE_LANGUAGE), **catalogues}
        self._by_lower = {tag.lower(): tag for tag in self._by_tag}

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalogues:
        """The ``.mo`` files under ``folder`` (default: the package's ``locales``)."""
        root = folder or Path(str(resources.files("edge.i18n").joinpath("locales")))
        found: dict[str, Catalogue] = {}
        for mo in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
            tag = tag_of(mo.parent.parent.name)
            try:
                singular, plural = read_mo(mo.read_bytes())
            except CatalogueError as exc:
                raise CatalogueError(f"{mo}: {exc}") from None
            found[tag] = Catalogue(tag, singular, plural)
        return cls(found)

    @property
    def languages(self) -> list[str]:
        """The tags, English first."""
        return list(self._by_tag)

    def find(self, tag: str) -> str | None:
        """The tag as the catalogues spell it, or None (any case: ``ZH-cn`` -> ``zh-CN``)."""
        return self._by_lower.get(tag.lower())

    def __getitem__(self, tag: str) -> Catalogue:
        return self._by_tag[tag]
