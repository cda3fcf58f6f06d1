"""Make test DSCs and sign HC1 codes: for tests, the benchmark and the demo, never production.

Real DCCs are issued by national authorities; this exists so that the verifier can be exercised
end to end with keys we own (ES256 and PS256), in every COSE form it accepts.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any, Literal

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from edge.crypto.ecdsa import sign_p256
from edge.verify.dcc.base45 import b45encode
from edge.verify.dcc.chain import (
    ALG_ES256,
    ALG_PS256,
    CLAIM_EXP,
    CLAIM_HCERT,
    CLAIM_IAT,
    CLAIM_ISS,
    COSE_SIGN1_TAG,
    CWT_TAG,
    HEADER_ALG,
    HEADER_KID,
    PREFIX,
)
from edge.verify.dcc.signature import KEY_USAGE_OIDS

Alg = Literal["ES256", "PS256"]
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
Form = Literal["tag18", "untagged", "cwt61"]


def make_key(alg: Alg) -> SigningKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_dsc(
    key: SigningKey,
    *,
    country: str,
    not_before: datetime,
    not_after: datetime,
    types: str = "",
    legacy_oids: bool = False,
) -> x509.Certificate:
    """A self-signed DSC; ``types`` ("v", "tr", ...) adds those key-usage OIDs, "" none."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, f"DSC test {country}"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if types:
        oids = [
            x509.ObjectIdentifier(oid)
            for t in types
            for oid in sorted(KEY_USAGE_OIDS[t])
            if (".1.0.1847." in oid) == legacy_oids
        ]
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), critical=False)
    return builder.sign(key, hashes.SHA256())


def kid_of(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())[:8]


def sign_hc1(
    dcc: dict[str, Any],
    key: SigningKey,
    *,
    kid: bytes,
    issued_at: datetime,
    expires_at: datetime,
    issuer: str = "XX",
    form: Form = "tag18",
    kid_in_protected: bool = True,
) -> str:
    """The ``HC1:`` text of ``dcc`` signed with ``key``."""
    alg = ALG_ES256 if isinstance(key, ec.EllipticCurvePrivateKey) else ALG_PS256
    protected: dict[int, Any] = {HEADER_ALG: alg}
    unprotected: dict[int, Any] = {}
    (protected if kid_in_protected else unprotected)[HEADER_KID] = kid
    claims = {
        CLAIM_ISS: issuer,
        CLAIM_IAT: int(issued_at.timestamp()),
        CLAIM_EXP: int(expires_at.timestamp()),
        CLAIM_HCERT: {1: dcc},
    }
    return encode_cose(protected, unprotected, cbor2.dumps(claims), key, form=form)


def encode_cose(
    protected: dict[int, Any],
    unprotected: dict[int, Any],
    payload: bytes,
    key: SigningKey,
    *,
    form: Form = "tag18",
) -> str:
    protected_bytes = cbor2.dumps(protected)
    to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    signature = sign_bytes(key, to_sign)
    body: Any = [protected_bytes, unprotected, payload, signature]
    if form != "untagged":
        body = cbor2.CBORTag(COSE_SIGN1_TAG, body)
    if form == "cwt61":
        body = cbor2.CBORTag(CWT_TAG, body)
    return wrap(cbor2.dumps(body))


def sign_bytes(key: SigningKey, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return sign_p256(key, data)
    return key.sign(
        data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )


def wrap(cose: bytes) -> str:
    """COSE bytes -> ``HC1:`` text (zlib, Base45, prefix)."""
    return PREFIX + b45encode(zlib.compress(cose, 9))


def sample_dcc(
    kind: str = "v", *, when: datetime, ci: str = "URN:UVCI:01:XX:TEST0001"
) -> dict[str, Any]:
    """A schema-valid payload: vaccination 2/2 ("v"), negative PCR test ("t"), recovery ("r")."""
    day = when.date().isoformat()
    base: dict[str, Any] = {
        "ver": "1.3.0",
        "nam": {"fn": "Muster", "fnt": "MUSTER", "gn": "Erika", "gnt": "ERIKA"},
        "dob": "1964-08-12",
    }
    # Every code is in the EU value sets, so the sample passes a verifier that checks them.
    common = {"tg": "840539006", "co": "DE", "is": "Test issuer", "ci": ci}
    if kind == "v":
        base["v"] = [
            {
                **common,
                "vp": "1119349007",
                "mp": "EU/1/20/1528",
                "ma": "ORG-100030215",
                "dn": 2,
                "sd": 2,
                "dt": day,
            }
        ]
    elif kind == "t":
        base["t"] = [
            {
                **common,
                "tt": "LP6464-4",
                "nm": "PCR",
                "sc": (when - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tr": "260415000",
                "tc": "Test centre",
            }
        ]
    else:
        base["r"] = [
            {**common, "fr": day, "df": day, "du": (when + timedelta(days=170)).date().isoformat()}
        ]
    return base
