"""Signing and checking, written once for everything the system signs.

- :mod:`edge.crypto.jws`: compact JWS (RFC 7515) with EdDSA and ES256: community passes,
  status lists, policies and everything the centre distributes.
- :mod:`edge.crypto.ecdsa`: ECDSA signatures between the raw ``r || s`` that JWS and COSE
  prescribe and the DER that ``cryptography`` speaks.

Like :mod:`edge.core`, this package depends on no part of the system.
"""
