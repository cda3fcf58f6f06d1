"""EU Digital COVID Certificate (``HC1:``) verification, offline."""

from edge.verify.dcc.errors import DccError, DecodeError, SchemaError, TrustListError
from edge.verify.dcc.rules import DccRules
from edge.verify.dcc.schema import DccSchema
from edge.verify.dcc.settings import DccSettings, build_verifier
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.verifier import CODE_TYPE, DccVerifier

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
    "build_verifier",
]
