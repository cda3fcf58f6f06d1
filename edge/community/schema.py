"""The community's tables (migration set ``community``): households and their members, passes
issued to them, household exits, visits, manual registrations and duty shifts.

Tables are created with sqlite-utils (``create`` with explicit columns, foreign keys and
indexes); the hot-path writes (an exit, a return) are raw SQL in :mod:`.queries`. Steps are
append-only: never edit, remove or reorder a shipped step.
"""

from __future__ import annotations

import sqlite_utils

from edge.core.migrations import MigrationSet

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("community")


@MIGRATIONS.step("create_registry")
def create_registry(db: sqlite_utils.Database) -> None:
    db.table("households").create(
        {
            "id": int,
            "building": str,
            "unit": str,
            "room": str,
            "note": str,
            "created_at": float,
            "updated_at": float,
        },
        pk="id",
        not_null={"building", "unit", "room", "note", "created_at", "updated_at"},
        defaults={"unit": "", "note": ""},
    )
    db.table("households").create_index(
        ["building", "unit", "room"], index_name="households_address", unique=True
    )
    # registry_rev counts changes to households and members: a running gateway re-reads its
    # in-memory index when another process (the CLI's import) changed the registry.
    db.table("community_state").create({"name": str, "value": str}, pk="name")
    db.table("members").create(
        {
            "id": int,
            "household_id": int,
            # the pseudonymous id written into the member's pass; never shown, never sent
            "resident_id": str,
            "name": str,
            "phone": str,
            "id_last4": str,
            "has_phone": int,
            "created_at": float,
            "updated_at": float,
        },
        pk="id",
        foreign_keys=[("household_id", "households", "id")],
        not_null={"household_id", "resident_id", "name", "has_phone", "created_at", "updated_at"},
        defaults={"phone": "", "id_last4": "", "has_phone": 1},
    )
    db.table("members").create_index(["resident_id"], index_name="members_resident", unique=True)
    db.table("members").create_index(
        ["household_id", "name"], index_name="members_household_name", unique=True
    )
    db.table("pass_batches").create(
        {"id": int, "at": float, "user": str, "kid": str, "count": int, "valid_until": float},
        pk="id",
        not_null={"at", "kid", "count", "valid_until"},
    )
    db.table("passes").create(
        {
            "id": int,
            "member_id": int,
            "batch_id": int,
            "pass_id": str,
            "text": str,  # the QR text, kept so that a lost card can be printed again
            "issued_at": float,
            "expires_at": float,
        },
        pk="id",
        foreign_keys=[("member_id", "members", "id"), ("batch_id", "pass_batches", "id")],
        not_null={"member_id", "batch_id", "pass_id", "text", "issued_at", "expires_at"},
    )
    db.table("passes").create_index(["pass_id"], index_name="passes_pass_id", unique=True)
    db.table("passes").create_index(["member_id", "issued_at"], index_name="passes_member")


@MIGRATIONS.step("create_exits")
def create_exits(db: sqlite_utils.Database) -> None:
    # One row per admitted exit of a household member, whichever lane; returned_at is set
    # when the member comes back in. Kept by household id, not by person, for the counting.
    db.table("household_exits").create(
        {
            "id": int,
            "household_id": int,
            "member_id": int,
            "lane": str,
            "at": float,
            "decision_key": str,
            "returned_at": float,
        },
        pk="id",
        foreign_keys=[("household_id", "households", "id"), ("member_id", "members", "id")],
        not_null={"household_id", "member_id", "lane", "at", "decision_key"},
    )
    db.table("household_exits").create_index(["at"], index_name="household_exits_at")
    db.table("household_exits").create_index(
        ["decision_key"], index_name="household_exits_decision", unique=True
    )


@MIGRATIONS.step("create_visits")
def create_visits(db: sqlite_utils.Database) -> None:
    db.table("visits").create(
        {
            "id": int,
            "visit_id": str,  # in the pass (subject "v:<visit_id>"): random, not a name
            "household_id": int,
            "name": str,  # personal: purged after the retention period
            "reason": str,
            "valid_from": float,
            "valid_until": float,
            "created_by": str,
            "created_at": float,
            "pass_text": str,
            "cancelled_at": float,
            "cancelled_by": str,
            "personal_purged": int,
        },
        pk="id",
        foreign_keys=[("household_id", "households", "id")],
        not_null={
            "visit_id",
            "household_id",
            "name",
            "reason",
            "valid_from",
            "valid_until",
            "created_by",
            "created_at",
            "personal_purged",
        },
        defaults={"personal_purged": 0},
    )
    db.table("visits").create_index(["visit_id"], index_name="visits_visit_id", unique=True)
    db.table("visits").create_index(["valid_until"], index_name="visits_valid_until")


@MIGRATIONS.step("create_manual_registrations")
def create_manual_registrations(db: sqlite_utils.Database) -> None:
    # The audit of manual registrations (who, when, why), as overrides are audited.
    db.table("manual_registrations").create(
        {
            "id": int,
            "decision_key": str,
            "lane": str,
            "at": float,
            "user": str,
            "category": str,
            "reason": str,
            "outcome": str,
            "member_id": int,
            "name": str,  # personal: purged after the retention period
            "id_last4": str,  # personal: purged after the retention period
            "personal_purged": int,
        },
        pk="id",
        not_null={"decision_key", "lane", "at", "user", "category", "reason", "outcome"},
        defaults={"personal_purged": 0},
    )
    db.table("manual_registrations").create_index(["at"], index_name="manual_registrations_at")


@MIGRATIONS.step("create_shifts")
def create_shifts(db: sqlite_utils.Database) -> None:
    db.table("shifts").create(
        {
            "id": int,
            "lane": str,
            "user": str,
            "started_at": float,
            "ended_at": float,
            "handover_note": str,
        },
        pk="id",
        not_null={"lane", "user", "started_at"},
    )
    db.table("shifts").create_index(["lane", "started_at"], index_name="shifts_lane")
    db.table("shifts").create_index(["ended_at"], index_name="shifts_open")


@MIGRATIONS.step("create_alert_log")
def create_alert_log(db: sqlite_utils.Database) -> None:
    # Every transition of the community's alerts (unstaffed lanes, residents out late): the
    # uplink follows it from a cursor, and a restart reads back the ones still open.
    db.table("community_alert_log").create(
        {
            "seq": int,
            "alert_id": str,
            "kind": str,
            "subject": str,
            "severity": str,
            "state": str,
            "message": str,
            "changed_at": float,
        },
        pk="seq",
        not_null={"alert_id", "kind", "subject", "severity", "state", "message", "changed_at"},
    )
    db.table("community_alert_log").create_index(["alert_id"], index_name="community_alerts_id")
