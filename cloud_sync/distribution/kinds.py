"""What the centre distributes (four kinds), to whom (a scope), and how (snapshot or delta).

A *stream* is one kind for one scope: ``status-list`` for ``community:willow-court``, say. Each
stream has its own version, which only grows; an item is one version of one stream.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Literal

from cloud_sync.protocol import GATEWAY_ID

#: A community in a scope (and so in an MQTT topic): no '/', '+', '#' or spaces.
COMMUNITY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Kind(enum.StrEnum):
    STATUS_LIST = "status-list"  # community pass: pass id -> colour (revocations)
    TRUST = "trust"  # EU DCC signer certificates and value sets
    POLICY = "policy"  # the admission policy
    NOTICE = "notice"  # words from the district to the gate staff


class Mode(enum.StrEnum):
    SNAPSHOT = "snapshot"  # the whole content of the stream at this version
    DELTA = "delta"  # the changes since ``base``


Level = Literal["all", "community", "gateway"]
_LEVELS: tuple[Level, ...] = ("all", "community", "gateway")


class ScopeError(ValueError):
    """A scope that cannot be used; the text says why."""


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """Every gateway (``all``), one community (``community:<id>``), one gateway."""

    level: Level
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        if text == "all":
            return cls("all")
        level, sep, name = text.partition(":")
        if sep and level == "community" and COMMUNITY_ID.match(name):
            return cls("community", name)
        if sep and level == "gateway" and GATEWAY_ID.match(name):
            return cls("gateway", name)
        raise ScopeError(
            f"{text[:80]!r} is not a scope: use all, community:<id> or gateway:<id>"
            " (ids of letters, digits, '.', '_' or '-')"
        )

    def __str__(self) -> str:
        return "all" if self.level == "all" else f"{self.level}:{self.name}"

    @property
    def topic_path(self) -> str:
        return "all" if self.level == "all" else f"{self.level}/{self.name}"

    @property
    def specificity(self) -> int:
        """0 every gateway, 1 a community, 2 one gateway: the more specific wins."""
        return _LEVELS.index(self.level)

    def includes(self, gateway: str, community: str | None) -> bool:
        if self.level == "all":
            return True
        if self.level == "community":
            return community is not None and self.name == community
        return self.name == gateway


def scopes_of(gateway: str, community: str | None) -> list[Scope]:
    """The scopes a gateway listens to, least specific first."""
    scopes = [Scope("all")]
    if community is not None and COMMUNITY_ID.match(community):
        scopes.append(Scope("community", community))
    scopes.append(Scope("gateway", gateway))
    return scopes
