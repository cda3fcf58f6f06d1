"""The admission policy from the centre -> the checkpoint (validated, written, then in force).

Of the scopes that have a policy, the most specific wins: one gateway's over its community's,
a community's over the district's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from cloud_sync.distribution.apply import ApplyError, Prepared, most_specific
from cloud_sync.distribution.kinds import Kind, Scope
from edge.checkpoint.policy_store import PolicyStore
from edge.rules.policy import Policy

log = logging.getLogger(__name__)

NO_POLICY = "no policy from the centre; the local file stays in force"
INVALID = "the policy is not valid here: {problems}"
IN_FORCE = "policy {version} in force"


class PolicyApplier:
    kind = Kind.POLICY

    def __init__(self, store: PolicyStore) -> None:
        self.store = store

    def prepare(self, values: Mapping[Scope, Any]) -> Prepared:
        chosen = most_specific(values)
        if chosen is None:
            return Prepared(install=lambda: None, summary=NO_POLICY)
        try:
            policy = Policy.model_validate(dict(chosen))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'policy'}: {e['msg']}" for e in exc.errors()
            )
            raise ApplyError(INVALID.format(problems=problems[:800])) from None
        try:  # on this worker thread, not on the loop; a restart keeps it
            self.store.write(policy)
        except OSError as exc:
            log.error("the central policy is in force but not written to the file: %s", exc)
        store = self.store

        def install() -> None:
            store.install(policy, "central")

        return Prepared(install=install, summary=IN_FORCE.format(version=policy.version))
