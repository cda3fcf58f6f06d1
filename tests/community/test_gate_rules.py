"""At the gate, with a real gateway process: household exits across a restart, visitor passes
inside and outside their window, manual registrations in the audit."""

from __future__ import annotations

import time
from pathlib import Path

from edge.rules.policy import Policy
from tests.community.gate import community_workspace, import_households, lane_devices, running

HOUSEHOLDS = "楼栋,单元,房号,姓名,有智能手机\n3,2,501,王伟,是\n3,2,501,李芳,是\n3,2,502,张敏,否\n"


async def test_a_household_that_used_its_exits_is_refused_across_a_restart(tmp_path: Path) -> None:
    policy = Policy.model_validate({"household": {"exits_per_period": 1, "period_hours": 48}})
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, policy)
        members = import_households(ws, HOUSEHOLDS)
        wang, li = (ws.issuer.issue(r, "green", days=30) for r in members["3-2-501"])
        zhang = ws.issuer.issue(members["3-2-502"][0], "green")
        async with running(ws, port, devices) as gate:
            signed = await gate.staff.post("/api/community/duty/sign-in", json={"lane": "out"})
            assert signed.status_code == 200, signed.text
            first = await gate.screen("out", wang)
            assert (first["outcome"], first["rule"]) == ("ADMIT", "admit")
            refused = await gate.screen("out", li)
            assert (refused["outcome"], refused["rule"]) == ("DENY", "household-exit-limit")
            assert refused["reason"].startswith(
                "household 3-2-501 has used its 1 exit in 2 days: next exit "
            )
            other = await gate.screen("out", zhang)  # another household is not counted
            assert other["outcome"] == "ADMIT"
            back = await gate.screen("in", wang)  # coming back in is never limited
            assert back["outcome"] == "ADMIT"
            listed = (await gate.staff.get("/api/screenings", params={"lane": "out"})).json()
            assert {s["on_duty"] for s in listed} == {"staff"}  # attributed to who was on duty
        async with running(ws, port, devices) as gate:
            again = await gate.screen("out", li)
            assert (again["outcome"], again["rule"]) == ("DENY", "household-exit-limit")
            assert again["reason"] == refused["reason"]
            duty = (await gate.staff.get("/api/community/duty")).json()
            assert [d["on_duty"][0]["user"] for d in duty if d["lane"] == "out"] == ["staff"]


async def test_a_visitor_pass_works_inside_its_window_only(tmp_path: Path) -> None:
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, Policy())
        import_households(ws, HOUSEHOLDS)
        async with running(ws, port, devices) as gate:
            household = (await gate.staff.get("/api/community/households")).json()
            host = next(h for h in household["households"] if h["label"] == "3-2-501")
            now = time.time()

            async def visit(start: float, end: float) -> dict[str, object]:
                answer = await gate.staff.post(
                    "/api/community/visits",
                    json={"household_id": host["id"], "name": "赵磊", "reason": "delivering food",
                          "valid_from": start, "valid_until": end},
                )  # fmt: skip
                assert answer.status_code == 201, answer.text
                return answer.json()  # type: ignore[no-any-return]

            inside = await visit(now - 60, now + 3600)
            later = await visit(now + 7200, now + 10800)
            ended = await visit(now - 7200, now - 3600)
            ok = await gate.screen("in", str(inside["pass_text"]))
            assert (ok["outcome"], ok["rule"]) == ("ADMIT", "visitor")
            assert ok["reason"].startswith("visitor of 3-2-501")
            early = await gate.screen("in", str(later["pass_text"]))
            assert (early["outcome"], early["rule"]) == ("DENY", "code-invalid")
            assert early["reason"].startswith("visitor pass valid from today ")
            late = await gate.screen("in", str(ended["pass_text"]))
            assert late["outcome"] == "DENY" and late["reason"].startswith("visitor pass ended")
            cancelled = await gate.staff.post(f"/api/community/visits/{inside['visit_id']}/cancel")
            assert cancelled.status_code == 200
            refused = await gate.screen("in", str(inside["pass_text"]))
            assert (refused["outcome"], refused["reason"]) == ("DENY", "visit cancelled")
            qr = await gate.staff.get(f"/api/community/visits/{inside['visit_id']}/qr.svg")
            assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content


async def test_a_manual_registration_is_decided_attributed_and_audited(tmp_path: Path) -> None:
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, Policy())
        async with running(ws, port, devices) as gate:
            body = {"lane": "in", "category": "elderly", "reason": "no smartphone",
                    "temperature": 36.4, "id_last4": "123X", "name": "陈奶奶"}  # fmt: skip
            missing = await gate.staff.post("/api/community/manual", json={**body, "id_last4": ""})
            assert missing.status_code == 422
            assert "last 4 characters" in missing.json()["detail"]
            done = await gate.staff.post("/api/community/manual", json=body)
            assert done.status_code == 200, done.text
            decided = done.json()
            assert (decided["outcome"], decided["rule"]) == ("ADMIT", "manual")
            assert decided["reason"] == "manual registration (elderly) by staff: no smartphone"
            shown = await gate.next("ScreeningDecided", rule="manual")
            assert shown["key"] == decided["key"]
            fever = await gate.staff.post(
                "/api/community/manual", json={**body, "temperature": 38.2}
            )
            assert (fever.json()["outcome"], fever.json()["rule"]) == ("DENY", "fever")
            audit = (await gate.staff.get("/api/community/audit")).json()
            manual = [a for a in audit if a["kind"] == "manual"]
            assert [(a["user"], a["reason"], a["category"]) for a in manual] == [
                ("staff", "no smartphone", "elderly")
            ] * 2
            report = (await gate.staff.get("/api/community/report")).json()
            assert report["manual_registrations"] == 2 and report["fevers"] == 1
