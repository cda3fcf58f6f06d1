"""The centre's side: ``central-monitor publish``/``heard``/``push-policy`` with a real monitor
process (which puts publications on the broker) and gateways running the real uplink.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cloud_sync.distribution.kinds import Kind
from cloud_sync.monitor.cli import main
from cloud_sync.monitor.distribution.heard import Heard
from cloud_sync.monitor.storage import open_storage
from tests.distribution.conftest import World, wait_for
from tests.distribution.processes import Centre, centre_keys


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def centre(world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    private, trusted = centre_keys(tmp_path / "centre")
    world.keys_dir = trusted  # the gateways made from now on trust the centre's key
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    process = Centre(world.broker.port, db, tmp_path / "centre").start()
    yield process, private, db
    process.stop()


async def test_publish_reaches_the_gateways_and_heard_says_who(
    world: World,
    centre: tuple[Centre, Path, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    process, key, db = centre
    gates = [world.gate("gw-a"), world.gate("gw-b"), world.gate("gw-c", community="elm-row")]
    for gate in gates:
        assert gate.community is not None
        registered = await cli(
            capsys, "gateways", "add", gate.gateway_id, "--community", gate.community, "--db", db
        )
        assert registered[0] == 0, registered
        await gate.start()
    changes = tmp_path / "revoke.csv"
    changes.write_text("pass_id,colour\np-1,revoked\np-2,red\n# a comment\n\np-3,yellow\n")
    code, out, err = await cli(
        capsys, "publish", "status-list", str(changes), "--scope", "community:willow-court",
        "--key", str(key), "--db", db, "--wait", "30", "--json", "--by", "duty-officer",
    )  # fmt: skip
    assert code == 0, (out, err, process.tail())
    result = json.loads(out)
    assert result["heard"]["audience"] == 2 and result["heard"]["heard"] == 2
    assert result["summary"] == "3 change(s): 1 red, 1 revoked, 1 yellow"
    assert gates[0].colour("p-1") == "revoked" and gates[1].colour("p-2") == "red"
    assert gates[2].colour("p-1") is None  # another community's list

    notice = await cli(
        capsys, "publish", "notice", "--scope", "all", "--severity", "warning",
        "--title", "Thermometer batteries", "--key", str(key), "--db", db, "--wait", "30",
    )  # fmt: skip
    assert notice[0] == 0, notice
    assert "heard by 3 of 3 gateway(s)" in notice[1]

    await gates[1].stop()
    code, out, _ = await cli(
        capsys, "publish", "status-list", str(changes), "--scope", "community:willow-court",
        "--key", str(key), "--db", db,
    )  # fmt: skip
    assert code == 1  # nothing changes
    changes.write_text("p-1,green\np-4,remove\n")
    code, out, _ = await cli(
        capsys, "publish", "status-list", str(changes), "--scope", "community:willow-court",
        "--key", str(key), "--db", db, "--wait", "3",
    )  # fmt: skip
    assert code == 1, out  # gw-b is away: not heard by all
    assert "heard by 1 of 2" in out and "gw-b" in out
    await wait_for(lambda: gates[0].colour("p-1") == "green")

    code, out, _ = await cli(capsys, "heard", "--json", "--db", db)
    publications = json.loads(out)
    assert [p["kind"] for p in publications] == ["status-list", "notice", "status-list"]
    latest = publications[0]
    assert (latest["heard"], latest["not_heard"]) == (1, 1)
    assert latest["waiting"][0]["gateway"] == "gw-b"
    assert latest["waiting"][0]["why"] == f"holds version {publications[2]['version']}"
    assert publications[2]["published_by"] == "duty-officer"
    code, out, _ = await cli(capsys, "heard", "--gateways", "--json", "--db", db)
    by_gateway = {g["gateway"]: g for g in json.loads(out)}
    assert by_gateway["gw-b"]["lags"] and not by_gateway["gw-a"]["lags"]
    assert by_gateway["gw-c"]["kinds"].keys() == {"notice"}

    # The gateway that was away comes back and catches up; the centre sees it.
    await gates[1].start()
    storage = open_storage(db)
    try:
        heard = Heard(storage.backend)
        await wait_for(lambda: not any(g["lags"] for g in heard.gateways()), what="all caught up")
    finally:
        storage.close()
    assert gates[1].colour("p-1") == "green"


async def test_usage_errors_say_what_is_wrong(
    world: World,
    centre: tuple[Centre, Path, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _process, key, db = centre
    bad = tmp_path / "bad.csv"
    bad.write_text("p-1,purple\n")
    code, _, err = await cli(
        capsys, "publish", "status-list", str(bad), "--key", str(key), "--db", db
    )
    assert code == 2 and "bad.csv:1" in err and "'purple' is not a colour" in err
    code, _, err = await cli(
        capsys, "publish", "status-list", str(bad), "--scope", "town", "--key", str(key),
        "--db", db,
    )  # fmt: skip
    assert code == 2 and "not a scope" in err
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"fever_threshold_c": 55}))
    code, _, err = await cli(capsys, "publish", "policy", str(policy), "--key", str(key),
                             "--db", db)  # fmt: skip
    assert code == 2 and "fever_threshold_c" in err
    code, _, err = await cli(
        capsys, "publish", "withdraw-notice", "n-1", "--key", str(key), "--db", db
    )
    assert code == 2 and "no notice n-1" in err


async def test_push_policy_is_a_policy_publication_for_one_gateway(
    world: World,
    centre: tuple[Centre, Path, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _process, key, db = centre
    gate = world.gate("gw-p")
    await gate.start()
    policy = tmp_path / "fever.json"
    policy.write_text(json.dumps({"fever_threshold_c": 37.5}))
    broker = f"127.0.0.1:{world.broker.port}"
    code, out, err = await cli(
        capsys, "push-policy", "--broker", broker, "--gateway", "gw-p", "--policy", str(policy),
        "--key", str(key), "--timeout", "30", "--db", db,
    )  # fmt: skip
    assert code == 0, (out, err)
    shown = json.loads(out)
    assert shown["accepted"] is True and shown["ack"]["status"] == "applied"
    assert gate.policy is not None and gate.policy.current.fever_threshold_c == 37.5
    assert gate.held(Kind.POLICY, "gateway:gw-p") == shown["version"]
    # Again: nothing new to publish, but the answer is the same.
    code, out, _ = await cli(
        capsys, "push-policy", "--broker", broker, "--gateway", "gw-p", "--policy", str(policy),
        "--key", str(key), "--timeout", "30", "--db", db,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["version"] == shown["version"]
    code, _, err = await cli(
        capsys, "push-policy", "--broker", broker, "--gateway", "gw-none", "--policy",
        str(policy), "--key", str(key), "--timeout", "1",
    )  # fmt: skip
    assert code == 3 and "no acknowledgement from gw-none" in err


async def test_the_api_shows_who_has_heard_to_a_viewer(
    world: World,
    centre: tuple[Centre, Path, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from cloud_sync.monitor.app import create_app
    from tests.monitor.logins import as_viewer, settings_with_users

    _process, key, db = centre
    gate = world.gate("gw-a")
    await cli(capsys, "gateways", "add", "gw-a", "--community", "willow-court", "--db", db)
    await cli(capsys, "gateways", "add", "gw-z", "--community", "willow-court", "--db", db)
    await gate.start()
    code, out, _ = await cli(
        capsys, "publish", "notice", "--scope", "community:willow-court", "--title", "Masks",
        "--key", str(key), "--db", db, "--wait", "5", "--json",
    )  # fmt: skip
    assert code == 1  # gw-z was never seen
    published = json.loads(out)
    app = create_app(settings_with_users(tmp_path, db=db))
    with TestClient(app) as client:
        assert client.get("/api/distribution/publications").status_code == 401
        rows = client.get("/api/distribution/publications", headers=as_viewer()).json()
        assert [(r["kind"], r["heard"], r["audience"]) for r in rows] == [("notice", 1, 2)]
        one = client.get(
            f"/api/distribution/publications/{published['publication']}", headers=as_viewer()
        ).json()
        assert [w["gateway"] for w in one["waiting"]] == ["gw-z"]
        assert one["waiting"][0]["why"] == "never seen by this centre"
        assert [h["gateway"] for h in one["heard_by"]] == ["gw-a"]
        missing = client.get("/api/distribution/publications/999", headers=as_viewer())
        assert missing.status_code == 404
        notices = client.get("/api/distribution/notices", headers=as_viewer()).json()
        assert [(n["title"], n["unread_at"]) for n in notices] == [("Masks", ["gw-a", "gw-z"])]
        streams = client.get("/api/distribution/streams", headers=as_viewer()).json()
        assert streams[0]["sent"] is True
        fleet = client.get("/api/distribution/gateways", headers=as_viewer()).json()
        assert {g["gateway"]: g["lags"] for g in fleet} == {"gw-a": False, "gw-z": True}


async def test_a_notice_is_read_and_answered_and_the_centre_sees_who(
    world: World,
    centre: tuple[Centre, Path, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from edge.notices.board import NoticeError

    _process, key, db = centre
    gate = world.gate("gw-a")
    await cli(capsys, "gateways", "add", "gw-a", "--community", "willow-court", "--db", db)
    await gate.start()
    code, out, _ = await cli(
        capsys, "publish", "notice", "--scope", "all", "--severity", "critical", "--title",
        "Rule change at 06:00", "--text", "From tomorrow, fever at 37.0", "--key", str(key),
        "--db", db, "--wait", "20", "--json",
    )  # fmt: skip
    assert code == 0, out
    notice_id = json.loads(out)["notice_id"]
    board = gate.notices
    assert board is not None
    [shown] = await board.current("staff-1")
    assert (shown["id"], shown["severity"], shown["read"]) == (notice_id, "critical", False)
    await board.mark_read(notice_id, "staff-1")
    await board.reply(notice_id, "staff-2", "We are out of\nthermometer batteries")
    [after] = await board.current("staff-1")
    assert after["read"] is True and [r["user"] for r in after["read_by"]] == ["staff-1"]
    assert (await board.current("staff-2"))[0]["read"] is False  # each reads for themself
    with pytest.raises(NoticeError):
        await board.reply(notice_id, "staff-2", "   ")

    storage = open_storage(db)
    try:
        heard = Heard(storage.backend)

        def seen() -> bool:
            notices = heard.notices()
            return bool(notices and notices[0]["reads"] and notices[0]["replies"])

        await wait_for(seen, what="read receipt and reply at the centre")
        [centre_view] = heard.notices()
    finally:
        storage.close()
    assert centre_view["read_at_gateways"] == 1 and centre_view["unread_at"] == []
    assert [(r["gateway"], r["user"]) for r in centre_view["reads"]] == [("gw-a", "staff-1")]
    assert [(r["user"], r["text"]) for r in centre_view["replies"]] == [
        ("staff-2", "We are out of thermometer batteries")
    ]

    # Withdrawn at the centre: gone from the page.
    code, _, _ = await cli(
        capsys, "publish", "withdraw-notice", notice_id, "--key", str(key), "--db", db,
        "--wait", "20",
    )  # fmt: skip
    assert code == 0
    assert await board.current("staff-1") == []
