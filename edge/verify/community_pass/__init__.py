"""Community pass: a health code a community issues to each resident, verified offline.

QR text: ``CP1:`` followed by a compact JWS (RFC 7515), e.g.::

    CP1:eyJhbGciOiJFZERTQSIsImtpZCI6IndjLTIwMjYifQ.eyJqdGkiOi...In0.7wRq5wTKSQ...

* header ``{"alg": "EdDSA" | "ES256", "kid": KID}``; no other algorithm is accepted;
* payload ``{"jti": PASS_ID, "sub": RESIDENT_ID, "st": "green"|"yellow"|"red",
  "iat": EPOCH_S, "exp": EPOCH_S, "iss": ISSUER}``, compact JSON; ids are 1-128 of
  ``A-Z a-z 0-9 . _ : @ -``;
* signature: Ed25519, or ES256 as raw 64-byte ``r || s``; base64url without padding.

A pass is 250-300 characters with ids of a dozen or so characters, drawn in QR byte mode
(the base64url alphabet is outside QR's alphanumeric set) at error-correction level M: a
version 11-13 symbol (61-69 modules a side), which phones and 2D scanners read easily.
``CP1`` names the format version, so a later layout can live beside this one.

The colour can change after issue through a :class:`StatusList` (pass id -> colour or
revoked), optionally signed by the same keys. Gateways hold public keys only (a
:class:`KeyRing`); passes and status lists are signed where the private key lives
(``edge-gateway keygen``, ``edge-gateway issue-pass``).
"""

from edge.verify.community_pass.errors import (
    CommunityPassError,
    IssueError,
    KeyFileError,
    StatusListError,
    TokenFormatError,
)
from edge.verify.community_pass.issue import issue_pass, sign_status_list, write_qr_png
from edge.verify.community_pass.keys import (
    KeyRing,
    generate_keypair,
    keygen,
    load_private_key,
    public_jwk,
)
from edge.verify.community_pass.settings import CommunityPassSettings, build_verifier
from edge.verify.community_pass.status_list import PassState, StatusList
from edge.verify.community_pass.token import PREFIX, PassClaims
from edge.verify.community_pass.verifier import CODE_TYPE, CommunityPassVerifier

__all__ = [
    "CODE_TYPE",
    "PREFIX",
    "CommunityPassError",
    "CommunityPassSettings",
    "CommunityPassVerifier",
    "IssueError",
    "KeyFileError",
    "KeyRing",
    "PassClaims",
    "PassState",
    "StatusList",
    "StatusListError",
    "TokenFormatError",
    "build_verifier",
    "generate_keypair",
    "issue_pass",
    "keygen",
    "load_private_key",
    "public_jwk",
    "sign_status_list",
    "write_qr_png",
]
