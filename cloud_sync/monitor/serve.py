"""``central-monitor run`` and ``dashboard``: the long-running parts, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from typing import Any

from cloud_sync.monitor.settings import MonitorSettings

log = logging.getLogger("cloud_sync.monitor")

NO_CLIENT_ID = (
    "no --client-id: unless the broker makes the login the client id (config/mosquitto does),"
    " this start has a new session, and what the broker still held for the last one (messages"
    " received but not yet stored) waits in that session until it expires"
)


def _http_server(settings: MonitorSettings, app: Any) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # The CLI stops on SIGINT/SIGTERM itself, after storing what it holds; uvicorn
            # would re-raise the signal and end the process before that.
            yield

    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        lifespan="on",
    )
    return Server(config)


async def _until_signalled(*tasks: asyncio.Task[Any]) -> None:
    """Wait for SIGINT/SIGTERM, or for a task to end (a failure is raised)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait(), name="signals")
    try:
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not waiter:
                task.result()
    finally:
        waiter.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def run(settings: MonitorSettings, http: bool) -> None:
    from cloud_sync.monitor.app import create_app
    from cloud_sync.monitor.distribution.sender import attach as distribution_sender
    from cloud_sync.monitor.service import (
        IngestStats,
        MonitorService,
        announce_centre,
        mqtt_subscriber,
    )
    from cloud_sync.monitor.storage import FeverRule, open_storage

    storage = open_storage(
        settings.db,
        rejected_keep=settings.rejected_keep,
        max_keys_per_gateway=settings.max_keys_per_gateway,
        refuse_unknown=settings.unknown_gateways == "refuse",
        fever=FeverRule(settings.fever_threshold, settings.fever_window_s),
    )
    stats = IngestStats()
    service = MonitorService(settings, storage.writer, stats=stats)
    log.info(
        "storing into %s; subscribing to %s on %s:%d; unregistered gateways: %s",
        storage.description,
        settings.subscription,
        settings.broker_host,
        settings.broker_port,
        "refused" if settings.unknown_gateways == "refuse" else "held apart",
    )
    if not settings.client_id and settings.session_expiry_s > 0:
        log.warning(NO_CLIENT_ID)
    try:
        async with mqtt_subscriber(settings) as client:
            ingest = asyncio.create_task(service.run(client), name="monitor")
            announcing = asyncio.create_task(
                announce_centre(client, settings.subscription), name="announce"
            )
            # What the centre distributes is kept on the broker by this monitor (or another).
            sender = distribution_sender(storage, client)
            sending = asyncio.create_task(
                sender.run() if settings.send_distribution else asyncio.Event().wait(),
                name="distribution-sender",
            )
            server = serving = None
            if http:
                app = create_app(
                    settings,
                    storage=storage,
                    stats=stats,
                    mqtt_connected=lambda: client.connected.is_set(),
                )
                app.state.distribution_sender = sender  # the forms wake it
                server = _http_server(settings, app)
                serving = asyncio.create_task(server.serve(), name="http")
                log.info("dashboard on http://%s:%d/", settings.http_host, settings.http_port)
            try:
                await _until_signalled(ingest, sending, *([serving] if serving else []))
            finally:
                await _stop(announcing)
                await _stop(sending)
                if server is not None and serving is not None:
                    server.should_exit = True
                    with contextlib.suppress(asyncio.CancelledError):
                        await serving
                await _stop(ingest)
    finally:
        storage.close()


async def dashboard(settings: MonitorSettings) -> None:
    from cloud_sync.monitor.app import create_app

    server = _http_server(settings, create_app(settings))
    serving = asyncio.create_task(server.serve(), name="http")
    try:
        await _until_signalled(serving)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
