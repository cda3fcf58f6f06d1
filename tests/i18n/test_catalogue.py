"""The catalogue test: every string a person reads on a page, and every reason, alert, device
state and error the gateway makes, is in the message catalogue and translated, and the
catalogue the gateway reads is the one the translators wrote.

- the template (locales/messages.pot) holds what Babel extracts from the code and the pages
  now: a new string without ``scripts/i18n`` fails here;
- every language's .po translates every message, keeps its {placeholders}, and is compiled;
- every text and labelling attribute of every page is marked (data-i18n / data-i18n-attr) or
  declared data (translate="no");
- every message the code makes (tests/i18n/samples.py) is a msgid, or made from one whose
  values are msgids or carry no words, so the page can translate it (the browser test in
  test_messages_browser.py translates them all and finds no English left).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from edge.i18n.catalogue import Catalogues, read_mo
from tests.i18n.samples import DATA, decision_reasons, other_messages

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "edge" / "i18n" / "locales"
KEYWORDS = {"N_": None, "t": None, "tn": (1, 2)}
LANGUAGES = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir())
#: every page a person reads, and the fragments put into them
PAGES = [
    ROOT / "edge" / "web" / "static" / "index.html",
    ROOT / "edge" / "web" / "static" / "topbar.html",
    ROOT / "edge" / "web" / "static" / "dialogs.html",
    ROOT / "edge" / "storeroom" / "page.html",
    *sorted((ROOT / "edge" / "community" / "static").glob("*.html")),
    ROOT / "cloud_sync" / "monitor" / "static" / "dashboard.html",
    ROOT / "cloud_sync" / "monitor" / "static" / "login.html",
    ROOT / "cloud_sync" / "monitor" / "static" / "distribution.html",
    ROOT / "cloud_sync" / "monitor" / "static" / "communities.html",
]
LABELS = ("placeholder", "title", "aria-label", "alt")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def msgid(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def extracted() -> set[str]:
    with (ROOT / "edge" / "i18n" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        msgid(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def template() -> Catalog:
    with (LOCALES / "messages.pot").open("rb") as f:
        return read_po(f)


def translation(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_the_template_holds_every_marked_string() -> None:
    in_template = {msgid(m.id) for m in template() if m.id}
    assert extracted() - in_template == set(), "new strings: run scripts/i18n, translate them"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    po = translation(language)
    by_id = {msgid(m.id): m for m in po if m.id}
    problems = []
    for message in template():
        if not message.id:
            continue
        key = msgid(message.id)
        found = by_id.get(key)
        strings = (
            ()
            if found is None
            else (found.string if isinstance(found.string, tuple) else (found.string,))
        )
        if found is None or not all(strings) or found.fuzzy:
            problems.append(f"not translated: {key!r}")
            continue
        wanted = set(PLACEHOLDER.findall(key))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
            if text == key and re.search(r"[A-Za-z]{3}", key):
                problems.append(f"left in English: {key!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_translation(language: str) -> None:
    mo = LOCALES / language / "LC_MESSAGES" / "messages.mo"
    singular, plural = read_mo(mo.read_bytes())
    po = translation(language)
    expected = {m.id: m.string for m in po if m.id and m.string and not isinstance(m.id, tuple)}
    expected_plural = {
        m.id[0]: tuple(m.string) for m in po if isinstance(m.id, tuple) and all(m.string)
    }
    assert singular == expected, "run scripts/i18n compile"
    assert plural == expected_plural, "run scripts/i18n compile"
    assert Catalogues.load().find(language.replace("_", "-")) is not None


class _Words(HTMLParser):
    """Text and labels of a page that are neither marked for translation nor declared data."""

    VOID: ClassVar[set[str]] = {"meta", "link", "input", "br", "img", "hr", "source", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside something marked or data)
        self.unmarked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        covered = bool(self.stack and self.stack[-1][1])
        covered = covered or "data-i18n" in values or values.get("translate") == "no"
        covered = covered or tag in ("script", "style")
        named = (values.get("data-i18n-attr") or "").split()
        for label in LABELS:
            text = values.get(label)
            if text and re.search(r"[A-Za-z]{2}", text) and label not in named and not covered:
                self.unmarked.append(f"<{tag} {label}={text!r}>")
        if tag not in self.VOID:
            self.stack.append((tag, covered))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        covered = bool(self.stack and self.stack[-1][1])
        if not covered and re.search(r"[A-Za-z]{2}", data):
            self.unmarked.append(" ".join(data.split()))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_visible_string_of_a_page_is_marked(page: Path) -> None:
    words = _Words()
    words.feed(page.read_text(encoding="utf-8"))
    assert words.unmarked == []


def _splits(template_id: str, text: str) -> list[list[str]]:
    """Every way of cutting ``text`` into the template's values (as i18n.js does: two values
    side by side can be cut at more than one place)."""
    parts = re.split(r"\{\w+\}", template_id)
    if len(parts) < 2 or not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return []
    found: list[list[str]] = []

    def walk(i: int, at: int, values: list[str]) -> None:
        if i == len(parts) - 1:
            if at == len(text):
                found.append(values)
            return
        for end in range(at + 1, len(text) + 1):
            if text.startswith(parts[i + 1], end):
                walk(i + 1, end + len(parts[i + 1]), [*values, text[at:end]])

    walk(0, len(parts[0]), [])
    return found


def _translatable(text: str, ids: set[str], templates: list[str], depth: int = 0) -> bool:
    """Whether ``text`` is a msgid, or made from one whose values are translatable or hold
    no words (numbers, temperatures, times, paths, names of things)."""
    if text in ids:
        return True
    if depth > 3:
        return False
    return any(
        all(
            v in DATA
            or _translatable(v, ids, templates, depth + 1)
            or not re.search(r"[a-z]{3}", v)
            for v in values
        )
        for candidate in templates
        for values in _splits(candidate, text)
    )


def test_every_message_the_code_makes_can_be_translated() -> None:
    ids = {msgid(m.id) for m in template() if m.id}
    templates = sorted((i for i in ids if "{" in i), key=lambda i: -len(re.sub(r"\{\w+\}", "", i)))
    samples = decision_reasons() + other_messages()
    assert [s for s in samples if not _translatable(s, ids, templates)] == []


def test_the_check_above_can_fail() -> None:
    ids = {"fever {temperature}", "code red"}
    assert _translatable("fever 38.1 °C", ids, ["fever {temperature}"])
    assert not _translatable("fever of unknown origin", ids, ["fever {temperature}"])
    assert not _translatable("something new", ids, [])
