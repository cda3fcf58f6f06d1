"""A batch of classified messages sorted by what each does to the tables, and its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cloud_sync.monitor.ingest import (
    SAMPLE_BYTES,
    Birth,
    CommandAck,
    DataMessage,
    Death,
    Ignored,
    Ingested,
    Rejected,
)
from cloud_sync.protocol import TOPIC_ROOT, ack_topic, data_topic

STORE_REFUSED = "the database refused it: {error}: {exc}"


@dataclass(slots=True)
class ApplyResult:
    """What one :meth:`Writer.apply` did (the service adds these into its metrics)."""

    data: int = 0
    stored: int = 0  # new keys or higher revisions
    duplicates: int = 0  # same or older revision than stored: replaced nothing
    births: int = 0
    deaths: int = 0
    stale_deaths: int = 0
    acks: int = 0
    ignored: int = 0
    gaps: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def count(self, category: str) -> int:
        return sum(1 for r in self.rejected if r.category == category)

    def add(self, other: ApplyResult) -> None:
        self.data += other.data
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.births += other.births
        self.deaths += other.deaths
        self.stale_deaths += other.stale_deaths
        self.acks += other.acks
        self.ignored += other.ignored
        self.gaps += other.gaps
        self.rejected.extend(other.rejected)


@dataclass(slots=True)
class Batch:
    """One batch sorted by what each item does to the tables."""

    result: ApplyResult = field(default_factory=ApplyResult)
    latest: dict[tuple[str, str, str], DataMessage] = field(default_factory=dict)
    seqs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    touched: dict[str, float] = field(default_factory=dict)
    lifecycle: list[Birth | Death] = field(default_factory=list)
    acks: list[CommandAck] = field(default_factory=list)

    def seen(self, gateway: str, at: float) -> None:
        if self.touched.get(gateway, 0.0) < at:
            self.touched[gateway] = at


def sort_batch(items: Sequence[Ingested]) -> Batch:
    batch = Batch()
    touched = batch.touched
    for item in items:
        if isinstance(item, DataMessage):
            env = item.envelope
            batch.result.data += 1
            ident = (env.gateway, env.stream, env.key)
            held = batch.latest.get(ident)
            if held is None or env.rev > held.envelope.rev:
                batch.latest[ident] = item
            batch.seqs.setdefault((env.gateway, env.stream), []).append(env.seq)
            if touched.get(env.gateway, 0.0) < item.received_at:
                touched[env.gateway] = item.received_at
        elif isinstance(item, CommandAck):
            batch.acks.append(item)
            batch.seen(item.envelope.gateway, item.received_at)
        elif isinstance(item, Birth | Death):
            batch.lifecycle.append(item)
        elif isinstance(item, Rejected):
            batch.result.rejected.append(item)
        elif isinstance(item, Ignored):
            batch.result.ignored += 1
    return batch


def clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL, neither database a lone surrogate; a rejected sample
    # must still be storable.
    return text.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "\ufffd")


def gateway_of(item: Ingested) -> str | None:
    if isinstance(item, DataMessage | CommandAck):
        return item.envelope.gateway
    if isinstance(item, Birth | Death):
        return item.gateway
    return None


def set_aside(item: Ingested, category: str, reason: str) -> Rejected | None:
    """What to keep in ``rejected`` in place of an item that is not stored."""
    if isinstance(item, DataMessage):
        env = item.envelope
        topic, sample = data_topic(env.gateway, env.stream), item.raw
    elif isinstance(item, CommandAck):
        env = item.envelope
        topic, sample = ack_topic(env.gateway, item.command), repr(item)
    elif isinstance(item, Birth | Death):
        topic = f"{TOPIC_ROOT}/{item.gateway}/{type(item).__name__.lower()}"
        sample = repr(item)
    else:
        return None
    sample = sample.encode("utf-8", errors="replace")[:SAMPLE_BYTES].decode("utf-8", "replace")
    return Rejected(
        topic=topic.encode("utf-8", errors="replace").decode("utf-8"),
        category=category,
        reason=reason[:500],
        sample=sample,
        size=len(item.raw) if isinstance(item, DataMessage) else len(sample),
        received_at=item.received_at,
    )


def refused(item: Ingested, exc: BaseException) -> Rejected | None:
    """What to set aside in place of an item the database would not take."""
    return set_aside(item, "store_refused", STORE_REFUSED.format(error=type(exc).__name__, exc=exc))
