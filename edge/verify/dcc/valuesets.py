"""The EU value sets: which codes a certificate's coded fields may hold.

A snapshot (:class:`ValueSets`) is the eight lists the DCC schema names (its ``valueset-uri``
annotations), each in the EU's own JSON form ``{"valueSetId", "valueSetDate", "valueSetValues":
{code: {"display", "active", ...}}}``. It is immutable and complete: it can only be built from
lists that parse, and only with all eight, so a snapshot that exists is one that can be used.
That is what lets the verifier swap snapshots while running (see
:meth:`DccVerifier.replace_value_sets`) without ever holding a bad one.

Which field is checked against which list is data, :data:`CODED_FIELDS`. A code marked
``"active": false`` is still in the list: the EU keeps retired codes (the ATC code J07BX03, say)
precisely so that certificates issued while they were current keep verifying. The rapid-test
device (``ma`` in a test) is checked only for a rapid antigen test: a PCR test names no device,
and several issuers fill ``ma`` with "" or "N/A" there.

No words for people here: :class:`Mismatch` says which field and which value, and the verifier
turns that into the reason a gate worker reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from edge.verify.dcc.errors import ValueSetError

# valueSetId of each list, as the EU publishes it (and as the trust-material channel will)
DISEASE = "disease-agent-targeted"
VACCINE_TYPE = "sct-vaccines-covid-19"
VACCINE_PRODUCT = "vaccines-covid-19-names"
VACCINE_MAKER = "vaccines-covid-19-auth-holders"
COUNTRY = "country-2-codes"
TEST_TYPE = "covid-19-lab-test-type"
TEST_RESULT = "covid-19-lab-result"
TEST_DEVICE = "covid-19-lab-test-manufacturer-and-name"

#: valueSetId -> the file names it may have in a directory, first found wins. The device list
#: changes often and is kept by the EU's health-security committee; the public repository only
#: has an example of it (test-manf-example.json), the gateway export calls it test-manf.json.
FILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        DISEASE: ("disease-agent-targeted.json",),
        VACCINE_TYPE: ("vaccine-prophylaxis.json",),
        VACCINE_PRODUCT: ("vaccine-medicinal-product.json",),
        VACCINE_MAKER: ("vaccine-mah-manf.json",),
        COUNTRY: ("country-2-codes.json",),
        TEST_TYPE: ("test-type.json",),
        TEST_RESULT: ("test-result.json",),
        TEST_DEVICE: ("test-manf.json", "test-manf-example.json"),
    }
)
REQUIRED = frozenset(FILES)

RAPID_ANTIGEN_TEST = "LP217198-3"  # LOINC, in covid-19-lab-test-type


@dataclass(frozen=True, slots=True)
class ValueSet:
    id: str  # valueSetId
    date: date  # valueSetDate: when the EU last changed this list
    codes: frozenset[str]  # every code in the list, active or retired
    retired: frozenset[str] = frozenset()  # "active": false: no longer issued, still valid

    def __contains__(self, code: object) -> bool:
        return code in self.codes


@dataclass(frozen=True, slots=True)
class CodedField:
    entry: str  # "v", "t" or "r": the certificate's entry list
    field: str  # the key inside the entry
    name: str  # stable key for the words the verifier shows ("vaccine-product", ...)
    value_set: str  # the valueSetId its code must be in
    only_for_test_type: str | None = None  # check only when the entry's "tt" is this


#: every coded field, in the order the verifier checks them (the first refusal is reported)
CODED_FIELDS: tuple[CodedField, ...] = (
    CodedField("v", "tg", "disease", DISEASE),
    CodedField("v", "vp", "vaccine-type", VACCINE_TYPE),
    CodedField("v", "mp", "vaccine-product", VACCINE_PRODUCT),
    CodedField("v", "ma", "vaccine-maker", VACCINE_MAKER),
    CodedField("v", "co", "country", COUNTRY),
    CodedField("t", "tg", "disease", DISEASE),
    CodedField("t", "tt", "test-type", TEST_TYPE),
    CodedField("t", "tr", "test-result", TEST_RESULT),
    CodedField("t", "ma", "test-device", TEST_DEVICE, only_for_test_type=RAPID_ANTIGEN_TEST),
    CodedField("t", "co", "country", COUNTRY),
    CodedField("r", "tg", "disease", DISEASE),
    CodedField("r", "co", "country", COUNTRY),
)
_FIELDS_BY_ENTRY = {
    entry: tuple(f for f in CODED_FIELDS if f.entry == entry) for entry in ("v", "t", "r")
}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A coded field whose value is not in its list."""

    path: str  # where in the payload, as the schema step reports it: "v/0/mp"
    name: str  # CodedField.name
    value: str  # the value as found (not a str in the payload: its JSON text)
    value_set: ValueSet


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity: which one is in force
class ValueSets:
    """One complete, immutable snapshot: every list of :data:`REQUIRED`, by valueSetId.

    Building one checks it; a :class:`ValueSetError` means there is no snapshot at all.
    """

    sets: Mapping[str, ValueSet]
    source: str = ""  # where it came from, for logs and check-config

    def __post_init__(self) -> None:
        sets = dict(self.sets)
        for key, value_set in sets.items():
            if not isinstance(value_set, ValueSet) or value_set.id != key:
                raise ValueSetError(None, f"value set under {key!r} is not the list {key!r}")
        missing = sorted(REQUIRED - sets.keys())
        if missing:
            raise ValueSetError(None, f"incomplete snapshot: no {', '.join(missing)}")
        # A private copy behind a read-only view: the caller's dict cannot change it later.
        object.__setattr__(self, "sets", MappingProxyType(sets))

    @classmethod
    def of(cls, sets: Iterable[ValueSet], source: str = "") -> ValueSets:
        """A snapshot of ``sets``; two lists with one valueSetId are an error, not a choice."""
        by_id: dict[str, ValueSet] = {}
        for value_set in sets:
            if value_set.id in by_id:
                raise ValueSetError(None, f"two lists named {value_set.id}")
            by_id[value_set.id] = value_set
        return cls(by_id, source)

    def replacing(self, *sets: ValueSet, source: str | None = None) -> ValueSets:
        """This snapshot with ``sets`` put in place of the lists of the same valueSetId."""
        return ValueSets(
            {**self.sets, **{s.id: s for s in sets}},
            self.source if source is None else source,
        )

    @property
    def dates(self) -> tuple[date, date]:
        """The oldest and the newest valueSetDate."""
        days = sorted(s.date for s in self.sets.values())
        return days[0], days[-1]

    def describe(self) -> str:
        oldest, newest = self.dates
        where = f" from {self.source}" if self.source else ""
        return f"{len(self.sets)} EU value sets{where}, dated {oldest} to {newest}"

    def first_mismatch(self, dcc: Mapping[str, Any]) -> Mismatch | None:
        """The first coded field of ``dcc`` whose value is not in its list; None: all are."""
        for entry_key, fields in _FIELDS_BY_ENTRY.items():
            entries = dcc.get(entry_key)
            if not isinstance(entries, list):
                continue
            for n, entry in enumerate(entries):
                if not isinstance(entry, Mapping):
                    continue
                for coded in fields:
                    if coded.field not in entry:
                        continue  # optional fields are the schema's business
                    if (
                        coded.only_for_test_type is not None
                        and entry.get("tt") != coded.only_for_test_type
                    ):
                        continue
                    value = entry[coded.field]
                    value_set = self.sets[coded.value_set]
                    if not isinstance(value, str) or value not in value_set:
                        shown = value if isinstance(value, str) else json.dumps(value)
                        path = f"{entry_key}/{n}/{coded.field}"
                        return Mismatch(path, coded.name, shown[:200], value_set)
        return None


