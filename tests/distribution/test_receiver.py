"""The gateway's receiver against a real Mosquitto: applied, persisted, acknowledged, refused.

Each gateway runs the real uplink (its outbox carries the acknowledgements) with the real
community pass verifier and policy store; the centre here publishes with the same code as
``central-monitor`` (:mod:`cloud_sync.distribution.publishing`).
"""

from __future__ import annotations

import random
import string

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.frames import head_topic, item_frame
from cloud_sync.distribution.items import Item, sign_item
from cloud_sync.distribution.kinds import Kind, Mode, Scope
from edge.rules.policy import Policy
from edge.runtime.metrics import exposition, uplink_metrics
from tests.distribution.conftest import World, wait_for
from tests.distribution.helpers import new_key, status

WILLOW = Scope.parse("community:willow-court")
KEY = "status-list/community:willow-court"


async def test_snapshot_then_delta_are_in_force_acknowledged_and_survive_a_restart(
    world: World,
) -> None:
    gate = world.gate()
    await gate.start()
    first = await world.centre.put(
        world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "green", "p2": "red", "p3": "red"})
    )
    await wait_for(lambda: gate.colour("p2") == "red", what="snapshot in force")
    ack = await world.wait_ack("gw-a", KEY, lambda b: b["held"] == first.version)
    assert ack["status"] == "applied" and ack["refused_reason"] == ""
    assert "3 passes" in ack["reason"]

    many = {f"x{n}": "green" for n in range(200)}  # a delta is sent when it is the smaller
    second = await world.centre.put(
        world.client,
        Kind.STATUS_LIST,
        WILLOW,
        status({**many, "p1": "green", "p2": "revoked", "p4": "red"}),
    )
    assert second.mode is Mode.SNAPSHOT
    third = await world.centre.put(
        world.client,
        Kind.STATUS_LIST,
        WILLOW,
        status({**many, "p1": "green", "p2": "revoked", "p4": "red", "p5": "red"}),
    )
    assert third.mode is Mode.DELTA
    await wait_for(lambda: gate.colour("p5") == "red", what="delta in force")
    await wait_for(lambda: gate.colour("p2") == "revoked", what="delta in force")
    assert gate.colour("p3") is None and gate.colour("p4") == "red"
    await world.wait_ack("gw-a", KEY, lambda b: b["held"] == third.version)
    assert gate.service is not None
    scrape = exposition(list(await uplink_metrics(gate.service.status)())).decode()
    held = 'ccg_distribution_held_version{kind="status-list",scope="community:willow-court"}'
    line = next(x for x in scrape.splitlines() if x.startswith(held + " "))
    assert float(line.split()[-1]) == third.version  # /metrics shows what is in force
    assert 'ccg_distribution_items_total{outcome="applied"} 3.0' in scrape
    refused = 'ccg_distribution_refused{kind="status-list",scope="community:willow-court"}'
    assert f"{refused} 0.0" in scrape

    await gate.stop()
    await gate.start()  # the same store: what was in force is in force again at once
    assert gate.colour("p2") == "revoked" and gate.colour("p5") == "red"
    assert gate.held(Kind.STATUS_LIST, str(WILLOW)) == third.version


async def test_forged_replayed_older_out_of_scope_and_truncated_are_refused_and_acked(
    world: World,
) -> None:
    gate = world.gate()
    await gate.start()
    good = await world.centre.put(world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "red"}))
    await wait_for(lambda: gate.colour("p1") == "red")
    newer = await world.centre.put(
        world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "revoked"})
    )
    await wait_for(lambda: gate.colour("p1") == "revoked")
    topic = head_topic(WILLOW, Kind.STATUS_LIST)

    async def send(text: str) -> dict[str, object]:
        before = world.ack("gw-a", KEY)
        refused_at = before["refused_at"] if before else None
        await world.client.publish(topic, item_frame(text), qos=1)
        return await world.wait_ack(
            "gw-a", KEY, lambda b: b["refused_at"] is not None and b["refused_at"] != refused_at
        )

    def forged_item(version: int) -> Item:
        return Item(
            Kind.STATUS_LIST, WILLOW, version, Mode.SNAPSHOT, 0, 1.0, {"entries": {"p1": "green"}}
        )

    forged = await send(sign_item(new_key(), "centre-1", forged_item(newer.version + 1)))
    assert forged["refused_reason"].startswith("forged:")
    unknown = await send(sign_item(new_key(), "centre-9", forged_item(newer.version + 1)))
    assert unknown["refused_reason"].startswith("unknown-key:")
    replayed = await send(good.snapshot_text)
    assert replayed["refused_reason"].startswith("older:")
    assert replayed["refused_version"] == good.version
    other = Item(
        Kind.STATUS_LIST,
        Scope.parse("community:elm-row"),
        newer.version + 1,
        Mode.SNAPSHOT,
        0,
        1.0,
        {"entries": {"p1": "green"}},
    )
    out_of_scope = await send(sign_item(world.centre.key, "centre-1", other))
    assert out_of_scope["refused_reason"].startswith("out-of-scope:")
    truncated = await send(newer.head_text[: len(newer.head_text) - 40])
    assert truncated["refused_reason"].startswith(("damaged:", "forged:"))
    bad_content = Item(
        Kind.STATUS_LIST,
        WILLOW,
        newer.version + 1,
        Mode.SNAPSHOT,
        0,
        1.0,
        {"entries": {"p1": "purple"}},
    )
    content = await send(sign_item(world.centre.key, "centre-1", bad_content))
    assert content["refused_reason"].startswith("content:")
    assert gate.service is not None
    scrape = exposition(list(await uplink_metrics(gate.service.status)())).decode()
    assert 'ccg_distribution_refused{kind="status-list",scope="community:willow-court"} 1.0' in (
        scrape
    )  # the last item was refused: an alert rule can see it
    refusals = next(x for x in scrape.splitlines() if 'items_total{outcome="refused"}' in x)
    assert float(refusals.split()[-1]) >= 6  # forged, unknown key, older, scope, cut, content

    # Through all of it, the gateway kept what it had, and says so.
    assert gate.colour("p1") == "revoked"
    last = world.ack("gw-a", KEY)
    assert last is not None and last["held"] == newer.version
    # A repeat of what is held (QoS 1, a retained head) is no refusal.
    await world.client.publish(topic, item_frame(newer.head_text), qos=1)
    await world.centre.put(world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "green"}))
    await wait_for(lambda: gate.colour("p1") == "green")


