"""Putting a gateway together from its configuration, and running it.

:class:`Gateway` builds every part once (settings passed in, nothing global) and
:meth:`Gateway.run` runs them in one ``asyncio.TaskGroup``: one task per device transport, the
checkpoint's chores, the web server, and the storeroom and uplink where configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
from fastapi import APIRouter

from cloud_sync.uplink import MIGRATIONS as UPLINK_MIGRATIONS
from cloud_sync.uplink import UplinkService
from cloud_sync.uplink import create_router as uplink_router
from cloud_sync.uplink.errors import UplinkConfigError
from edge.auth.persistence import MIGRATIONS as AUTH_MIGRATIONS
from edge.checkpoint.checkpoint import Checkpoint
from edge.checkpoint.feeds import DeviceFeed
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.community.alerts import alert_feed as community_alert_feed
from edge.community.pages import create_router as community_pages
from edge.community.schema import MIGRATIONS as COMMUNITY_MIGRATIONS
from edge.community.service import CommunityService
from edge.community.web import BODY_LIMITS as COMMUNITY_BODY_LIMITS
from edge.community.web import create_router as community_router
from edge.config import ConfigError, GatewayConfig, load_config
from edge.config.loader import load_policy_file
from edge.config.models import MqttDeviceConfig
from edge.core.bus import Bus
from edge.core.migrations import MigrationSet
from edge.core.storage_health import StorageHealth
from edge.core.store import Store
from edge.distribution.build import build_appliers
from edge.notices.applier import NoticeApplier
from edge.notices.board import NoticeBoard
from edge.notices.feeds import NoticeReads, NoticeReplies
from edge.notices.schema import MIGRATIONS as NOTICES_MIGRATIONS
from edge.notices.web import create_router as notices_router
from edge.runtime.devices import DeviceRunner, build_runners
from edge.runtime.metrics import (
    checkpoint_metrics,
    create_metrics_router,
    storeroom_metrics,
    uplink_metrics,
)
from edge.runtime.mqtt_devices import run_mqtt_devices
from edge.runtime.supervisor import Supervisor
from edge.verify.base import Verifier, VerifierChain
from edge.verify.community_pass import CommunityPassError
from edge.verify.community_pass import build_verifier as build_community_pass
from edge.verify.dcc.errors import DccError
from edge.verify.dcc.settings import build_verifier as build_dcc
from edge.verify.dcc.settings import describe_value_sets
from edge.web.app import WebServer, create_app
from edge.web.auth import require_supervisor, require_user
from edge.web.errors import WebConfigError

if TYPE_CHECKING:
    from edge.storeroom.service import StoreroomService

log = logging.getLogger(__name__)


class Gateway:
    """One community's gateway, built from its configuration."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        source: Path = Path("gateway.toml"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.source = source
        self.clock = clock
        self.policy = load_policy_file(config.checkpoint.policy_file)
        self.bus = Bus()
        self.supervisor = Supervisor(clock)
        self.store = Store(
            config.db_path,
            self.migrations(),
            synchronous=config.storage.synchronous,
            retry_s=config.storage.retry_s,
            clock=clock,
        )
        self.community = self._community()
        self.verifier = build_verifiers(
            config, source, [self.community.visitor_verifier] if self.community else []
        )
        self.checkpoint = Checkpoint(
            config.checkpoint,
            config.device_specs(),
            self.policy,
            self.store,
            self.verifier,
            self.bus,
            retention_days=config.storage.retention_days,
            clock=clock,
            people=self.community,
        )
        if self.community is not None:
            self._wire_community(self.community)
        self.runners: list[DeviceRunner] = build_runners(config.devices, source)
        self.storeroom: StoreroomService | None = None
        if config.storeroom is not None:
            from edge.storeroom.service import StoreroomService  # pymodbus: only when needed

            self.storeroom = StoreroomService(config.storeroom, self.store, self.bus, clock=clock)
        # Notices come from the centre, so they are there with the uplink.
        self.notices = NoticeBoard(self.store, clock) if config.uplink is not None else None
        self.uplink: UplinkService | None = None
        if config.uplink is not None:
            try:
                self.uplink = UplinkService(
                    config.uplink,
                    self.store,
                    self.bus,
                    apply_policy=self.checkpoint.apply_policy,
                    appliers=build_appliers(
                        self.verifier, self.checkpoint.policy_store, [NoticeApplier(clock)]
                    ),
                    feeds=self.feeds(),
                    clock=clock,
                )
            except UplinkConfigError as exc:  # a centre key that cannot be read
                raise ConfigError(source, [(f"uplink.{exc.key}", exc.reason)]) from None
        try:
            self.app = create_app(
                config.web,
                self.checkpoint,
                routers=self.routers(),
                metrics=self.metrics_router(),
                store=self.store,
                parts=self.supervisor.status,
                body_limits=COMMUNITY_BODY_LIMITS if self.community is not None else None,
                clock=clock,
            )
        except WebConfigError as exc:
            raise ConfigError(exc.path or source, [(exc.key, exc.problem)]) from None
        self.web = WebServer(self.app, config.web)

    @property
    def web_port(self) -> int | None:
        return self.web.port

    def _community(self) -> CommunityService | None:
        config = self.config
        if config.community is None:
            return None
        return CommunityService(
            config.community,
            self.store,
            self.bus,
            lanes={lane.id: lane.direction for lane in config.checkpoint.lanes},
            data_dir=config.gateway.data_dir,
            gateway_id=config.gateway.id,
            policy=lambda: self.checkpoint.current_policy,
            retention_days=config.storage.retention_days,
            clock=self.clock,
        )

    def _wire_community(self, community: CommunityService) -> None:
        """The registry decides manual registrations through the lanes, and a lane counts as
        working (for the unstaffed-lane alert) while one of its devices is connected."""
        community.decide_manual = self.checkpoint.lane_desk.manual
        board = self.checkpoint.device_board

        def active(lane: str) -> bool:
            return any(d.lane == lane and d.state == "connected" for d in board.views())

        community.lane_active = active

    def feeds(self) -> list[Any]:
        """What the uplink reads from the parts' tables (never only from the bus)."""
        found: list[Any] = [
            DeviceFeed(self.config.device_specs()),
            NoticeReads(),
            NoticeReplies(),
        ]
        if self.config.storeroom is not None:
            from edge.storeroom.feeds import feeds as storeroom_feeds

            found.extend(storeroom_feeds(self.config.storeroom, self.clock))
        if self.config.community is not None:
            found.append(community_alert_feed())
        return found

    def metrics_router(self) -> APIRouter:
        cp = self.checkpoint
        providers = [checkpoint_metrics(cp.records.counts, cp.device_board)]
        if self.storeroom is not None:
            providers.append(
                storeroom_metrics(self.storeroom.stock_figures, self.storeroom.open_alerts)
            )
        async_providers = [uplink_metrics(self.uplink.status)] if self.uplink is not None else []
        return create_metrics_router(providers, async_providers)

    def routers(self) -> list[APIRouter]:
        routers: list[APIRouter] = []
        if self.storeroom is not None:
            from edge.storeroom.web import create_router as storeroom_router

            routers.append(storeroom_router(self.storeroom, require_user, require_supervisor))
        if self.uplink is not None:
            routers.append(uplink_router(self.uplink, require_user, require_supervisor))
        if self.community is not None:
            routers.append(community_router(self.community, require_user, require_supervisor))
            routers.append(community_pages(require_user))
        if self.notices is not None:
            routers.append(notices_router(self.notices))
        return routers

    def migrations(self) -> list[MigrationSet[sqlite_utils.Database]]:
        sets = [CHECKPOINT_MIGRATIONS, AUTH_MIGRATIONS]
        if self.config.community is not None:
            sets.append(COMMUNITY_MIGRATIONS)
        if self.config.storeroom is not None:
            from edge.storeroom.migrations import MIGRATIONS as STOREROOM_MIGRATIONS

            sets.append(STOREROOM_MIGRATIONS)
        if self.config.uplink is not None:
            sets.extend([UPLINK_MIGRATIONS, NOTICES_MIGRATIONS])
        return sets

    async def run(self, *, ready: asyncio.Event | None = None) -> None:
        """Run until cancelled. ``ready`` is set once the web page is serving.

        A data folder that is full, read-only or failing does not stop the gate: the store
        comes up without its file and keeps trying, and the page says so.
        """
        loop = asyncio.get_running_loop()

        def storage_changed(health: StorageHealth) -> None:  # on the writer's thread
            loop.call_soon_threadsafe(self.checkpoint.storage_changed, health)

        self.store.add_health_listener(storage_changed)
        self.store.start()
        try:
            await self.checkpoint.start()
            if self.community is not None:
                await self.community.start()  # the registry in memory before any decision
            async with asyncio.TaskGroup() as tasks:
                for name, coro in self._tasks():
                    tasks.create_task(coro, name=name)
                await self.web.started.wait()
                log.info(
                    "gateway %s serving on http://%s:%s/",
                    self.config.gateway.id,
                    self.config.web.host,
                    self.web_port,
                )
                freeze_start_up_objects()
                if ready is not None:
                    ready.set()
        finally:
            await self.checkpoint.shutdown()
            if self.community is not None:
                await self.community.drain()
            self.checkpoint.flush_rejected()
            self.store.close()

    def _tasks(self) -> list[tuple[str, Coroutine[Any, Any, None]]]:
        checkpoint = self.checkpoint
        tasks: list[tuple[str, Coroutine[Any, Any, None]]] = [
            ("checkpoint-chores", checkpoint.run()),
            ("web", self.web.run()),
        ]
        # Parts that may fail without stopping the gate: restarted, never fatal.
        if self.storeroom is not None:
            tasks.append(("storeroom", self.supervisor.run("storeroom", self.storeroom.run)))
        if self.uplink is not None:
            tasks.append(("uplink", self.supervisor.run("uplink", self.uplink.run)))
        if self.community is not None:
            tasks.append(("community", self.supervisor.run("community", self.community.run)))
        mqtt_devices = [d for d in self.config.devices if isinstance(d, MqttDeviceConfig)]
        if mqtt_devices:
            tasks.append(
                (
                    "mqtt-devices",
                    run_mqtt_devices(self.config.mqtt, mqtt_devices, checkpoint.emitter),
                )
            )
        for runner in self.runners:
            emit = checkpoint.emitter(runner.device_id)
            tasks.append((f"device:{runner.device_id}", runner.run(emit)))
        return tasks


