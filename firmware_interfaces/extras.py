"""The optional parts of the install ("extras") and the message when one is missing.

A checkpoint-only Pi gateway installs the base package; a camera, Modbus devices or the central
monitor's PostgreSQL storage each need an extra (see pyproject.toml). Their modules import the
extra's packages only when the configuration asks for that part, and a missing package becomes
:class:`MissingExtraError`, whose message says what to install, instead of a bare ImportError.
"""

from __future__ import annotations

DISTRIBUTION = "community-checkpoint-gateway"

#: extra -> what needs it, in words (the start of the message)
NEEDED_BY: dict[str, str] = {
    "camera": "the camera needs",
    "modbus": "Modbus devices need",
    "monitor": "PostgreSQL storage needs",
    "demo": "the demo needs",
}

MESSAGE = "{needed_by} the '{extra}' extra: pip install '{distribution}[{extra}]'"


class MissingExtraError(ImportError):
    """A configured part whose extra is not installed; ``str()`` says what to install."""

    def __init__(self, extra: str, missing: str | None = None) -> None:
        self.extra = extra
        self.missing = missing  # the module that could not be imported
        message = MESSAGE.format(needed_by=NEEDED_BY[extra], extra=extra, distribution=DISTRIBUTION)
        if missing:
            message += f" (no module named {missing!r})"
        super().__init__(message, name=missing)


def missing_extra(extra: str, error: ModuleNotFoundError) -> MissingExtraError:
    """The error to raise ``from`` an import of one of ``extra``'s packages that failed."""
    return MissingExtraError(extra, error.name)
