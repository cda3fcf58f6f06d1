"""Building a codec's options from a config mapping, with errors that name the option."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from firmware_interfaces.codecs.errors import CodecOptionError

T = TypeVar("T")
Converter = Callable[[object], Any]


def build_options(
    protocol: str,
    cls: Callable[..., T],
    mapping: Mapping[str, object],
    converters: Mapping[str, Converter],
) -> T:
    kwargs: dict[str, Any] = {}
    for key, value in mapping.items():
        convert = converters.get(key)
        if convert is None:
            known = ", ".join(sorted(converters)) or "none"
            raise CodecOptionError(protocol, key, f"unknown option (known: {known})")
        try:
            kwargs[key] = convert(value)
        except (TypeError, ValueError) as exc:
            raise CodecOptionError(protocol, key, str(exc)) from None
    return cls(**kwargs)


def as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def as_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def as_optional_float(value: object) -> float | None:
    return None if value is None else as_float(value)


def as_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def as_bytes(value: object) -> bytes:
    """Config text as the bytes the device sends (UTF-8), or bytes as they are."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"expected text, got {value!r}")


LINE_ENDINGS: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}


def as_line_ending(value: object) -> bytes:
    """``"CR"``, ``"LF"`` or ``"CRLF"`` (any case) as bytes; the bytes themselves also do."""
    if isinstance(value, bytes) and value in LINE_ENDINGS.values():
        return value
    if isinstance(value, str) and value.upper() in LINE_ENDINGS:
        return LINE_ENDINGS[value.upper()]
    raise ValueError(f"expected one of CR, LF, CRLF, got {value!r}")