def freeze_start_up_objects() -> None:
    """Keep what start-up made (modules, settings, catalogues, the storeroom's history) out of
    every later garbage collection.

    A full collection walks every tracked object; with all of start-up's in the heap it took
    65-90 ms on this machine under the storeroom's load, and whatever callback it interrupted (a
    lane's scan) waited for it. ``gc.freeze()`` moves them to the permanent generation
    (``bench/bench_loaded_decisions.py`` measures the effect).
    """
    gc.collect()
    gc.freeze()


def build_verifiers(
    config: GatewayConfig, source: Path, extra: Sequence[Verifier] = ()
) -> VerifierChain:
    """Load every configured verifier's keys once; a key file that will not load is a
    configuration error naming the file and the key, not a gateway that admits nobody.
    ``extra``: verifiers of the gateway's own making (its visitor passes)."""
    verifiers: list[Verifier] = list(extra)
    section = config.verifiers
    if section.community_pass is not None:
        try:
            verifiers.append(build_community_pass(section.community_pass))
        except CommunityPassError as exc:
            raise ConfigError(source, [("verifiers.community_pass", str(exc))]) from None
    if section.eu_dcc is not None:
        try:
            verifiers.append(build_dcc(section.eu_dcc))
        except DccError as exc:
            raise ConfigError(source, [("verifiers.eu_dcc", str(exc))]) from None
    return VerifierChain(verifiers)


