"""The daily report: per community, per day, what happened at the gates.

Entries and exits (admitted on "in" and "out" lanes), fevers, denials by reason, rechecks,
overrides, manual registrations, visitors, household-rule refusals, stock and open alerts, and
the staff on duty per shift. :func:`figures` are counts only (what the centre receives, rolled
up by street and district); :func:`daily_report` adds the shifts with names and handover
notes, for the printed report that goes to the sub-district office.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

from edge.community.duty import shifts_between
from edge.community.printing import Gettext, english
from edge.core.words import N_

# -- what a person reads: English templates in the catalogue (edge/i18n); the CSV and the PDF
# are made in the language of whoever asked for them (``gettext``) ------------------------------
TITLE = N_("Daily report")
LABELS: dict[str, str] = {
    "screenings": N_("screenings"),
    "entries": N_("people in (entrance lanes)"),
    "exits": N_("people out (exit lanes)"),
    "passages": N_("passages (two-way lanes)"),
    "admitted": N_("admitted"),
    "denied": N_("denied"),
    "rechecks": N_("rechecks"),
    "fevers": N_("fevers"),
    "overrides": N_("overrides"),
    "manual_registrations": N_("manual registrations"),
    "visits_registered": N_("visits registered"),
    "visitor_passages": N_("visitor passages"),
    "household_refusals": N_("household-rule refusals"),
    "late_returns": N_("late returns"),
    "open_alerts": N_("open alerts"),
    "shifts": N_("shifts"),
    "staff_on_duty": N_("staff on duty"),
}
#: the admission policy's rule names (edge.rules.policy.RULES), as denials are counted by them
RULE_WORDS: dict[str, str] = {
    "fever": N_("fever"),
    "implausible-temperature": N_("implausible temperature reading"),
    "code-unreadable": N_("code unreadable"),
    "code-invalid": N_("code invalid, forged or expired"),
    "code-colour": N_("code red or yellow"),
    "no-temperature": N_("no temperature"),
    "no-code": N_("no code scanned"),
    "recheck-band": N_("temperature just under the fever line"),
    "household-exit-limit": N_("household's exits used up"),
    "household-late-return": N_("back late"),
    "visitor": N_("visitor"),
    "manual": N_("manual registration"),
    "override": N_("overridden to DENY"),
}
COMMUNITY_WORDS = {"name": N_("community"), "street": N_("street"), "district": N_("district")}
CSV_HEADER = (N_("section"), N_("item"), N_("value"))
SECTIONS = {
    "report": N_("report"),
    "day": N_("day"),
    "community": N_("community"),
    "figure": N_("figure"),
    "denied": N_("denied by reason"),
    "stock": N_("stock"),
    "shift": N_("shift"),
}
SHIFT_HEADERS = (N_("lane"), N_("staff"), N_("from"), N_("to"), N_("handover note"))
DENIED_LINE = N_("denied: {reason}")
STOCK_LINE = N_("stock: {item}")


def day_bounds(day: date) -> tuple[float, float]:
    start = datetime.combine(day, time()).astimezone()
    end = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return start.timestamp(), end.timestamp()


def _has_table(db: sqlite_utils.Database, name: str) -> bool:
    return bool(
        db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]).fetchone()
    )


def figures(
    db: sqlite_utils.Database,
    day: date,
    directions: Mapping[str, str],
    extra_open_alerts: int = 0,
) -> dict[str, Any]:
    """The day's counts, without any personal data."""
    start, end = day_bounds(day)
    out: Counter[str] = Counter()
    denied_by: Counter[str] = Counter()
    for lane, outcome, rule, overridden_to, n in db.execute(
        "SELECT lane, outcome, rule, overridden_to, COUNT(*) FROM screenings"
        " WHERE decided_at >= ? AND decided_at < ? GROUP BY 1, 2, 3, 4",
        [start, end],
    ):
        final = overridden_to or outcome
        out["screenings"] += n
        out[{"ADMIT": "admitted", "DENY": "denied", "RECHECK": "rechecks"}[final]] += n
        if final == "ADMIT":
            way = directions.get(lane, "both")
            out[{"in": "entries", "out": "exits"}.get(way, "passages")] += n
        if final == "DENY":
            denied_by["override" if overridden_to == "DENY" and outcome != "DENY" else rule] += n
        if rule == "fever":
            out["fevers"] += n
        if rule == "visitor" and final == "ADMIT":
            out["visitor_passages"] += n
        if rule == "household-exit-limit":
            out["household_refusals"] += n
        if rule == "household-late-return":
            out["late_returns"] += n
    out["overrides"] = db.execute(
        "SELECT COUNT(*) FROM overrides o JOIN screenings s ON s.id = o.screening_id"
        " WHERE s.decided_at >= ? AND s.decided_at < ?",
        [start, end],
    ).fetchone()[0]
    out["manual_registrations"] = db.execute(
        "SELECT COUNT(*) FROM manual_registrations WHERE at >= ? AND at < ?", [start, end]
    ).fetchone()[0]
    out["visits_registered"] = db.execute(
        "SELECT COUNT(*) FROM visits WHERE valid_from < ? AND valid_until >= ?"
        " AND cancelled_at IS NULL",
        [end, start],
    ).fetchone()[0]
    shifts = shifts_between(db, start, end)
    out["shifts"] = len(shifts)
    out["staff_on_duty"] = len({s["user"] for s in shifts})
    stock: dict[str, float] = {}
    open_alerts = extra_open_alerts
    if _has_table(db, "storeroom_stock"):
        for item, on_hand in db.execute(
            "SELECT item, on_hand FROM storeroom_stock WHERE on_hand IS NOT NULL ORDER BY item"
        ):
            stock[item] = round(float(on_hand), 3)
    if _has_table(db, "storeroom_alerts"):
        open_alerts += db.execute(
            "SELECT COUNT(*) FROM storeroom_alerts WHERE state != 'resolved'"
        ).fetchone()[0]
    result: dict[str, Any] = {"day": day.isoformat()}
    result.update({name: int(out[name]) for name in LABELS if name != "open_alerts"})
    result["open_alerts"] = open_alerts
    result["denied_by_reason"] = dict(sorted(denied_by.items()))
    result["stock"] = stock
    return result


