"""The community service: the registry, passes, visitors, manual registrations, duty and the
daily report, for the lanes (as their :class:`edge.checkpoint.people.PeopleDesk`), the REST API
and the CLI.

What the lanes ask (the household context, who is on duty) is answered from memory; writes go
through the store's single writer; reads run on its reader threads. Background work
(:meth:`CommunityService.run`): re-read the registry when another process changed it, raise or
resolve unstaffed-lane alerts, count overridden exits, publish the day's figures for the
centre, and purge visitors' and manual registrations' personal data after the retention period.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from edge.checkpoint.queries import NewScreening
from edge.community import alerts, audit, duty, passes, registry, report, visits
from edge.community.errors import InvalidInputError, NotConfiguredError, NotFoundError
from edge.community.importer import parse, read_file
from edge.community.index import (
    KEEP_EXITS_S,
    ExitLedger,
    Registry,
    context_of,
    load_exits,
    load_registry,
)
from edge.community.printing import Gettext, english, find_font, pass_sheet
from edge.community.settings import CommunitySettings
from edge.community.visitor_pass import VisitorPassVerifier, issue, load_or_create_key
from edge.core.bus import Bus
from edge.core.events import AlertChanged, DailyFigures, DecisionOverridden, LaneStaffing
from edge.core.store import Store
from edge.core.words import N_
from edge.crypto.jws import PrivateKey
from edge.rules.household import HouseholdContext, ManualEntry

log = logging.getLogger(__name__)

ManualDecider = Callable[[str, ManualEntry, float | None, str | None], NewScreening]
LaneActive = Callable[[str], bool]
_TICK_S = 5.0

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
NEEDS_ID_LAST4 = N_("the policy asks for the last 4 characters of the person's identity number")
UNKNOWN_CATEGORY = N_("'{category}' is not a category of manual registration ({known})")
NEEDS_REASON = N_("a manual registration needs a reason")
NO_SIGNING_KEY = N_("no pass-signing key: set community.pass_key_file and pass_kid")
NO_MEMBERS = N_("no members match: no passes issued")
UNKNOWN_LANE = N_("there is no lane '{lane}'")
NOTHING_TO_PRINT = N_("no pass to print: issue passes first")


class CommunityService:
    def __init__(
        self,
        settings: CommunitySettings,
        store: Store,
        bus: Bus,
        *,
        lanes: Mapping[str, str],  # lane id -> direction
        data_dir: Path,
        gateway_id: str,
        policy: Callable[[], Any],  # the policy in force (for the manual registration's rules)
        retention_days: int = 14,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.lanes = dict(lanes)
        self.clock = clock
        self.gateway_id = gateway_id
        self._policy = policy
        self._retention_s = retention_days * 86400
        self.registry = Registry()
        self.ledger = ExitLedger()
        self.roster = duty.DutyRoster(self.lanes, settings.unstaffed_alert_after_s)
        key_path = settings.visitor_key_file or data_dir / "visitor-pass.key.pem"
        self._visitor_key = load_or_create_key(key_path)
        self.visitor_verifier = VisitorPassVerifier(self._visitor_key, f"{gateway_id}-visitors")
        self.decide_manual: ManualDecider | None = None  # set by the assembly (the lanes')
        self.lane_active: LaneActive = lambda lane: False
        self._staffing: dict[str, tuple[bool, bool]] = {}
        self._members: set[int] = set()  # the member ids of the registry in force
        self._late_alert: AlertChanged | None = None  # residents out late: open, or None
        self._pending: set[asyncio.Task[Any]] = set()
        self.loaded = False  # the registry, exits and shifts are in memory

    # -- start and background -------------------------------------------------------------------
    async def start(self) -> None:
        """Load the registry, the month's exits and the open shifts (before the lanes run)."""
        now = self.clock()

        def load(
            db: sqlite_utils.Database,
        ) -> tuple[Registry, list[Any], list[duty.Shift], list[AlertChanged]]:
            return (
                load_registry(db),
                load_exits(db, now - KEEP_EXITS_S),
                duty.open_shifts(db),
                alerts.open_alerts(db),
            )

        try:
            reg, exits, shifts, still_open = await self.store.read(load)
        except Exception as exc:  # the storage is failing: household rules wait for it
            log.error("household registry not loaded (retried every %g s): %s", _TICK_S, exc)
            return
        self.loaded = True
        self._install(reg)
        self.ledger.load(exits)
        self.roster.load(shifts)
        for alert in still_open:  # raised before a restart: kept, not raised a second time
            if alert.kind == alerts.OUT_LATE_KIND:
                self._late_alert = alert
            elif alert.kind == duty.ALERT_KIND and alert.subject in self.lanes:
                self.roster.adopt(alert)
        log.info(
            "registry: %d residents in %d households, %d exits this month, %d on duty",
            len(reg.residents), len(reg.labels), len(self.ledger), len(shifts),
        )  # fmt: skip

    def _install(self, reg: Registry) -> None:
        self.registry = reg
        self._members = reg.member_ids
        self.visitor_verifier.cancelled = frozenset(
            visit_id for visit_id, visit in reg.visits.items() if visit.cancelled
        )

    async def run(self) -> None:
        subscription = self.bus.subscribe(maxsize=10_000)
        last_report = last_purge = 0.0
        try:
            while True:
                now = self.clock()
                if not self.loaded:
                    await self.start()
                await self._reload_if_changed()
                self.check_lanes(now)
                self.check_returns(now)
                while (event := subscription.get_nowait()) is not None:
                    if isinstance(event, DecisionOverridden):
                        await self._overridden(event)
                if now - last_report >= self.settings.report_interval_s:
                    last_report = now
                    await self.publish_figures(now)
                if now - last_purge >= 3600:
                    last_purge = now
                    purged = 0
                    with contextlib.suppress(Exception):
                        purged += await self.purge_personal(now - self._retention_s)
                    with contextlib.suppress(Exception):
                        purged += await self.store.write(
                            functools.partial(alerts.purge_log, older_than=now - self._retention_s)
                        )
                    if purged:  # the purged bytes out of the write-ahead log too
                        await self.store.after_purge()
                await asyncio.sleep(_TICK_S)
        finally:
            subscription.close()

    async def _reload_if_changed(self) -> None:
        try:
            rev = await self.store.read(registry.registry_rev)
        except Exception:  # the storage is failing: keep the index in force
            return
        if rev != self.registry.rev:
            self._install(await self.store.read(load_registry))

    def check_lanes(self, now: float) -> None:
        """Raise or resolve unstaffed-lane alerts; tell the centre which lanes are staffed."""
        for lane, direction in self.lanes.items():
            active = self.lane_active(lane)
            change = self.roster.check(lane, active, now)
            if change is not None:
                self._raise(change)
            staffed = bool(self.roster.on_duty(lane))
            if self._staffing.get(lane) != (staffed, active):
                self._staffing[lane] = (staffed, active)
                self.bus.publish(
                    LaneStaffing(
                        lane, direction, staffed, active, len(self.roster.shifts(lane)), now
                    )
                )

    def check_returns(self, now: float) -> None:
        """Raise, revise or resolve the alert for residents out past their return time."""
        late = len(self.out_late(now))
        current = self._late_alert
        if late == 0:
            if current is not None:
                self._late_alert = None
                resolved = dataclasses.replace(
                    current, state="resolved", message=alerts.ALL_BACK, at=now
                )
                self._raise(resolved)
            return
        message = alerts.out_late_message(late)
        if current is not None and current.message == message:
            return
        alert_id = current.alert_id if current else f"{alerts.OUT_LATE_KIND}:{int(now)}"
        kind, subject = alerts.OUT_LATE_KIND, alerts.OUT_LATE_SUBJECT
        self._late_alert = AlertChanged(alert_id, kind, subject, "warning", "open", message, now)
        self._raise(self._late_alert)

    def out_late(self, now: float) -> list[alerts.OutLate]:
        within = self._policy().household.return_within_hours
        if within is None:
            return []
        return alerts.out_late(self.ledger.still_out(), self._members, within * 3600, now)

    async def out_late_list(self) -> list[dict[str, Any]]:
        """Who is out past their return time, since when, due when (for the duty page)."""
        late = self.out_late(self.clock())
        if not late:
            return []
        ids = [o.member_id for o in late]
        marks = ", ".join("?" * len(ids))
        names: dict[int, str] = await self.store.read(
            lambda db: dict(
                db.execute(f"SELECT id, name FROM members WHERE id IN ({marks})", ids).fetchall()  # noqa: S608 (placeholders)
            )
        )
        return [
            {
                "member_id": o.member_id,
                "name": names.get(o.member_id, ""),
                "household": self.registry.labels.get(o.household_id, "?"),
                "out_since": o.out_since,
                "due": o.due,
            }
            for o in late
        ]

    def _raise(self, change: AlertChanged) -> None:
        """An alert's transition: on the bus (the page), and in the log the uplink follows."""
        level = logging.WARNING if change.state == "open" else logging.INFO
        log.log(level, "%s", change.message)
        self.bus.publish(change)
        self._write(*alerts.log_statement(change))

    def open_alerts(self) -> list[AlertChanged]:
        found = [a for lane in self.lanes if (a := self.roster.open_alert(lane)) is not None]
        return found + ([self._late_alert] if self._late_alert is not None else [])

    # -- the lanes' desk (PeopleDesk) ----------------------------------------------------------
    def context(
        self, subject: str | None, lane: str, direction: str, now: float
    ) -> HouseholdContext | None:
        if not subject:
            return None
        return context_of(self.registry, self.ledger, subject, now, KEEP_EXITS_S)

    def on_duty(self, lane: str) -> str | None:
        return self.roster.on_duty(lane)

    def decided(
        self, record: NewScreening, direction: str, context: HouseholdContext | None
    ) -> None:
        if context is None or context.visitor or record.resident_id is None:
            return
        resident = self.registry.residents.get(record.resident_id)
        if resident is None:
            return
        if direction == "out" and record.outcome == "ADMIT":
            self.ledger.add(
                resident.household_id, resident.member_id, record.decided_at, record.key
            )
            self._write(
                "INSERT INTO household_exits (household_id, member_id, lane, at, decision_key)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (decision_key) DO NOTHING",
                (resident.household_id, resident.member_id, record.lane, record.decided_at,
                 record.key),
            )  # fmt: skip
        elif direction == "in" and (
            record.outcome == "ADMIT" or record.rule == "household-late-return"
        ):
            closed = self.ledger.returned(resident.member_id)
            if closed is not None:
                self._write(
                    "UPDATE household_exits SET returned_at = ? WHERE decision_key = ?",
                    (record.decided_at, closed[1]),
                )

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        """A hot-path write in a task of its own: the lane never waits for the disk."""

        async def write() -> None:
            try:
                await self.store.write(lambda db: db.execute(sql, params))
            except Exception as exc:  # the memory copy stands; the next start re-reads
                log.warning("not recorded (%s): %s", sql.split(" (")[0], exc)

        task = asyncio.get_running_loop().create_task(write())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _overridden(self, event: DecisionOverridden) -> None:
        """An exit refused then allowed by a supervisor counts; one allowed then refused not."""
        if self.lanes.get(event.lane) != "out" or "ADMIT" not in (event.before, event.after):
            return
        row = await self.store.read(
            lambda db: db.execute(
                "SELECT decision_key, resident_id, decided_at FROM screenings WHERE id = ?",
                [event.screening_id],
            ).fetchone()
        )
        if row is None or row[1] is None:
            return
        key, subject, at = row
        resident = self.registry.residents.get(subject)
        if resident is None:
            return
        if event.after == "ADMIT":
            self.ledger.add(resident.household_id, resident.member_id, at, key)
            self._write(
                "INSERT INTO household_exits (household_id, member_id, lane, at, decision_key)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (decision_key) DO NOTHING",
                (resident.household_id, resident.member_id, event.lane, at, key),
            )
        elif self.ledger.remove(key):
            self._write("DELETE FROM household_exits WHERE decision_key = ?", (key,))

    # -- the registry --------------------------------------------------------------------------
    async def _changed(self, fn: Callable[[sqlite_utils.Database], Any]) -> Any:
        result = await self.store.write(fn)
        self._install(await self.store.read(load_registry))
        return result

    async def import_file(self, name: str, data: bytes) -> registry.ImportResult:
        """Import a CSV or XLSX file; raises :class:`ImportRefusedError` (nothing imported)."""
        rows = parse(read_file(name, data))
        now = self.clock()
        result: registry.ImportResult = await self._changed(
            lambda db: registry.import_members(db, rows, now)
        )
        log.info("registry import %s: %s", name, result)
        return result

    async def households(self, search: str = "", limit: int = 100, offset: int = 0) -> Any:
        limit = max(1, min(limit, 1000))
        return await self.store.read(
            lambda db: registry.list_households(db, search=search, limit=limit, offset=offset)
        )

    async def household(self, household_id: int) -> dict[str, Any]:
        return await self.store.read(lambda db: registry.get_household(db, household_id))

    async def add_household(self, building: str, unit: str, room: str, note: str) -> int:
        now = self.clock()
        return int(
            await self._changed(
                lambda db: registry.add_household(db, building, unit, room, note, now)
            )
        )

    async def update_household(self, household_id: int, note: str) -> None:
        now = self.clock()
        await self._changed(lambda db: registry.update_household(db, household_id, note, now))

    async def delete_household(self, household_id: int) -> None:
        await self._changed(lambda db: registry.delete_household(db, household_id))

    async def add_member(self, household_id: int, **fields: Any) -> int:
        now = self.clock()
        return int(
            await self._changed(lambda db: registry.add_member(db, household_id, now=now, **fields))
        )

    async def update_member(self, member_id: int, changes: dict[str, Any]) -> None:
        now = self.clock()
        await self._changed(lambda db: registry.update_member(db, member_id, changes, now))

    async def delete_member(self, member_id: int) -> None:
        await self._changed(lambda db: registry.delete_member(db, member_id))

    # -- passes ----------------------------------------------------------------------------------
    def pass_key(self) -> tuple[PrivateKey, str]:
        s = self.settings
        if s.pass_key_file is None or s.pass_kid is None:
            raise NotConfiguredError("pass_key_file", NO_SIGNING_KEY)
        from edge.verify.community_pass import load_private_key

        return load_private_key(s.pass_key_file), s.pass_kid

    async def issue_passes(
        self,
        which: passes.Selection,
        *,
        user: str | None,
        key: PrivateKey | None = None,
        kid: str | None = None,
        days: float | None = None,
    ) -> dict[str, Any]:
        if key is None or kid is None:
            key, kid = self.pass_key()
        valid_days = days if days is not None else self.settings.pass_days
        now = self.clock()
        members = await self.store.read(lambda db: passes.select_members(db, which))
        if not members:
            raise InvalidInputError(NO_MEMBERS)
        sign = functools.partial(
            passes.issue_batch, key=key, kid=kid, days=valid_days, user=user, now=now
        )
        batch_id = await self.store.write(lambda db: sign(db, members))
        return {
            "batch_id": batch_id,
            "count": len(members),
            "valid_until": now + valid_days * 86400,
        }

    async def batches(self) -> list[dict[str, Any]]:
        return await self.store.read(passes.list_batches)

    async def pass_sheet(
        self,
        *,
        batch_id: int | None = None,
        member_ids: Sequence[int] = (),
        gettext: Gettext = english,
    ) -> bytes:
        """The PDF of a batch's cards, or of the given members' newest passes (its words
        through ``gettext``)."""
        if batch_id is not None:
            cards = await self.store.read(lambda db: passes.batch_cards(db, batch_id))
        else:
            cards = await self.store.read(lambda db: passes.latest_cards(db, member_ids))
        if not cards:
            raise NotFoundError(NOTHING_TO_PRINT)
        font = find_font(self.settings.font_file)
        return await asyncio.get_running_loop().run_in_executor(
            None, pass_sheet, cards, font, gettext
        )

    # -- visitors --------------------------------------------------------------------------------
    async def register_visit(
        self,
        *,
        household_id: int,
        name: str,
        reason: str,
        valid_from: float,
        valid_until: float,
        user: str,
    ) -> dict[str, Any]:
        visit_id = visits.new_visit_id()
        text = issue(
            self._visitor_key,
            kid=self.visitor_verifier.kid,
            visit_id=visit_id,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        now = self.clock()
        add = functools.partial(
            visits.add_visit, household_id=household_id, name=name, reason=reason,
            valid_from=valid_from, valid_until=valid_until,
            max_days=self.settings.visitor_max_days, user=user, now=now, visit_id=visit_id,
            pass_text=text,
        )  # fmt: skip
        await self._changed(add)
        return await self.store.read(lambda db: visits.get_visit(db, visit_id))

    async def cancel_visit(self, visit_id: str, user: str) -> None:
        now = self.clock()
        await self._changed(lambda db: visits.cancel_visit(db, visit_id, user, now))

    async def visits(self, since: float | None = None) -> list[dict[str, Any]]:
        start = since if since is not None else self.clock() - 86400
        return await self.store.read(lambda db: visits.list_visits(db, since=start))

    # -- manual registration ---------------------------------------------------------------------
    async def register_manual(
        self,
        *,
        lane: str,
        user: str,
        category: str,
        reason: str,
        temperature: float | None,
        id_last4: str = "",
        name: str = "",
        member_id: int | None = None,
    ) -> dict[str, Any]:
        """Decide and record a manual registration by ``user`` (audited); return the decision."""
        rules = self._policy().manual
        reason = reason.strip()
        if lane not in self.lanes:
            raise InvalidInputError(UNKNOWN_LANE.format(lane=lane))
        if not reason:
            raise InvalidInputError(NEEDS_REASON)
        if category not in rules.categories:
            known = ", ".join(rules.categories)
            raise InvalidInputError(UNKNOWN_CATEGORY.format(category=category, known=known))
        if rules.require_id_last4 and len(id_last4.strip()) != 4:
            raise InvalidInputError(NEEDS_ID_LAST4)
        subject = None
        if member_id is not None:
            member = await self.store.read(lambda db: registry.member_by_id(db, member_id))
            subject = member["resident_id"]
            name = name or member["name"]
        assert self.decide_manual is not None, "the assembly hands the lanes' manual decider"
        record = self.decide_manual(lane, ManualEntry(user, category, reason), temperature, subject)
        write = functools.partial(
            audit.record_manual, decision_key=record.key, lane=lane, at=record.decided_at,
            user=user, category=category, reason=reason, outcome=record.outcome,
            member_id=member_id, name=name, id_last4=id_last4.strip().upper(),
        )  # fmt: skip
        await self.store.write(write)
        return {
            "key": record.key,
            "lane": lane,
            "outcome": record.outcome,
            "rule": record.rule,
            "reason": record.reason,
            "decided_at": record.decided_at,
        }

    async def manual_registrations(self) -> list[dict[str, Any]]:
        return await self.store.read(audit.list_manual)

    async def audit(self) -> list[dict[str, Any]]:
        return await self.store.read(audit.audit_trail)

    # -- duty --------------------------------------------------------------------------------
    async def sign_in(self, lane: str, user: str) -> dict[str, Any]:
        if lane not in self.lanes:
            raise InvalidInputError(UNKNOWN_LANE.format(lane=lane))
        now = self.clock()
        shift = await self.store.write(lambda db: duty.start_shift(db, lane, user, now))
        self.roster.started(shift)
        self.check_lanes(now)
        handover = await self.store.read(lambda db: duty.last_handover(db, lane))
        return {
            "shift_id": shift.id,
            "lane": lane,
            "user": user,
            "since": now,
            "handover": handover,
        }

    async def sign_out(self, lane: str, user: str, note: str) -> None:
        now = self.clock()
        await self.store.write(lambda db: duty.end_shift(db, lane, user, now, note.strip()))
        self.roster.ended(lane, user)
        self.check_lanes(now)

    async def duty(self) -> list[dict[str, Any]]:
        """Per lane: who is on duty since when, the last handover note, an open alert."""
        handovers = await self.store.read(
            lambda db: {lane: duty.last_handover(db, lane) for lane in self.lanes}
        )
        out = []
        for lane, direction in self.lanes.items():
            alert = self.roster.open_alert(lane)
            out.append(
                {
                    "lane": lane,
                    "direction": direction,
                    "on_duty": [
                        {"user": s.user, "since": s.started_at} for s in self.roster.shifts(lane)
                    ],
                    "active": self.lane_active(lane),
                    "handover": handovers[lane],
                    "alert": alert.message if alert is not None else None,
                }
            )
        return out

    # -- the daily report ------------------------------------------------------------------------
    def _community(self) -> dict[str, str]:
        s = self.settings
        return {"name": s.name, "street": s.street, "district": s.district}

    async def report(self, day: dt.date) -> dict[str, Any]:
        extra = len(self.open_alerts())
        return await self.store.read(
            lambda db: report.daily_report(db, day, self.lanes, self._community(), extra)
        )

    async def report_pdf(self, day: dt.date, gettext: Gettext = english) -> bytes:
        data = await self.report(day)
        font = find_font(self.settings.font_file)
        return await asyncio.get_running_loop().run_in_executor(
            None, report.to_pdf, data, font, gettext
        )

    async def publish_figures(self, now: float) -> None:
        """Today's figures (and yesterday's, for the hours after midnight) for the centre."""
        today = dt.datetime.fromtimestamp(now).date()
        days = (
            [today]
            if now - report.day_bounds(today)[0] > 3600
            else [today - dt.timedelta(1), today]
        )
        extra = len(self.open_alerts())
        for day in days:
            compute = functools.partial(
                report.figures, day=day, directions=self.lanes, extra_open_alerts=extra
            )
            try:
                figures = await self.store.read(compute)
            except Exception as exc:
                log.warning("daily figures not computed: %s", exc)
                return
            self.bus.publish(DailyFigures(day.isoformat(), figures, now))

    # -- personal data ---------------------------------------------------------------------------
    async def purge_personal(self, older_than: float) -> int:
        def purge(db: sqlite_utils.Database) -> int:
            return visits.purge_personal(db, older_than) + audit.purge_personal(db, older_than)

        return await self.store.write(purge)
