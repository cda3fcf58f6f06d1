"""The DCC JSON schema (1.3.3) check.

The packaged ``DCC.combined-schema.json`` is a copy of ehn-dcc-development/eu-dcc-schema,
Apache-2.0 (licence text beside it, ``DCC.combined-schema.LICENSE``), shipped so that a gateway
without the project's ``shared/`` folder still validates payloads. ``DccSettings.schema_path``
points elsewhere when a newer schema is wanted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as JsonSchemaError

from edge.verify.dcc.errors import SchemaError

PACKAGED_SCHEMA = Path(__file__).with_name("DCC.combined-schema.json")


class DccSchema:
    """A compiled DCC schema; :meth:`problems` never raises on any payload."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or PACKAGED_SCHEMA
        try:
            schema = json.loads(self.path.read_bytes())
            Draft202012Validator.check_schema(schema)
        except OSError as exc:
            raise SchemaError(self.path, exc.strerror or "cannot read") from exc
        except (ValueError, JsonSchemaError) as exc:
            raise SchemaError(self.path, f"not a JSON schema: {str(exc)[:200]}") from exc
        self.version = str(schema.get("$comment", "")).removeprefix("Schema version ")
        self._validator = Draft202012Validator(schema)

    def problems(self, payload: Any) -> list[str]:
        """Where ``payload`` breaks the schema (JSON paths only: messages would quote data)."""
        try:
            return [
                "/".join(str(p) for p in error.absolute_path) or "(root)"
                for error in self._validator.iter_errors(payload)
            ]
        except Exception as exc:  # a pathological payload must not take the lane down
            return [f"schema check failed: {type(exc).__name__}"]
