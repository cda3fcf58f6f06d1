"""Who has heard: per gateway, the version it holds of each stream and whether it lags; per
publication, who has acknowledged it and who has not. This is what a duty officer needs at
3 a.m.

A gateway's acknowledgement is the latest body of its ``distribution`` stream for the key
``<kind>/<scope>`` (see ``cloud_sync/distribution/README.md``). A gateway has heard a
publication when the version it holds of that stream is at least the publication's: versions
only grow, so a newer one includes it. A gateway belongs to a publication's audience when the
scope includes it: by its registered community (or, unregistered, the one it claims).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.kinds import Kind, Scope, ScopeError
from cloud_sync.monitor.distribution.store import DistributionStore
from cloud_sync.monitor.storage.backend import Backend, Row, read_rows
from cloud_sync.monitor.storage.views import body_of

# -- what a person reads (one place, to be translated) ---------------------------------------
NEVER_SEEN = "never seen by this centre"
NOTHING_HELD = "has acknowledged nothing of this stream"
REFUSED = "refused: {reason}"
BEHIND = "holds version {held}"


@dataclass(frozen=True, slots=True)
class Member:
    gateway: str
    community: str | None
    name: str
    registered: bool
    seen: bool
    online: bool
    last_seen: float | None


class Heard:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.streams = DistributionStore(backend)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return read_rows(self.backend, "reading who has heard", sql, params)

    def fleet(self) -> list[Member]:
        """Every gateway the centre knows: registered (seen or not) and seen unregistered."""
        seen = {
            r["gateway"]: r
            for r in self._rows("SELECT gateway, community, online, last_seen FROM gateways")
        }
        registered = {
            r["gateway"]: r
            for r in self._rows("SELECT gateway, community, display_name FROM registry")
        }
        members = []
        for gateway in sorted(seen.keys() | registered.keys()):
            s, r = seen.get(gateway), registered.get(gateway)
            members.append(
                Member(
                    gateway=gateway,
                    community=r["community"] if r else (s["community"] if s else None),
                    name=r["display_name"] if r else "",
                    registered=r is not None,
                    seen=s is not None,
                    online=bool(s and s["online"]),
                    last_seen=s["last_seen"] if s else None,
                )
            )
        return members

    def acknowledgements(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(gateway, "<kind>/<scope>") -> the gateway's latest acknowledgement body."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self._rows(
            "SELECT gateway, key, envelope, received_at FROM messages WHERE stream = 'distribution'"
        ):
            body = body_of(body_of(row["envelope"]).get("body"))
            body["received_at"] = row["received_at"]
            found[(row["gateway"], row["key"])] = body
        return found

    # -- per gateway ------------------------------------------------------------------------
    def gateways(self) -> list[Row]:
        """Per gateway, per kind: the streams that apply to it, held against current."""
        current = {(r["kind"], r["scope"]): r for r in self.streams.streams()}
        acks = self.acknowledgements()
        out = []
        for m in self.fleet():
            kinds: dict[str, Any] = {}
            lags = False
            for kind in Kind:
                streams = []
                for (k, scope_text), stream in sorted(current.items()):
                    if k != kind.value or not _includes(scope_text, m):
                        continue
                    ack = acks.get((m.gateway, f"{k}/{scope_text}"), {})
                    held = int(ack.get("held") or 0)
                    behind = held < int(stream["version"])
                    lags = lags or behind
                    streams.append(
                        {
                            "scope": scope_text,
                            "current": stream["version"],
                            "held": held,
                            "lags": behind,
                            "held_at": ack.get("held_at"),
                            "status": ack.get("status"),
                            "refused_version": ack.get("refused_version"),
                            "refused_reason": ack.get("refused_reason") or "",
                        }
                    )
                if streams:
                    kinds[kind.value] = {
                        "lags": any(s["lags"] for s in streams),
                        "streams": streams,
                    }
            out.append({**_member_row(m), "lags": lags, "kinds": kinds})
        return out

    # -- per publication --------------------------------------------------------------------
    def publication(self, publication_id: int) -> Row | None:
        row = self.streams.publication(publication_id)
        if row is None:
            return None
        return self._heard(row, self.fleet(), self.acknowledgements(), detailed=True)

    def publications(self, limit: int = 50, kind: str | None = None) -> list[Row]:
        fleet, acks = self.fleet(), self.acknowledgements()
        return [
            self._heard(row, fleet, acks, detailed=False)
            for row in self.streams.publications(limit, kind)
        ]

    def _heard(
        self,
        row: Row,
        fleet: list[Member],
        acks: dict[tuple[str, str], dict[str, Any]],
        *,
        detailed: bool,
    ) -> Row:
        key = f"{row['kind']}/{row['scope']}"
        version = int(row["version"])
        audience = [m for m in fleet if _includes(row["scope"], m)]
        heard, waiting = [], []
        for m in audience:
            ack = acks.get((m.gateway, key), {})
            held = int(ack.get("held") or 0)
            if held >= version:
                heard.append({**_member_row(m), "held": held, "held_at": ack.get("held_at")})
                continue
            refused = ack.get("refused_version") == version
            if refused:
                why = REFUSED.format(reason=ack.get("refused_reason", ""))
            elif not m.seen:
                why = NEVER_SEEN
            elif not ack:
                why = NOTHING_HELD
            else:
                why = BEHIND.format(held=held)
            waiting.append(
                {
                    **_member_row(m),
                    "held": held,
                    "refused": refused,
                    "refused_reason": (ack.get("refused_reason") or "") if refused else "",
                    "why": why,
                }
            )
        out = {
            **row,
            "audience": len(audience),
            "heard": len(heard),
            "not_heard": len(waiting),
            "refused": sum(1 for w in waiting if w["refused"]),
            # the list a duty officer acts on: always given, short when most have heard
            "waiting": waiting if detailed or len(waiting) <= 20 else waiting[:20],
        }
        if detailed:
            out["heard_by"] = heard
        return out

    # -- notices ----------------------------------------------------------------------------
    def notices(self) -> list[Row]:
        """Every notice held at the centre, newest first: who read it, where, and the replies."""
        reads: dict[str, list[Row]] = {}
        replies: dict[str, list[Row]] = {}
        for row in self._rows(
            "SELECT gateway, stream, envelope FROM messages"
            " WHERE stream = 'notice-read' OR stream = 'notice-reply'"
        ):
            body = body_of(body_of(row["envelope"]).get("body"))
            target = reads if row["stream"] == "notice-read" else replies
            target.setdefault(str(body.get("notice_id")), []).append(
                {"gateway": row["gateway"], **body}
            )
        fleet = self.fleet()
        out = []
        for row in self._rows(
            "SELECT scope, content FROM dist_streams WHERE kind = 'notice' ORDER BY scope"
        ):
            audience = [m for m in fleet if _includes(row["scope"], m)]
            for n in CODECS[Kind.NOTICE].snapshot(json.loads(row["content"])):
                read = sorted(reads.get(n.id, []), key=lambda r: str(r.get("read_at")))
                read_by = {r["gateway"] for r in read}
                out.append(
                    {
                        **n.dump(),
                        "scope": row["scope"],
                        "audience": len(audience),
                        "read_at_gateways": len(read_by & {m.gateway for m in audience}),
                        "unread_at": [m.gateway for m in audience if m.gateway not in read_by],
                        "reads": read,
                        "replies": sorted(
                            replies.get(n.id, []), key=lambda r: str(r.get("sent_at"))
                        ),
                    }
                )
        out.sort(key=lambda n: float(n["issued_at"]), reverse=True)
        return out


def _member_row(m: Member) -> Row:
    return {
        "gateway": m.gateway,
        "name": m.name,
        "community": m.community,
        "registered": m.registered,
        "online": m.online,
        "last_seen": m.last_seen,
    }


def _includes(scope_text: str, m: Member) -> bool:
    try:
        return Scope.parse(scope_text).includes(m.gateway, m.community)
    except ScopeError:
        return False
