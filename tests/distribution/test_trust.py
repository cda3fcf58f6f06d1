"""Trust material through distribution into the real EU DCC verifier: signer certificates and
value sets arrive, are checked, swapped in, and what they refuse is refused; a bad certificate
is refused as a whole and the trust in force stays."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.kinds import Kind, Scope
from edge.distribution.trust import TrustApplier
from edge.verify.dcc import issue
from edge.verify.dcc.trust import TrustList
from edge.verify.dcc.valuesets import FILES, load_value_sets
from edge.verify.dcc.verifier import DccVerifier
from tests.ci import missing
from tests.dcc.cases import VALUE_SETS_DIR
from tests.distribution.conftest import World, wait_for

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
EVERYONE = Scope("all")


def value_set_docs() -> list[dict[str, object]]:
    docs = []
    for names in FILES.values():
        found = next(VALUE_SETS_DIR / n for n in names if (VALUE_SETS_DIR / n).is_file())
        docs.append(json.loads(found.read_text()))
    return docs


async def test_certificates_and_value_sets_come_in_force_and_a_bad_one_changes_nothing(
    world: World,
) -> None:
    if not VALUE_SETS_DIR.is_dir():
        missing(f"no EU value sets in {VALUE_SETS_DIR}")
    key = issue.make_key("ES256")
    cert = issue.make_dsc(
        key, country="XX", not_before=NOW - timedelta(days=30), not_after=NOW + timedelta(days=30)
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    code = issue.sign_hc1(
        issue.sample_dcc("v", when=NOW), key, kid=issue.kid_of(cert),
        issued_at=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=30),
    )  # fmt: skip
    dcc = DccVerifier(TrustList(), value_sets=load_value_sets(VALUE_SETS_DIR))
    assert dcc.verify(code, at=NOW).failed_step == "trust"  # nobody trusts that signer yet

    gate = world.gate()
    await gate.start()
    assert gate.service is not None and gate.service.receiver is not None
    gate.service.receiver.appliers[Kind.TRUST] = TrustApplier(dcc)  # a gateway with EU DCCs
    trust = CODECS[Kind.TRUST]
    kid = base64.b64encode(issue.kid_of(cert)).decode()
    signer = {"kid": kid, "country": "XX", "certificate": base64.b64encode(der).decode()}
    await world.centre.put(world.client, Kind.TRUST, EVERYONE, trust.snapshot(
        {"certificates": [signer], "value_sets": value_set_docs()}
    ))  # fmt: skip
    await wait_for(lambda: dcc.verify(code, at=NOW).valid, what="signer trusted")

    # The EU withdraws the vaccine product from its list: a code naming it is refused, by name.
    docs = value_set_docs()
    names = next(d for d in docs if d["valueSetId"] == "vaccines-covid-19-names")
    changed = copy.deepcopy(names)
    del changed["valueSetValues"]["EU/1/20/1528"]  # type: ignore[attr-defined]
    current = world.centre.values[(Kind.TRUST, EVERYONE)]
    await world.centre.put(
        world.client, Kind.TRUST, EVERYONE, trust.delta(current, {"value_sets": [changed]})
    )
    await wait_for(lambda: not dcc.verify(code, at=NOW).valid, what="value set in force")
    refused = dcc.verify(code, at=NOW)
    assert refused.failed_step == "value-set" and "EU/1/20/1528" in refused.reason

    # A certificate that is not one: refused whole, the gateway keeps what it had.
    broken = {**signer, "certificate": base64.b64encode(b"not a certificate").decode()}
    before = dcc.trust_list
    await world.centre.put(world.client, Kind.TRUST, EVERYONE, trust.delta(
        world.centre.values[(Kind.TRUST, EVERYONE)], {"certificates": [broken]}
    ))  # fmt: skip
    ack = await world.wait_ack("gw-a", "trust/all", lambda b: b["refused_at"] is not None)
    assert ack["refused_reason"].startswith("not-applied: signer certificate 1")
    assert dcc.trust_list is before and dcc.verify(code, at=NOW).failed_step == "value-set"
