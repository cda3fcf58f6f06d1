"""Every kind of message the gateway makes for a person to read, made by the code that makes
it: a decision's reason for every rule (and every verifier's failure), household reasons,
storage problems, device notices and states, login and override errors. The catalogue tests
check that each one translates."""

from __future__ import annotations

from datetime import datetime

from cloud_sync.monitor.storage import fever, views
from edge.auth import guards
from edge.auth import service as auth_service
from edge.auth import web as auth_web
from edge.checkpoint import devices, records
from edge.core.storage_health import StorageHealth, StorageProblem
from edge.rules import household as hh
from edge.rules.policy import DOWN, Inputs, Policy, decide
from edge.storeroom import messages as storeroom
from edge.verify.base import CodeStatus, Verdict
from edge.verify.community_pass import verifier as cp
from edge.verify.dcc import verifier as dcc
from edge.web import routes_screenings
from firmware_interfaces.camera import capture
from firmware_interfaces.modbus import poller
from firmware_interfaces.transports import serial_port

NOW = datetime(2026, 11, 30, 10, 0).astimezone().timestamp()
DB = "/var/lib/edge-gateway/gateway.db"
#: values in the samples that are data, not words: a user's name, a reason typed by staff, a path
DATA = {"sam", "no phone", DB, "Masks", "box", "store-climate", "no answer", "s1", "s9"}
DATA |= {"/dev/ttyUSB0"}
DATA |= {"'masks'", "'low:masks'", "'s9'", "'weigh'"}
#: ... the community's: a lane, a column header and its other names, an exception's words
DATA |= {"north", "flat", "nurse", "elderly, child", "File is not a zip file", "/x.ttf"}
DATA |= {"room, 房号, 房间, 房间号, 门牌号", "name, 姓名, 名字", "building, 楼栋, 楼号, 栋, 楼"}
#: ... configuration keys, a package, an extra and a command line, as a person types them
DATA |= {"community.pass_key_file", "pass_kid", "community.font_file", "fonts-droid-fallback"}
DATA |= {"“community”", "'community'", "pip install 'community-checkpoint-gateway[community]'"}
DATA |= {"Xk3-"}
H = 3600.0


def _verdict(reason: str, step: str = "signature") -> Verdict:
    return Verdict(valid=False, code_type="community-pass", failed_step=step, reason=reason)


def _green() -> Verdict:
    return Verdict(valid=True, code_type="community-pass", status=CodeStatus.GREEN)


def decision_reasons() -> list[str]:
    """A reason for every rule of the policy, and every verifier's reason for a bad code."""
    p = Policy()
    household = Policy.model_validate(
        {"household": {"exits_per_period": 1, "period_hours": 48, "return_within_hours": 4}}
    )
    inputs = [
        Inputs(36.6, _green()),
        Inputs(38.1, _green()),
        Inputs(33.0, _green()),
        Inputs(36.6, _verdict(cp.UNREADABLE, "format")),
        Inputs(36.6, Verdict(valid=True, code_type="community-pass")),
        Inputs(37.1, _green()),
        Inputs(None, _green()),
        Inputs(None, _green(), thermometer_up=False),
        Inputs(36.6, None),
        Inputs(36.6, None, verifier_up=False),
        Inputs(36.6, _verdict("")),
    ]
    for status in CodeStatus:
        inputs.append(Inputs(36.6, Verdict(True, "community-pass", status=status)))
    verdict_reasons = [
        cp.SIGNATURE_INVALID, cp.UNKNOWN_KEY, cp.NOT_YET_VALID, cp.EXPIRED, cp.REVOKED,
        dcc.DAMAGED, *dcc.REASONS.values(),
        dcc.REASONS["value-set"].format(field=dcc.FIELD_WORDS["vaccine-product"], value="EU/1/2"),
        dcc.REASONS["value-set"].format(field=dcc.FIELD_WORDS["country"], value=dcc.BLANK),
    ]  # fmt: skip
    inputs += [Inputs(36.6, _verdict(r)) for r in verdict_reasons if "{" not in r]
    reasons = [decide(p, i).reason for i in inputs]
    reasons += [decide(Policy(on_thermometer_down="deny"), Inputs(None, _green(), False)).reason]
    reasons += list(DOWN.values())
    out = hh.HouseholdContext("3-2-501", exits=(NOW - 2 * H,), now=NOW)
    back = hh.HouseholdContext("3-2-501", out_since=NOW - 30 * H, now=NOW)
    later = hh.HouseholdContext("3-2-501", out_since=NOW - 5 * H, now=NOW)
    visitor = hh.HouseholdContext("3-2-501", visitor=True, now=NOW)
    reasons += [
        decide(household, Inputs(36.6, _green(), direction="out", household=out)).reason,
        decide(household, Inputs(36.6, _green(), direction="in", household=back)).reason,
        decide(household, Inputs(36.6, _green(), direction="in", household=later)).reason,
        decide(household, Inputs(36.6, _green(), household=visitor)).reason,
        decide(
            p,
            Inputs(36.6, None, manual=hh.ManualEntry("sam", p.manual.categories[0], "no phone")),
        ).reason,
        hh.local_time_words(NOW + 2 * H, NOW),
        hh.local_time_words(NOW + 24 * H, NOW),
    ]
    return reasons


