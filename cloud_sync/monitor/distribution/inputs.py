"""The files people publish from, read and checked before anything is signed.

- a status list: CSV (``pass_id,colour`` per line; a header, blank lines and ``#`` comments are
  skipped) or JSON (``{"entries": {id: colour}}``, ``{id: colour}`` or a list of
  ``{"pass_id", "colour"}``); a colour is green, yellow, red or revoked, and in a list of
  changes ``remove`` takes a pass off the list;
- signer certificates: the EU trust list (JSON: a list of ``{"kid", "country", "rawData"}``, as
  the EU gateway exports it, or ``{"certificates": [...]}``) or PEM files;
- value sets: the EU's JSON files (a file each, or folders of them);
- a policy: JSON or TOML, checked against the gateway's own policy model.

Every problem is an :class:`InputError` naming the file (and line) and saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import tomllib
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from cloud_sync.distribution.content import (
    COLOURS,
    PASS_ID,
    Certificate,
    certificate,
    value_set,
)
from cloud_sync.distribution.errors import ContentError
from edge.rules.policy import Policy

REMOVE = "remove"
_HEADER_WORDS = {"pass_id", "pass", "id", "colour", "color", "status", "state"}


class InputError(Exception):
    """A file that cannot be published; the text names it and says why."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or 'cannot read'}") from None


def _json(path: Path) -> Any:
    try:
        return json.loads(_read(path))
    except ValueError as exc:
        raise InputError(f"{path}: not JSON: {exc}") from None


# -- status list --------------------------------------------------------------------------------
def status_changes(path: Path, *, allow_remove: bool) -> tuple[dict[str, str], list[str]]:
    """Pass id -> colour, and the pass ids to take off (``remove``), from CSV or JSON."""
    return status_changes_of(_read(path), path, allow_remove=allow_remove)


def status_changes_of(
    data: bytes, source: Path | str, *, allow_remove: bool
) -> tuple[dict[str, str], list[str]]:
    """:func:`status_changes` of text already read (a form); JSON when it looks like JSON."""
    name = Path(str(source))
    if name.suffix.lower() == ".json" or data.lstrip()[:1] in (b"{", b"["):
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise InputError(f"{source}: not JSON: {exc}") from None
        pairs = _json_pairs(doc, name)
    else:
        pairs = _csv_pairs(data, name)
    changes: dict[str, str] = {}
    removed: list[str] = []
    for where, pass_id, colour in pairs:
        if PASS_ID.fullmatch(pass_id) is None:
            raise InputError(
                f"{where}: {pass_id[:40]!r} is not a pass id (1-128 of A-Z a-z 0-9 . _ : @ -)"
            )
        colour = colour.strip().lower()
        if colour == REMOVE and allow_remove:
            removed.append(pass_id)
            changes.pop(pass_id, None)
        elif colour in COLOURS:
            changes[pass_id] = COLOURS[colour]
        else:
            allowed = "green, yellow, red, revoked" + (" or remove" if allow_remove else "")
            raise InputError(f"{where}: {colour[:20]!r} is not a colour ({allowed})")
    return changes, removed


