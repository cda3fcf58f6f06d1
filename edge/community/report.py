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

# -- what a person reads (one place, to be translated) ------------------------------------------
TITLE = "Daily report"
LABELS: dict[str, str] = {
    "screenings": "screenings",
    "entries": "entries",
    "exits": "exits",
    "passages": "passages (two-way lanes)",
    "admitted": "admitted",
    "denied": "denied",
    "rechecks": "rechecks",
    "fevers": "fevers",
    "overrides": "overrides",
    "manual_registrations": "manual registrations",
    "visits_registered": "visits registered",
    "visitor_passages": "visitor passages",
    "household_refusals": "household-rule refusals",
    "late_returns": "late returns",
    "open_alerts": "open alerts",
    "shifts": "shifts",
    "staff_on_duty": "staff on duty",
}
SHIFT_HEADERS = ("lane", "staff", "from", "to", "handover note")
STOCK_HEADERS = ("item", "on hand")


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


def to_csv(report: Mapping[str, Any]) -> str:
    """One figure a line (``section,name,value``), then the shifts: opens in any spreadsheet."""
    buffer = io.StringIO()
    w = csv.writer(buffer)
    w.writerow(["section", "name", "value"])
    w.writerow(["report", "day", report["day"]])
    for key, value in report["community"].items():
        w.writerow(["community", key, value])
    for name, label in LABELS.items():
        w.writerow(["figure", label, report[name]])
    for rule, n in report["denied_by_reason"].items():
        w.writerow(["denied by reason", rule, n])
    for item, on_hand in report["stock"].items():
        w.writerow(["stock", item, on_hand])
    w.writerow([])
    w.writerow(["shift", *SHIFT_HEADERS])
    for s in report["shift_list"]:
        w.writerow(
            ["shift", s["lane"], s["user"], _clock(s["started_at"]), _clock(s["ended_at"]),
             s["handover_note"] or ""]
        )  # fmt: skip
    return buffer.getvalue()


def to_pdf(report: Mapping[str, Any], font: Any) -> bytes:
    """A one-page A4 PDF of the report (fpdf2, the 'community' extra)."""
    from edge.community.printing import fonts, fpdf_module

    fpdf = fpdf_module()
    pdf = fpdf.FPDF(orientation="P", unit="mm", format="A4")
    fonts(pdf, font)
    pdf.add_page()
    community = report["community"]
    pdf.set_font("body", size=16)
    title = " ".join(x for x in (community.get("name"), TITLE, report["day"]) if x)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=10)
    where = ", ".join(x for x in (community.get("street"), community.get("district")) if x)
    if where:
        pdf.cell(0, 6, where, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    rows = [(label, str(report[name])) for name, label in LABELS.items()]
    rows += [(f"denied: {rule}", str(n)) for rule, n in report["denied_by_reason"].items()]
    rows += [(f"stock: {item}", f"{n:g}") for item, n in report["stock"].items()]
    for label, value in rows:
        pdf.cell(80, 6, label)
        pdf.cell(30, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("body", size=9)
    widths = (20, 30, 30, 30, 80)
    for header, width in zip(SHIFT_HEADERS, widths, strict=True):
        pdf.cell(width, 6, header, border="B")
    pdf.ln()
    for s in report["shift_list"]:
        cells = (s["lane"], s["user"], _clock(s["started_at"]), _clock(s["ended_at"]),
                 (s["handover_note"] or "")[:60])  # fmt: skip
        for cell, width in zip(cells, widths, strict=True):
            pdf.cell(width, 6, cell)
        pdf.ln()
    return bytes(pdf.output())
