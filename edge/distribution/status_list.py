"""The status list from the centre -> the community pass verifier, swapped in at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloud_sync.distribution.apply import Prepared, merge_status
from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.kinds import Kind, Scope
from edge.verify.community_pass.status_list import StatusSnapshot
from edge.verify.community_pass.verifier import CommunityPassVerifier

NO_VERIFIER = "held; not used here: this gateway has no community pass verifier"


class StatusListApplier:
    kind = Kind.STATUS_LIST

    def __init__(self, verifier: CommunityPassVerifier | None) -> None:
        self.verifier = verifier

    def prepare(self, values: Mapping[Scope, Any]) -> Prepared:
        verifier = self.verifier
        if verifier is None:
            return Prepared(install=lambda: None, summary=NO_VERIFIER)
        entries = merge_status(values)
        snapshot = StatusSnapshot(entries=entries, issuer="centre", signed_by="centre")

        def install() -> None:
            verifier.status_list.install(snapshot)

        return Prepared(install=install, summary=CODECS[self.kind].describe(entries))
