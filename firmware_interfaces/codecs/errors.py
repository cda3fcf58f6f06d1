"""Errors of the codecs package.

Decoders never raise on device input (bad bytes become counted ``FrameRejected`` events). These
errors are for the people and programs that configure codecs or drive encoders: a bad option in
the gateway config, or an encoder asked to send an event its device cannot.
"""

from __future__ import annotations


class CodecError(Exception):
    """Base of every error the codecs package raises."""


class CodecOptionError(CodecError):
    """A codec option that is unknown or has a value the codec cannot use."""

    def __init__(self, protocol: str, option: str, reason: str) -> None:
        super().__init__(f"{protocol}: option {option!r}: {reason}")
        self.protocol = protocol
        self.option = option
        self.reason = reason


class UnknownProtocolError(CodecError):
    def __init__(self, protocol: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown device protocol {protocol!r} (known: {', '.join(known)})")
        self.protocol = protocol
        self.known = known


class UnencodableEventError(CodecError):
    """An encoder was asked for an event its device never sends, or a value it cannot carry."""

    def __init__(self, protocol: str, event: object, reason: str) -> None:
        super().__init__(f"{protocol}: cannot encode {event!r}: {reason}")
        self.protocol = protocol
        self.event = event
        self.reason = reason