def daily_report(
    db: sqlite_utils.Database,
    day: date,
    directions: Mapping[str, str],
    community: Mapping[str, str],
    extra_open_alerts: int = 0,
) -> dict[str, Any]:
    """The figures, the community's names, and each shift with its staff and handover note."""
    start, end = day_bounds(day)
    report = {"community": dict(community), **figures(db, day, directions, extra_open_alerts)}
    report["shift_list"] = shifts_between(db, start, end)
    return report


def _clock(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def rule_words(rule: str, gettext: Gettext = english) -> str:
    return gettext(RULE_WORDS[rule]) if rule in RULE_WORDS else rule


def to_csv(report: Mapping[str, Any], gettext: Gettext = english) -> str:
    """One figure a line (section, name, value), then the shifts: opens in any spreadsheet.
    Its words through ``gettext``."""
    _ = gettext
    buffer = io.StringIO()
    w = csv.writer(buffer)
    w.writerow([_(word) for word in CSV_HEADER])
    w.writerow([_(SECTIONS["report"]), _(SECTIONS["day"]), report["day"]])
    for key, value in report["community"].items():
        w.writerow([_(SECTIONS["community"]), _(COMMUNITY_WORDS.get(key, key)), value])
    for name, label in LABELS.items():
        w.writerow([_(SECTIONS["figure"]), _(label), report[name]])
    for rule, n in report["denied_by_reason"].items():
        w.writerow([_(SECTIONS["denied"]), rule_words(rule, _), n])
    for item, on_hand in report["stock"].items():
        w.writerow([_(SECTIONS["stock"]), item, on_hand])
    w.writerow([])
    w.writerow([_(SECTIONS["shift"]), *(_(h) for h in SHIFT_HEADERS)])
    for s in report["shift_list"]:
        w.writerow(
            [_(SECTIONS["shift"]), s["lane"], s["user"], _clock(s["started_at"]),
             _clock(s["ended_at"]), s["handover_note"] or ""]
        )  # fmt: skip
    return buffer.getvalue()


def to_pdf(report: Mapping[str, Any], font: Any, gettext: Gettext = english) -> bytes:
    """A one-page A4 PDF of the report (fpdf2, the 'community' extra), its words through
    ``gettext``."""
    from edge.community.printing import fonts, fpdf_module

    _ = gettext
    fpdf = fpdf_module()
    pdf = fpdf.FPDF(orientation="P", unit="mm", format="A4")
    fonts(pdf, font)
    pdf.add_page()
    community = report["community"]
    pdf.set_font("body", size=16)
    title = " ".join(x for x in (community.get("name"), _(TITLE), report["day"]) if x)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=10)
    where = ", ".join(x for x in (community.get("street"), community.get("district")) if x)
    if where:
        pdf.cell(0, 6, where, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    rows = [(_(label), str(report[name])) for name, label in LABELS.items()]
    rows += [
        (_(DENIED_LINE).format(reason=rule_words(rule, _)), str(n))
        for rule, n in report["denied_by_reason"].items()
    ]
    rows += [(_(STOCK_LINE).format(item=item), f"{n:g}") for item, n in report["stock"].items()]
    for label, value in rows:
        pdf.cell(80, 6, label)
        pdf.cell(30, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("body", size=9)
    widths = (20, 30, 30, 30, 80)
    for header, width in zip(SHIFT_HEADERS, widths, strict=True):
        pdf.cell(width, 6, _(header), border="B")
    pdf.ln()
    for s in report["shift_list"]:
        cells = (s["lane"], s["user"], _clock(s["started_at"]), _clock(s["ended_at"]),
                 (s["handover_note"] or "")[:60])  # fmt: skip
        for cell, width in zip(cells, widths, strict=True):
            pdf.cell(width, 6, cell)
        pdf.ln()
    return bytes(pdf.output())
