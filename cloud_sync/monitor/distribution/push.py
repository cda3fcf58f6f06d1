"""``central-monitor push-policy``: one gateway's policy, as a publication of the policy kind.

The command it always was (a gateway, a policy file, the centre's key; it shows the gateway's
answer; exit 0 applied, 1 refused, 3 no answer), now on the distribution mechanism: the policy
is published for the scope ``gateway:<id>`` (retained, so a gateway that is offline gets it when
it comes back) and the answer is that gateway's acknowledgement of the stream. With ``--db`` the
publication is also recorded and audited, and the running monitor keeps it on the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.kinds import Kind, Mode, Scope
from cloud_sync.distribution.publishing import Publication, messages, publish
from cloud_sync.monitor.distribution import inputs
from cloud_sync.monitor.distribution import publisher as p
from cloud_sync.monitor.distribution.store import DistributionStore, Outbound
from cloud_sync.monitor.errors import PolicyPushError
from cloud_sync.monitor.ingest import DataMessage, classify
from cloud_sync.monitor.service import mqtt_subscriber
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage import Storage, open_storage
from cloud_sync.protocol import GATEWAY_ID, Stream, data_topic

NO_ANSWER = "no acknowledgement from {gateway} within {s:g} s (is it online? see /api/gateways)"
NO_BROKER = "cannot connect to the broker {host}:{port}"


@dataclass(frozen=True, slots=True)
class Answer:
    accepted: bool
    version: int
    ack: dict[str, Any]


def _sign(
    doc: dict[str, Any], signer: p.Signer, scope: Scope, db: str | None
) -> tuple[Publication, Outbound | None, Storage | None]:
    """The publication, recorded when there is a database (with what is on the broker)."""
    if db is None:
        pub = publish(
            signer.key,
            signer.kid,
            Kind.POLICY,
            scope,
            previous_version=0,
            old_value=None,
            new_value=CODECS[Kind.POLICY].snapshot({"policy": doc}),
            now=time.time(),
        )
        return pub, None, None
    storage = open_storage(db)
    store = DistributionStore(storage.backend)
    change, summary = p.policy(doc)
    # Already the policy in force (nothing to publish): it is sent again, and asked for again.
    with contextlib.suppress(p.NothingToPublishError):
        p.Publisher(store, signer).publish(
            Kind.POLICY, scope, change, by=p.current_user(), source="push-policy", summary=summary
        )
    out = next(o for o in store.everything() if (o.kind, o.scope) == (Kind.POLICY, scope))
    pub = Publication(
        Kind.POLICY,
        scope,
        out.version,
        0,
        Mode.SNAPSHOT,
        out.head,
        out.snapshot,
        None,
        "",
        out.parts,
    )
    return pub, out, storage


async def push_policy(
    settings: MonitorSettings,
    gateway: str,
    policy_file: Path,
    signer: p.Signer,
    *,
    wait_s: float,
    db: str | None,
) -> Answer:
    if not GATEWAY_ID.match(gateway):
        raise PolicyPushError(f"{gateway!r} is not a gateway id ([A-Za-z0-9_-]{{1,64}})")
    try:
        doc = inputs.policy(policy_file)
    except inputs.InputError as exc:
        raise PolicyPushError(str(exc)) from None
    scope = Scope("gateway", gateway)
    pub, out, storage = _sign(doc, signer, scope, db)
    key = f"{Kind.POLICY.value}/{scope}"
    once = settings.model_copy(update={"session_expiry_s": 0})
    try:
        async with mqtt_subscriber(once, manual_ack=False) as client:
            try:
                await client.wait_connected(wait_s)
            except TimeoutError:
                raise PolicyPushError(
                    NO_BROKER.format(host=settings.broker_host, port=settings.broker_port)
                ) from None
            await client.subscribe(data_topic(gateway, Stream.DISTRIBUTION.value), qos=1)
            for m in messages(
                pub.kind,
                pub.scope,
                pub.version,
                pub.head_text,
                pub.snapshot_text,
                previous_parts=out.sent_parts if out is not None else 0,
            ):
                await client.publish(m.topic, m.payload, qos=1, retain=m.retain)
            if out is not None and storage is not None:
                DistributionStore(storage.backend).mark_sent(out)
            try:
                async with asyncio.timeout(wait_s):
                    async for message in client.messages():
                        item = classify(message.topic, message.payload, time.time())
                        if not isinstance(item, DataMessage) or item.envelope.key != key:
                            continue
                        body = item.envelope.body
                        if int(body.get("held") or 0) >= pub.version:
                            return Answer(True, pub.version, body)
                        if body.get("refused_version") == pub.version:
                            return Answer(False, pub.version, body)
            except TimeoutError:
                raise PolicyPushError(NO_ANSWER.format(gateway=gateway, s=wait_s)) from None
    finally:
        if storage is not None:
            storage.close()
    raise PolicyPushError("the MQTT client stopped before an acknowledgement came")