def check_everything(path: Path) -> list[str]:
    """Validate a configuration and all it names; return a summary. Raises ConfigError.

    Builds the whole gateway without starting it: keys, users, the session secret and the
    devices' settings are all loaded and checked, as ``run`` would.
    """
    config = load_config(path)
    gateway = Gateway(config, source=path)
    policy = gateway.policy
    lines = [
        f"gateway {config.gateway.id} ({config.gateway.name}), data in {config.gateway.data_dir}",
        f"policy {policy.version}: fever at {policy.fever_threshold_c} °C",
        f"{len(config.checkpoint.lanes)} lane(s), {len(config.devices)} device(s)",
        f"{len(gateway.verifier)} health-code verifier(s)",
        f"page on http://{config.web.host}:{config.web.port}/",
    ]
    if config.verifiers.eu_dcc is not None:
        lines.append(describe_value_sets(config.verifiers.eu_dcc))  # loaded fine just above
    if config.storeroom is not None:
        lines.append(f"storeroom: {len(config.storeroom.items)} item(s)")
    if config.uplink is not None:
        lines.append(f"uplink to {config.uplink.broker_host}:{config.uplink.broker_port}")
    return lines


async def run_gateway(path: Path) -> None:
    """``edge-gateway run``: run until SIGTERM/SIGINT; SIGHUP reloads the policy."""
    config = load_config(path)
    gateway = Gateway(config, source=path)
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None

    def reload() -> None:
        task = loop.create_task(gateway.checkpoint.reload_policy())
        task.add_done_callback(_log_reload)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main.cancel)
    loop.add_signal_handler(signal.SIGHUP, reload)
    with contextlib.suppress(asyncio.CancelledError):
        await gateway.run()


def _log_reload(task: asyncio.Task[dict[str, Any]]) -> None:
    exc = task.exception()
    if exc is not None:
        log.error("policy reload refused: %s", exc)