def parse_value_set(doc: object, path: Path | None = None) -> ValueSet:
    """One list from its EU JSON form (already parsed); :class:`ValueSetError` if malformed."""
    if not isinstance(doc, dict):
        raise ValueSetError(path, "not a value set: expected a JSON object")
    set_id, day, values = doc.get("valueSetId"), doc.get("valueSetDate"), doc.get("valueSetValues")
    if not isinstance(set_id, str) or not set_id:
        raise ValueSetError(path, "not a value set: no valueSetId")
    if not isinstance(day, str):
        raise ValueSetError(path, f"{set_id}: no valueSetDate")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise ValueSetError(path, f"{set_id}: valueSetDate {day[:40]!r} is not a date") from None
    if not isinstance(values, dict) or not values:
        raise ValueSetError(path, f"{set_id}: valueSetValues must be a non-empty object")
    retired = set()
    for code, about in values.items():
        if not code or not isinstance(about, dict):
            raise ValueSetError(path, f"{set_id}: code {code[:40]!r} is not described by an object")
        active = about.get("active", True)
        if not isinstance(active, bool):
            raise ValueSetError(path, f"{set_id}: code {code[:40]!r}: active must be true or false")
        if not active:
            retired.add(code)
    return ValueSet(set_id, when, frozenset(values), frozenset(retired))


def load_value_set_file(path: Path, expected_id: str | None = None) -> ValueSet:
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise ValueSetError(path, exc.strerror or "cannot read") from exc
    except ValueError as exc:
        raise ValueSetError(path, f"not JSON: {exc}") from exc
    value_set = parse_value_set(doc, path)
    if expected_id is not None and value_set.id != expected_id:
        raise ValueSetError(path, f"holds the list {value_set.id}, expected {expected_id}")
    return value_set


def load_value_sets(directory: Path) -> ValueSets:
    """The snapshot in ``directory`` (the EU's file names, :data:`FILES`; other files ignored).

    Raises :class:`ValueSetError` naming the file that is missing or cannot be used.
    """
    if not directory.is_dir():
        raise ValueSetError(directory, "not a directory of value-set files")
    sets = []
    for set_id, names in FILES.items():
        found = next((directory / n for n in names if (directory / n).is_file()), None)
        if found is None:
            raise ValueSetError(directory / names[0], f"missing: the list {set_id}")
        sets.append(load_value_set_file(found, set_id))
    return ValueSets.of(sets, source=str(directory))
