"""The trust list: document signer certificates (DSCs) by kid, replaceable while running.

Sources: JSON files (a list of ``{"kid": b64, "country": "DE", "certificate": b64 DER}``; the
gateway-export spelling ``rawData`` is accepted for ``certificate``, and a missing kid is the
first 8 bytes of the certificate's SHA-256) and PEM files (one or more certificates each).
:meth:`TrustList.reload` builds a new index and swaps it in one assignment, so a verification
running concurrently sees either the old list or the new one, never half of each; a file that
fails to load leaves the old list in force.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edge.verify.dcc.errors import TrustListError
from edge.verify.dcc.signature import allowed_types


@dataclass(frozen=True, slots=True)
class Dsc:
    kid: bytes
    country: str
    certificate: x509.Certificate
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime
    allowed_types: frozenset[str]

    @classmethod
    def from_der(cls, der: bytes, *, kid: bytes | None = None, country: str = "") -> Dsc:
        """Raises :class:`TrustListError` when ``der`` is not a usable certificate."""
        try:
            cert = x509.load_der_x509_certificate(der)
            key = cert.public_key()
        except (ValueError, TypeError) as exc:
            raise TrustListError(None, f"certificate does not parse: {exc}") from exc
        return cls.from_certificate(cert, key, kid=kid, country=country)

    @classmethod
    def from_certificate(
        cls, cert: x509.Certificate, key: object, *, kid: bytes | None, country: str
    ) -> Dsc:
        if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise TrustListError(None, "certificate key is neither EC nor RSA")
        if kid is None:
            kid = cert.fingerprint(hashes.SHA256())[:8]
        if not country:
            names = cert.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
            country = str(names[0].value) if names else ""
        return cls(
            kid=kid,
            country=country,
            certificate=cert,
            public_key=key,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            allowed_types=allowed_types(cert),
        )

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after


def _index(dscs: Iterable[Dsc]) -> dict[bytes, tuple[Dsc, ...]]:
    index: dict[bytes, list[Dsc]] = {}
    for dsc in dscs:
        index.setdefault(dsc.kid, []).append(dsc)
    return {kid: tuple(found) for kid, found in index.items()}


def load_json_file(path: Path) -> list[Dsc]:
    try:
        entries = json.loads(path.read_bytes())
    except OSError as exc:
        raise TrustListError(path, exc.strerror or "cannot read") from exc
    except ValueError as exc:
        raise TrustListError(path, f"not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise TrustListError(path, "not a JSON list of certificates")
    dscs = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise TrustListError(path, f"entry {n} is not an object")
        raw = entry.get("certificate", entry.get("rawData"))
        kid_text = entry.get("kid")
        country = entry.get("country", "")
        if not isinstance(raw, str) or not isinstance(country, str):
            raise TrustListError(path, f"entry {n}: certificate and country must be strings")
        try:
            der = base64.b64decode(raw, validate=True)
            kid = base64.b64decode(kid_text, validate=True) if isinstance(kid_text, str) else None
        except binascii.Error as exc:
            raise TrustListError(path, f"entry {n}: bad base64") from exc
        try:
            dscs.append(Dsc.from_der(der, kid=kid, country=country))
        except TrustListError as exc:
            raise TrustListError(path, f"entry {n}: {exc.reason}") from exc
    return dscs


def load_pem_file(path: Path) -> list[Dsc]:
    try:
        certs = x509.load_pem_x509_certificates(path.read_bytes())
    except OSError as exc:
        raise TrustListError(path, exc.strerror or "cannot read") from exc
    except ValueError as exc:
        raise TrustListError(path, f"no PEM certificate: {exc}") from exc
    try:
        return [Dsc.from_certificate(c, c.public_key(), kid=None, country="") for c in certs]
    except (TrustListError, ValueError, TypeError) as exc:
        raise TrustListError(path, str(exc)) from exc


def load_file(path: Path) -> list[Dsc]:
    return load_json_file(path) if path.suffix.lower() == ".json" else load_pem_file(path)


class TrustList:
    """DSCs by kid. Built from files (``paths``) and/or given DSCs; ``reload()`` re-reads files."""

    def __init__(self, paths: Sequence[Path] = (), dscs: Iterable[Dsc] = ()) -> None:
        self.paths = tuple(paths)
        self._extra = tuple(dscs)
        self._index: dict[bytes, tuple[Dsc, ...]] = {}
        self._stamp: tuple[tuple[int, int], ...] = ()
        self.reload()

    def __len__(self) -> int:
        return sum(len(found) for found in self._index.values())

    def lookup(self, kid: bytes) -> tuple[Dsc, ...]:
        return self._index.get(kid, ())

    def replace(self, dscs: Iterable[Dsc]) -> None:
        """Put ``dscs`` (plus the files' DSCs) in force at once."""
        self._extra = tuple(dscs)
        self.reload()

    def reload(self) -> None:
        """Re-read every file; on :class:`TrustListError` the old list stays in force."""
        stamp = self._file_stamp()
        loaded = [dsc for path in self.paths for dsc in load_file(path)]
        self._index = _index([*loaded, *self._extra])  # one assignment: the atomic swap
        self._stamp = stamp

    def reload_if_changed(self) -> bool:
        """Reload when any file's mtime or size changed; True when it did."""
        if self._file_stamp() == self._stamp:
            return False
        self.reload()
        return True

    def _file_stamp(self) -> tuple[tuple[int, int], ...]:
        stamps = []
        for path in self.paths:
            try:
                st = path.stat()
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append((-1, -1))
        return tuple(stamps)
