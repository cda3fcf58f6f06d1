"""``DccSettings``: the ``[verifiers.eu_dcc]`` section of the gateway config.

```toml
[verifiers.eu_dcc]
trust_lists = ["dcc-trust.json", "dsc/"]   # JSON lists and/or PEM files (a directory: its files)
schema_path = "DCC.combined-schema.json"     # optional; default: the copy shipped in the package
value_sets = "dcc-valuesets/"                # the EU value sets; unset: coded fields unchecked
max_inflated_bytes = 65536
clock_skew_s = 300
trust_check_interval_s = 5                  # how often to look for a changed trust-list file

[verifiers.eu_dcc.rules]                     # every key optional; these are the defaults
vaccination_complete = "green"
vaccination_partial = "yellow"
vaccination_days = 365                       # default: no limit
recovery = "green"
recovery_days = 180
recovery_old = "red"
test_negative = "green"
test_hours = 72
test_old = "red"
test_positive = "red"
unrecognised = "yellow"
```
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from edge.verify.dcc.rules import DccRules

if TYPE_CHECKING:
    from edge.verify.dcc.verifier import DccVerifier

log = logging.getLogger(__name__)

#: what check-config and the start-up log say when no value sets are configured
NO_VALUE_SETS = (
    "EU DCC value sets: none configured, so vaccine, test, disease and country codes are NOT"
    " checked (set verifiers.eu_dcc.value_sets)"
)

log = logging.getLogger(__name__)

#: what check-config and the start-up log say when no value sets are configured
NO_VALUE_SETS = (
    "EU DCC value sets: none configured, so vaccine, test, disease and country codes are NOT"
    " checked (set verifiers.eu_dcc.value_sets)"
)


class DccSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: JSON trust lists and PEM files (a directory means every .json/.pem/.crt in it). No
    #: default: a gateway must be told whose signatures to trust.
    trust_lists: list[Path] = Field(min_length=1)
    #: the DCC JSON schema; None: the copy shipped in edge/verify/dcc/
    schema_path: Path | None = None
    #: a directory of the EU value-set files (the initial snapshot; later ones come from the
    #: centre at run time). None: coded fields are not checked, and check-config says so.
    value_sets: Path | None = None
    rules: DccRules = DccRules()
    #: a QR code holds ~3 kB; refuse anything that inflates past this
    max_inflated_bytes: int = Field(64 * 1024, ge=1024, le=4 * 1024 * 1024)
    #: how far in the future a certificate's issue time may be (gateway clocks drift)
    clock_skew_s: float = Field(300.0, ge=0, le=3600)
    trust_check_interval_s: float = Field(5.0, gt=0, le=86400)

    def resolved(self, base_dir: Path) -> DccSettings:
        """These settings with relative paths taken relative to ``base_dir`` (the config's)."""
        return self.model_copy(
            update={
                "trust_lists": [base_dir / p for p in self.trust_lists],
                "schema_path": base_dir / self.schema_path if self.schema_path else None,
                "value_sets": base_dir / self.value_sets if self.value_sets else None,
            }
        )

    def trust_files(self) -> list[Path]:
        files: list[Path] = []
        for path in self.trust_lists:
            if path.is_dir():
                files += sorted(
                    p for p in path.iterdir() if p.suffix.lower() in (".json", ".pem", ".crt")
                )
            else:
                files.append(path)
        return files


def build_verifier(settings: DccSettings) -> DccVerifier:
    """Load trust list, schema and value sets once.

    Raises :class:`TrustListError` / :class:`SchemaError` / :class:`ValueSetError`.
    """
    # Imported here: the gateway's configuration names these settings whether or not it
    # accepts EU certificates, and the verifier's stack (CBOR, JSON schema) costs memory.
    from edge.verify.dcc.schema import DccSchema
    from edge.verify.dcc.trust import TrustList
    from edge.verify.dcc.valuesets import load_value_sets
    from edge.verify.dcc.verifier import DccVerifier

    value_sets = load_value_sets(settings.value_sets) if settings.value_sets else None
    if value_sets is None:
        log.warning(NO_VALUE_SETS)
    return DccVerifier(
        TrustList(settings.trust_files()),
        DccSchema(settings.schema_path),
        settings.rules,
        max_inflated_bytes=settings.max_inflated_bytes,
        clock_skew_s=settings.clock_skew_s,
        trust_check_interval_s=settings.trust_check_interval_s,
        value_sets=value_sets,
    )


def describe_value_sets(settings: DccSettings) -> str:
    """One line for check-config: the configured snapshot, or plainly that codes go unchecked.

    Raises :class:`ValueSetError` as :func:`build_verifier` does.
    """
    from edge.verify.dcc.valuesets import load_value_sets

    if settings.value_sets is None:
        return NO_VALUE_SETS
    return f"EU DCC value sets: {load_value_sets(settings.value_sets).describe()}"
