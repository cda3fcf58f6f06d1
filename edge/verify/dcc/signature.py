"""COSE_Sign1 signature check with ES256 or PS256, and the DSC's key-usage limits."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from edge.crypto.ecdsa import verify_p256
from edge.verify.dcc.chain import ALG_ES256, ALG_PS256, CoseSign1

#: certificate type ("v", "t", "r") -> the EKU OIDs that allow a DSC to sign it
KEY_USAGE_OIDS: dict[str, frozenset[str]] = {
    "t": frozenset({"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"}),
    "v": frozenset({"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"}),
    "r": frozenset({"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"}),
}
_ALL_DCC_OIDS = frozenset().union(*KEY_USAGE_OIDS.values())

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def signature_ok(cose: CoseSign1, key: object) -> bool:
    """True when ``cose`` is signed by ``key`` with the algorithm its header names."""
    data = cose.to_be_signed()
    try:
        if cose.alg == ALG_ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            return verify_p256(key, cose.signature, data)
        if cose.alg == ALG_PS256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(
                cose.signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def allowed_types(cert: x509.Certificate) -> frozenset[str]:
    """The certificate types a DSC may sign; a DSC with no DCC key-usage OID may sign any."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        oids = {oid.dotted_string for oid in eku}
    except (x509.ExtensionNotFound, ValueError):
        oids = set()
    if not oids & _ALL_DCC_OIDS:
        return frozenset(KEY_USAGE_OIDS)
    return frozenset(t for t, allowed in KEY_USAGE_OIDS.items() if oids & allowed)


def certificate_types(dcc: dict[str, object]) -> frozenset[str]:
    """Which of v/t/r a payload carries (a valid one carries exactly one)."""
    return frozenset(t for t in KEY_USAGE_OIDS if dcc.get(t))