def _csv_pairs(data: bytes, path: Path) -> list[tuple[str, str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    dialect = "excel"
    sample = text[:4096]
    if sample.count(";") > sample.count(","):
        dialect = "excel-semicolon"
        csv.register_dialect(dialect, delimiter=";")
    pairs = []
    for n, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and {c.lower() for c in cells[:2]} <= _HEADER_WORDS:
            continue
        if len(cells) < 2:
            raise InputError(f"{path}:{n}: expected pass_id,colour")
        pairs.append((f"{path}:{n}", cells[0], cells[1]))
    return pairs


def _json_pairs(doc: Any, path: Path) -> list[tuple[str, str, str]]:
    if isinstance(doc, dict) and isinstance(doc.get("entries"), dict):
        doc = doc["entries"]
    if isinstance(doc, dict):
        return [(f"{path}: {k!r}", str(k), str(v)) for k, v in doc.items()]
    if isinstance(doc, list):
        pairs = []
        for n, entry in enumerate(doc):
            if not isinstance(entry, dict):
                raise InputError(f"{path}: entry {n} is not an object")
            pass_id = entry.get("pass_id", entry.get("id"))
            colour = entry.get("colour", entry.get("color", entry.get("status")))
            if not isinstance(pass_id, str) or not isinstance(colour, str):
                raise InputError(f"{path}: entry {n}: expected pass_id and colour")
            pairs.append((f"{path}: entry {n}", pass_id, colour))
        return pairs
    raise InputError(f'{path}: expected {{pass id: colour}}, {{"entries": ...}} or a list')


# -- signer certificates ------------------------------------------------------------------------
def certificates(paths: list[Path]) -> tuple[Certificate, ...]:
    """Every DSC in ``paths`` (EU trust-list JSON or PEM), each parsed as X.509 first."""
    return certificates_of([(path, _read(path)) for path in paths])


def certificates_of(files: list[tuple[Path, bytes]]) -> tuple[Certificate, ...]:
    """:func:`certificates` of files already read; JSON when it looks like JSON, else PEM."""
    found: list[Certificate] = []
    for path, data in files:
        if path.suffix.lower() == ".json" or data.lstrip()[:1] in (b"{", b"["):
            try:
                doc = json.loads(data)
            except ValueError as exc:
                raise InputError(f"{path}: not JSON: {exc}") from None
            found.extend(_trust_list(doc, path))
        else:
            found.extend(_pem(data, path))
    if not found:
        raise InputError("no signer certificate in " + ", ".join(str(p) for p, _ in files))
    return tuple(found)


def _trust_list(doc: Any, path: Path) -> list[Certificate]:
    if isinstance(doc, dict) and isinstance(doc.get("certificates"), list):
        doc = doc["certificates"]
    if not isinstance(doc, list):
        raise InputError(f"{path}: expected the EU trust list (a list of certificates)")
    out = []
    for n, entry in enumerate(doc):
        if not isinstance(entry, dict):
            raise InputError(f"{path}: entry {n} is not an object")
        kind = entry.get("certificateType")
        if kind is not None and kind != "DSC":
            continue  # the EU list also carries upload and CSCA certificates
        raw = entry.get("rawData", entry.get("certificate"))
        if not isinstance(raw, str):
            raise InputError(f"{path}: entry {n}: no rawData")
        try:
            der = base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise InputError(f"{path}: entry {n}: rawData is not base64") from None
        _x509(der, f"{path}: entry {n}")
        kid = entry.get("kid")
        kid_text = kid if isinstance(kid, str) and kid else _kid_of(der)
        country = entry.get("country", "")
        try:
            out.append(
                certificate(
                    {
                        "kid": kid_text,
                        "country": country if isinstance(country, str) else "",
                        "certificate": base64.b64encode(der).decode(),
                    },
                    f"{path}: entry {n}",
                )
            )
        except ContentError as exc:
            raise InputError(str(exc)) from None
    return out


def _pem(data: bytes, path: Path) -> list[Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise InputError(f"{path}: no PEM certificate: {exc}") from None
    out = []
    for cert in certs:
        der = cert.public_bytes(serialization.Encoding.DER)
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
        country = str(names[0].value) if names else ""
        out.append(Certificate(_kid_of(der), country if len(country) == 2 else "", der))
    return out


def _x509(der: bytes, where: str) -> None:
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise InputError(f"{where}: not an X.509 certificate: {exc}") from None


def _kid_of(der: bytes) -> str:
    """The EU's key id: the first 8 bytes of the certificate's SHA-256, base64."""
    return base64.b64encode(hashlib.sha256(der).digest()[:8]).decode()


# -- value sets ---------------------------------------------------------------------------------
def value_sets(paths: list[Path]) -> list[dict[str, Any]]:
    """The EU value-set documents in ``paths`` (files, or folders of ``*.json``)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return value_sets_of([(file, _json(file)) for file in files])


def value_sets_of(docs_in: list[tuple[Path | str, Any]]) -> list[dict[str, Any]]:
    """:func:`value_sets` of documents already parsed, named for the messages."""
    docs: dict[str, dict[str, Any]] = {}
    for file, doc in docs_in:
        try:
            set_id, _ = value_set(doc, str(file))
        except ContentError as exc:
            raise InputError(str(exc)) from None
        if set_id in docs:
            raise InputError(f"{file}: a second file for the value set {set_id}")
        docs[set_id] = doc
    if not docs:
        raise InputError("no value set in " + ", ".join(str(f) for f, _ in docs_in))
    return list(docs.values())


# -- policy -------------------------------------------------------------------------------------
def policy(path: Path) -> dict[str, Any]:
    """A policy file, checked as the gateway will check it."""
    data = _read(path)
    try:
        doc = tomllib.loads(data.decode()) if path.suffix == ".toml" else json.loads(data)
    except (ValueError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise InputError(f"{path}: not valid {kind}: {exc}") from None
    return policy_of(doc, path)


def policy_of(doc: Any, path: Path | str) -> dict[str, Any]:
    """A policy already parsed, checked as the gateway will check it."""
    if not isinstance(doc, dict):
        raise InputError(f"{path}: a policy is an object of settings")
    try:
        Policy.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'policy'}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"{path}: not a valid policy: {problems}") from None
    return doc