async def test_a_gateway_offline_during_three_publications_comes_back_with_the_latest(
    world: World,
) -> None:
    gate = world.gate()
    await gate.start()
    await world.centre.put(world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "green"}))
    await wait_for(lambda: gate.colour("p1") == "green")
    await gate.stop()

    notice = CODECS[Kind.NOTICE]
    everyone = Scope("all")
    mine = Scope.parse("gateway:gw-a")
    for n in range(3):  # three publications of each kind while it is away
        await world.centre.put(
            world.client, Kind.STATUS_LIST, WILLOW, status({"p1": "red", f"q{n}": "yellow"})
        )
        await world.centre.put(
            world.client,
            Kind.POLICY,
            mine,
            CODECS[Kind.POLICY].snapshot({"policy": {"fever_threshold_c": 37.0 + n / 10}}),
        )
        notices = [
            {"id": f"n{i}", "severity": "info", "title": f"Notice {i}", "issued_at": float(i)}
            for i in range(n + 1)
        ]
        await world.centre.put(
            world.client, Kind.NOTICE, everyone, notice.snapshot({"notices": notices})
        )

    await gate.start()
    versions = world.centre.versions
    await wait_for(
        lambda: (
            gate.held(Kind.STATUS_LIST, str(WILLOW)) == versions[(Kind.STATUS_LIST, WILLOW)]
            and gate.held(Kind.POLICY, str(mine)) == versions[(Kind.POLICY, mine)]
            and gate.held(Kind.NOTICE, "all") == versions[(Kind.NOTICE, everyone)]
        ),
        what="latest of each kind",
    )
    assert gate.colour("p1") == "red" and gate.colour("q2") == "yellow"
    assert gate.colour("q0") is None  # a full snapshot, not the deltas it missed piled up
    assert gate.policy is not None and gate.policy.current.fever_threshold_c == 37.2
    assert gate.policy.source == "central"
    await world.wait_ack(
        "gw-a", "policy/gateway:gw-a", lambda b: b["held"] == versions[(Kind.POLICY, mine)]
    )


async def test_a_big_list_comes_in_parts_and_a_bad_policy_is_refused(world: World) -> None:
    gate = world.gate()
    await gate.start()
    rng = random.Random(7)
    ids = {"".join(rng.choices(string.ascii_letters, k=22)) for _ in range(40_000)}
    entries = {pass_id: rng.choice(["green", "red"]) for pass_id in ids}
    pub = await world.centre.put(world.client, Kind.STATUS_LIST, WILLOW, status(entries))
    assert pub.parts > 1
    probe = next(iter(entries))
    await wait_for(lambda: gate.colour(probe) == entries[probe], what="big snapshot in force")
    assert gate.service is not None and gate.service.receiver is not None
    assert gate.service.receiver.stats.fetches == 1

    mine = Scope.parse("gateway:gw-a")
    bad = CODECS[Kind.POLICY].snapshot({"policy": {"fever_threshold_c": 55}})
    await world.centre.put(world.client, Kind.POLICY, mine, bad)
    ack = await world.wait_ack("gw-a", "policy/gateway:gw-a", lambda b: b["refused_at"] is not None)
    assert ack["refused_reason"].startswith("not-applied:")
    assert "fever_threshold_c" in ack["refused_reason"]
    assert gate.policy is not None and gate.policy.current == Policy()
