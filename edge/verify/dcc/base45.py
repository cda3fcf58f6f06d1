"""Base45 (RFC 9285) decoding, strict: a wrong character, length or group value is an error."""

from __future__ import annotations

from edge.verify.dcc.errors import DecodeError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}


def b45decode(text: str) -> bytes:
    """Bytes of ``text``; raises :class:`DecodeError` (step ``base45``) on anything not Base45."""
    if len(text) % 3 == 1:
        raise DecodeError("base45", f"length {len(text)} leaves a lone character")
    try:
        values = [_VALUES[ch] for ch in text]
    except KeyError as exc:
        raise DecodeError("base45", "character outside the Base45 alphabet") from exc
    out = bytearray()
    for i in range(0, len(values) - 2, 3):
        c, d, e = values[i : i + 3]
        n = c + d * 45 + e * 45 * 45
        if n > 0xFFFF:
            raise DecodeError("base45", f"group at {i} overflows two bytes")
        out += n.to_bytes(2, "big")
    if len(values) % 3 == 2:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise DecodeError("base45", "final pair overflows one byte")
        out.append(n)
    return bytes(out)


def b45encode(data: bytes) -> str:
    """Base45 text of ``data`` (for tests, the benchmark and issuing tools)."""
    chars: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        chars += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        chars += (ALPHABET[c], ALPHABET[d])
    return "".join(chars)