def other_messages() -> list[str]:
    """Storage problems, device notices and states, errors a page shows."""
    found = []
    for problem in StorageProblem:
        health = StorageHealth(DB, problem)
        found += [health.what, health.advice]
    found += [devices.UNREADABLE_CODE, devices.UNREADABLE_READING, devices.NOT_OPENED]
    found += [records.NOT_RECORDED, records.GIVEN_UP, records.NEEDS_REASON]
    found += [records.ALREADY.format(outcome="DENY")]
    found += [
        auth_web.LOG_IN_FIRST, auth_web.WRONG_LOGIN, auth_web.TOO_MANY,
        auth_web.NOT_ALLOWED.format(role="supervisor", username="sam", actual="staff"),
        auth_service.WRONG_CURRENT, auth_service.TOO_SHORT, auth_service.TOO_LONG,
        auth_service.UNCHANGED, auth_service.NOT_HERE,
        guards.TOO_LARGE.format(limit=65536), guards.FOREIGN_ORIGIN, guards.NO_ORIGIN,
        guards.INTERNAL_ERROR,
        routes_screenings.NO_SCREENING.format(id=12),
        routes_screenings.NEEDS_REASON,
    ]  # fmt: skip
    found += [
        serial_port.PORT_OPENED, serial_port.DATA_RESUMED, serial_port.NO_DATA.format(seconds=5),
        serial_port.NO_USB_DEVICE, serial_port.PORT_IN_USE, *serial_port.OS_WORDS,
        capture.CAPTURE_OPENED, capture.END_OF_FILE, capture.NO_FRAMES, capture.STOPPED,
        capture.NO_CAMERA.format(index=0), capture.NO_VIDEO_FILE, capture.NO_STREAM,
    ]  # fmt: skip
    found += [
        *storeroom.SENSOR_STATES.values(), *storeroom.ITEM_STATUSES.values(),
        storeroom.NO_READING_YET, storeroom.NOT_A_WEIGHT, storeroom.BELOW_CONTAINER,
        storeroom.BETWEEN_COUNTS, storeroom.no_reading_for(60),
        storeroom.none_left("Masks"),
        storeroom.below_reorder_point("Masks", 4, "box", 24, 12.5),
        storeroom.short_of_lead_time("Masks", 4, "box", 1.5, 3),
        storeroom.stock_alert_withdrawn("Masks", "s1", 4, "box"),
        storeroom.climate_out_of_range(
            5, 25, 70, storeroom.climate_reading("store-climate", 27.3, 81)
        ),
        storeroom.climate_back_in_range("store-climate", 22.0, 55),
        storeroom.sensor_fault("s1", storeroom.BELOW_CONTAINER),
        storeroom.sensor_fault("s1", storeroom.device_trouble("unplugged", "no answer")),
        storeroom.sensor_reading_again("s1"),
        storeroom.ORDER_NEEDS_QUANTITY, storeroom.DELIVERY_NEEDS_QUANTITY,
        storeroom.COUNT_IS_WHOLE, storeroom.ONLY_MODBUS_COMMANDS,
        storeroom.unknown_item("masks"), storeroom.unknown_alert("low:masks"),
        storeroom.unknown_sensor("s9"), storeroom.unknown_command("weigh"),
    ]  # fmt: skip
    found += [fever.MESSAGE.format(minutes=60, fevers=4, threshold=3), views.NEVER_SEEN]
    found += [
        poller.CANNOT_OPEN.format(port="/dev/ttyUSB0"), poller.NO_ANSWER.format(address=2),
        poller.ANSWERING, poller.exception_reason(2), poller.exception_reason(99),
    ]  # fmt: skip
    return found + community_messages()


