"""The statements of the write path, built once per dialect (see :mod:`.writer`)."""

# ruff: noqa: S608 - the statements are built from the dialect's constant fragments (placeholders, function names); values are always parameters

from __future__ import annotations

from dataclasses import dataclass

from cloud_sync.monitor.storage.dialect import Dialect


@dataclass(frozen=True, slots=True)
class WriteSql:
    dialect: Dialect
    upsert_streams: str
    insert_message: str  # a new key only; how many were new is the rowcount
    update_message: str  # an existing key, to a higher revision only
    has_message: str
    add_keys: str
    add_refused_keys: str
    touch: str
    birth: str
    death: str
    stale_death: str
    insert_acks: str
    insert_rejected: str
    trim_rejected: str
    silent_gateways: str
    time_out: str

    def streams_of(self, gateways: int) -> str:
        """The per-stream sequence state of ``gateways`` gateways (one placeholder each)."""
        marks = self.dialect.params(gateways)
        return f"SELECT gateway, stream, last_seq FROM streams WHERE gateway IN ({marks})"

    def keys_of(self, gateways: int) -> str:
        """How many distinct keys each of ``gateways`` gateways holds."""
        marks = self.dialect.params(gateways)
        return f"SELECT gateway, keys FROM gateways WHERE gateway IN ({marks})"

    def registered_of(self, gateways: int) -> str:
        """Which of ``gateways`` gateways the registry knows."""
        marks = self.dialect.params(gateways)
        return f"SELECT gateway FROM registry WHERE gateway IN ({marks})"


def write_sql(d: Dialect) -> WriteSql:
    p, greatest = d.param, d.greatest
    return WriteSql(
        dialect=d,
        upsert_streams=(
            "INSERT INTO streams (gateway, stream, last_seq, received, gaps, late)"
            f" VALUES ({d.params(6)})"
            " ON CONFLICT (gateway, stream) DO UPDATE SET"
            f" last_seq = {greatest}(streams.last_seq, excluded.last_seq),"
            " received = streams.received + excluded.received,"
            " gaps = streams.gaps + excluded.gaps,"
            " late = streams.late + excluded.late"
        ),
        # Per (gateway, stream, key) the highest revision only: a replay changes nothing. Two
        # statements instead of one upsert, so that the new keys are counted (the cap).
        insert_message=(
            "INSERT INTO messages"
            " (gateway, stream, key, rev, seq, at, clock_synced, envelope, received_at)"
            f" VALUES ({d.params(7)}, {d.json_param}, {p})"
            " ON CONFLICT (gateway, stream, key) DO NOTHING"
        ),
        update_message=(
            f"UPDATE messages SET rev = {p}, seq = {p}, at = {p}, clock_synced = {p},"
            f" envelope = {d.json_param}, received_at = {p}"
            f" WHERE gateway = {p} AND stream = {p} AND key = {p} AND rev < {p}"
        ),
        has_message=f"SELECT 1 FROM messages WHERE gateway = {p} AND stream = {p} AND key = {p}",
        add_keys=f"UPDATE gateways SET keys = keys + {p} WHERE gateway = {p}",
        add_refused_keys=(
            f"UPDATE gateways SET keys_refused = keys_refused + {p} WHERE gateway = {p}"
        ),
        # A gateway timed out for silence is back as soon as it speaks; one that sent its
        # death stays offline until its next birth.
        touch=(
            "INSERT INTO gateways (gateway, online, first_seen, last_seen)"
            f" VALUES ({p}, 1, {p}, {p})"
            " ON CONFLICT (gateway) DO UPDATE SET"
            f" last_seen = {greatest}(gateways.last_seen, excluded.last_seen),"
            " online = CASE WHEN gateways.offline_reason = 'timeout' THEN 1"
            " ELSE gateways.online END,"
            " offline_reason = CASE WHEN gateways.offline_reason = 'timeout' THEN NULL"
            " ELSE gateways.offline_reason END"
        ),
        birth=(
            "INSERT INTO gateways (gateway, community, online, offline_reason, bdseq,"
            " keepalive_s, heartbeat_s, software, first_seen, last_seen, birth_at,"
            " offline_at)"
            f" VALUES ({p}, {p}, 1, NULL, {d.params(7)}, NULL)"
            " ON CONFLICT (gateway) DO UPDATE SET"
            " community = COALESCE(excluded.community, gateways.community),"
            " online = 1, offline_reason = NULL, bdseq = excluded.bdseq,"
            " keepalive_s = COALESCE(excluded.keepalive_s, gateways.keepalive_s),"
            " heartbeat_s = excluded.heartbeat_s,"
            " software = COALESCE(excluded.software, gateways.software),"
            f" last_seen = {greatest}(gateways.last_seen, excluded.last_seen),"
            " birth_at = excluded.birth_at, offline_at = NULL"
        ),
        death=(
            f"UPDATE gateways SET online = 0, offline_reason = 'death', offline_at = {p}"
            f" WHERE gateway = {p} AND bdseq = {p}"
        ),
        stale_death=f"UPDATE gateways SET stale_deaths = stale_deaths + 1 WHERE gateway = {p}",
        insert_acks=(
            "INSERT INTO command_acks (gateway, command, key, rev, body, at, received_at)"
            f" VALUES ({d.params(4)}, {d.json_param}, {p}, {p})"
            " ON CONFLICT (gateway, command, key, rev) DO NOTHING"
        ),
        insert_rejected=(
            "INSERT INTO rejected (topic, category, reason, sample, size, received_at)"
            f" VALUES ({d.params(6)})"
        ),
        trim_rejected=f"DELETE FROM rejected WHERE id <= (SELECT MAX(id) FROM rejected) - {p}",
        silent_gateways=(
            f"SELECT gateway FROM gateways WHERE online = 1 AND last_seen < {p} - {p}"
            f" * {greatest}(COALESCE(keepalive_s, {p}), COALESCE(heartbeat_s, 0))"
        ),
        time_out=(
            "UPDATE gateways SET online = 0, offline_reason = 'timeout',"
            f" offline_at = {p} WHERE gateway = {p} AND online = 1"
        ),
    )
