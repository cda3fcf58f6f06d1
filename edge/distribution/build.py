"""The appliers of one gateway, from the parts it has."""

from __future__ import annotations

from collections.abc import Iterable

from cloud_sync.distribution.apply import Applier
from cloud_sync.distribution.kinds import Kind
from edge.checkpoint.policy_store import PolicyStore
from edge.distribution.policy import PolicyApplier
from edge.distribution.status_list import StatusListApplier
from edge.verify.base import Verifier
from edge.verify.community_pass.verifier import CommunityPassVerifier


def build_appliers(
    verifiers: Iterable[Verifier],
    policy_store: PolicyStore,
    extra: Iterable[Applier] = (),
) -> dict[Kind, Applier]:
    """One applier per kind: the verifiers the gateway has, its policy, and ``extra``
    (the notices, from :mod:`edge.notices`)."""
    found = list(verifiers)
    community_pass = next((v for v in found if isinstance(v, CommunityPassVerifier)), None)
    appliers: dict[Kind, Applier] = {
        Kind.STATUS_LIST: StatusListApplier(community_pass),
        Kind.POLICY: PolicyApplier(policy_store),
    }
    dcc = next((v for v in found if v.code_type == "eu-dcc"), None)
    if dcc is not None:
        # Only with an EU DCC verifier: its stack (CBOR, JSON schema) costs memory.
        from edge.distribution.trust import TrustApplier
        from edge.verify.dcc.verifier import DccVerifier

        assert isinstance(dcc, DccVerifier)
        appliers[Kind.TRUST] = TrustApplier(dcc)
    for applier in extra:
        appliers[applier.kind] = applier
    return appliers