def community_messages() -> list[str]:
    """The community's: a spreadsheet's problems (as the importer finds them in bad files),
    the registry's, visitors' and duty's refusals, its alerts, the visitor pass's reasons,
    the printed sheet's and report's words."""
    from edge.community import (
        alerts,
        duty,
        importer,
        printing,
        registry,
        report,
        service,
        visits,
        web,
    )
    from edge.community import visitor_pass as vp
    from edge.community.errors import ImportRefusedError

    found: list[str] = []
    bad_files = [
        b"",
        b"building,flat,name,room,room\n",
        b"building,name\n",
        "楼栋,房号,姓名,电话,身份证后四位,有智能手机,单元\n,1,王伟,x,12,也许,a/b\n".encode(),
        "楼栋,房号,姓名\n1,1,王伟\n1,1,王伟\n1,1,".encode() + b"x" * 101 + b"\n",
        b"\xff\xfe\x00bad",
    ]
    for data in bad_files:
        try:
            importer.parse(importer.read_csv(data))
        except ImportRefusedError as exc:
            found += [p.message for p in exc.problems]
    try:
        importer.parse(importer.read_xlsx(b"PK not a workbook"))
    except ImportRefusedError as exc:
        found += [p.message for p in exc.problems]
    found += [importer.TOO_MANY.format(n=f"{importer.MAX_ROWS:,}"), importer.XLSX_NEEDS_EXTRA]
    found += list(importer.COLUMN_WORDS.values())
    roster = duty.DutyRoster(["north"], 0)
    opened = roster.check("north", True, NOW)
    assert opened is not None
    roster.started(duty.Shift(1, "north", "sam", NOW))
    staffed = roster.check("north", True, NOW)
    roster.adopt(opened)
    roster.ended("north", "sam")
    quiet = roster.check("north", False, NOW)
    assert staffed is not None and quiet is not None
    found += [opened.message, staffed.message, quiet.message]
    found += [
        duty.ALREADY_ON.format(user="sam", lane="north"),
        duty.NOT_ON.format(user="sam", lane="north"),
        alerts.out_late_message(1), alerts.out_late_message(3), alerts.ALL_BACK,
        registry.HOUSEHOLD_EXISTS.format(label="3-2-501"),
        registry.MEMBER_EXISTS.format(name="王伟", label="3-2-501"),
        registry.HOUSEHOLD.format(id=12), registry.MEMBER.format(id=40),
        visits.BAD_WINDOW.format(days="7"), visits.VISIT.format(id="Xk3-"),
        visits.ALREADY_CANCELLED.format(id="Xk3-"),
        service.NEEDS_ID_LAST4, service.NEEDS_REASON, service.NO_SIGNING_KEY,
        service.UNKNOWN_CATEGORY.format(category="nurse", known="elderly, child"),
        service.NO_MEMBERS, service.UNKNOWN_LANE.format(lane="north"), service.NOTHING_TO_PRINT,
        web.FILE_TOO_LARGE, web.NAME_BATCH_OR_MEMBERS, web.NO_SUCH_VISIT, web.BAD_DAY,
        web.NOTHING_IMPORTED.format(n=3),
        vp.NOT_YET.format(start=hh.local_time_words(NOW + 2 * H, NOW),
                          end=hh.local_time_words(NOW + 24 * H, NOW)),
        vp.ENDED.format(end=hh.local_time_words(NOW - 2 * H, NOW)), vp.CANCELLED,
        vp.FORGED, vp.UNREADABLE,
        printing.NO_FONT, printing.NEEDS_EXTRA, printing.NOT_A_FONT.format(path="/x.ttf"),
        printing.CARD_TITLE, printing.VALID_UNTIL.format(date="2027-02-28"), printing.CUT_HINT,
        report.TITLE, *report.LABELS.values(), *report.RULE_WORDS.values(),
        *report.COMMUNITY_WORDS.values(), *report.CSV_HEADER, *report.SECTIONS.values(),
        *report.SHIFT_HEADERS, report.DENIED_LINE.format(reason=report.RULE_WORDS["fever"]),
        report.STOCK_LINE.format(item="Masks"),
    ]  # fmt: skip
    return found


#: device states and outcomes as the server sends them (the page words them)
DEVICE_STATES = ["connected", "silent", "unplugged", "fault", "starting"]
