"""EU Digital COVID Certificate (``HC1:``) verification, offline.

Names are loaded on first use (PEP 562), so that importing the settings for a gateway that does
not accept EU certificates does not load the CBOR and JSON-schema stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.verify.dcc.errors import (
        DccError,
        DecodeError,
        SchemaError,
        TrustListError,
        ValueSetError,
    )
    from edge.verify.dcc.rules import DccRules
    from edge.verify.dcc.schema import DccSchema
    from edge.verify.dcc.settings import DccSettings, build_verifier
    from edge.verify.dcc.trust import Dsc, TrustList
    from edge.verify.dcc.valuesets import ValueSet, ValueSets, load_value_sets
    from edge.verify.dcc.verifier import CODE_TYPE, DccVerifier

_WHERE = {
    "CODE_TYPE": "verifier",
    "DccError": "errors",
    "DccRules": "rules",
    "DccSchema": "schema",
    "DccSettings": "settings",
    "DccVerifier": "verifier",
    "DecodeError": "errors",
    "Dsc": "trust",
    "SchemaError": "errors",
    "TrustList": "trust",
    "TrustListError": "errors",
    "ValueSet": "valuesets",
    "ValueSetError": "errors",
    "ValueSets": "valuesets",
    "build_verifier": "settings",
    "load_value_sets": "valuesets",
}

__all__ = [
    "CODE_TYPE",
    "DccError",
    "DccRules",
    "DccSchema",
    "DccSettings",
    "DccVerifier",
    "DecodeError",
    "Dsc",
    "SchemaError",
    "TrustList",
    "TrustListError",
    "ValueSet",
    "ValueSetError",
    "ValueSets",
    "build_verifier",
    "load_value_sets",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
