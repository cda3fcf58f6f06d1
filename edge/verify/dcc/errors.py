"""The EU DCC exception family.

Set-up raises these (a trust list or schema that cannot be loaded). Decoding steps raise
:class:`DecodeError` internally; the verifier turns it into a verdict, so a scanned code never
raises out of :meth:`DccVerifier.verify`.
"""

from __future__ import annotations

from pathlib import Path


class DccError(Exception):
    """Base of every EU DCC error."""


class DecodeError(DccError):
    """One step of the HC1 chain failed; ``step`` names it, ``why`` is for logs, not people."""

    def __init__(self, step: str, why: str) -> None:
        self.step = step
        self.why = why
        super().__init__(f"{step}: {why}")


class TrustListError(DccError):
    """A trust-list file that cannot be used; the list in force (if any) stays."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)


class SchemaError(DccError):
    """The DCC JSON schema file cannot be loaded."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)


class ValueSetError(DccError):
    """A value-set file or snapshot that cannot be used; the snapshot in force (if any) stays."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)
