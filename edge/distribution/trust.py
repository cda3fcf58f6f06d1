"""Trust material from the centre -> the EU DCC verifier: signer certificates and value sets.

Certificates of every scope are put together (with those of the configured files); for value
sets the most specific scope's lists win, list by list, over the configured snapshot. Both are
built and checked first, then swapped in, each with one assignment.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cloud_sync.distribution.apply import ApplyError, Prepared
from cloud_sync.distribution.content import Trust
from cloud_sync.distribution.kinds import Kind, Scope
from edge.verify.dcc.errors import TrustListError, ValueSetError
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.valuesets import ValueSet, ValueSets, parse_value_set
from edge.verify.dcc.verifier import DccVerifier

NO_VERIFIER = "held; not used here: this gateway has no EU DCC verifier"
BAD_CERTIFICATE = "signer certificate {n} ({kid}): {reason}"
BAD_VALUE_SET = "value set {id}: {reason}"
IN_FORCE = "{certs} signer certificates, {sets}"


class TrustApplier:
    kind = Kind.TRUST

    def __init__(self, verifier: DccVerifier | None) -> None:
        self.verifier = verifier
        #: what the configuration gave: distributed lists replace these one by one
        self.configured_sets = verifier.value_sets if verifier is not None else None

    def prepare(self, values: Mapping[Scope, Any]) -> Prepared:
        verifier = self.verifier
        if verifier is None:
            return Prepared(install=lambda: None, summary=NO_VERIFIER)
        ordered: list[Trust] = [
            values[s] for s in sorted(values, key=lambda s: s.specificity) if values[s] is not None
        ]
        dscs = _certificates(ordered)
        value_sets = self._value_sets(ordered)
        try:  # the configured files too, read now: a bad file refuses here, not at install
            trust_list = TrustList(verifier.trust_list.paths, dscs)
        except TrustListError as exc:
            raise ApplyError(str(exc)) from None

        def install() -> None:
            verifier.trust_list = trust_list  # one assignment: a verification sees one list
            if value_sets is not None:
                verifier.replace_value_sets(value_sets)

        sets = value_sets.describe() if value_sets is not None else "no value sets"
        return Prepared(install=install, summary=IN_FORCE.format(certs=len(trust_list), sets=sets))

    def _value_sets(self, ordered: list[Trust]) -> ValueSets | None:
        chosen: dict[str, ValueSet] = {}
        for trust in ordered:  # least specific first: later ones win
            for set_id, doc in (trust.value_sets or {}).items():
                try:
                    chosen[set_id] = parse_value_set(dict(doc))
                except ValueSetError as exc:
                    raise ApplyError(BAD_VALUE_SET.format(id=set_id, reason=exc.reason)) from None
        if not chosen:
            return self.configured_sets
        try:
            if self.configured_sets is not None:
                return self.configured_sets.replacing(*chosen.values(), source="the centre")
            return ValueSets.of(chosen.values(), source="the centre")
        except ValueSetError as exc:
            raise ApplyError(BAD_VALUE_SET.format(id="snapshot", reason=exc.reason)) from None


def _certificates(ordered: list[Trust]) -> list[Dsc]:
    dscs: list[Dsc] = []
    seen: set[tuple[str, bytes]] = set()
    n = 0
    for trust in ordered:
        for cert in trust.certificates or ():
            n += 1
            if (cert.kid, cert.der) in seen:
                continue
            seen.add((cert.kid, cert.der))
            try:
                kid = base64.b64decode(cert.kid, validate=True)
                dscs.append(Dsc.from_der(cert.der, kid=kid or None, country=cert.country))
            except (TrustListError, binascii.Error) as exc:
                reason = getattr(exc, "reason", str(exc))
                raise ApplyError(BAD_CERTIFICATE.format(n=n, kid=cert.kid, reason=reason)) from None
    return dscs
