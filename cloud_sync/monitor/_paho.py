"""A minimal private paho subscriber for the monitor (stand-in for the project's MQTT module).

paho runs on the event loop itself (``add_reader``/``add_writer`` and ``loop_read``), not in a
thread of its own: at the centre every message is work for the loop, and with paho in a thread
each of them would cross threads and fight for the GIL; measured here, that halves the
throughput (bench/bench_central_ingest.py). The only blocking call, the TCP connect, runs in
the default executor, and the socket callbacks it triggers come back through
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cloud_sync.monitor.errors import MonitorError
from firmware_interfaces.transports.backoff import Backoff

log = logging.getLogger(__name__)

_READ_PACKETS = 1000  # per readiness callback: a burst costs one select, not one per message


class MqttError(MonitorError):
    def __init__(self, reason: str, rc: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rc = rc


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool


@dataclass(frozen=True)
class PahoSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = ""
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_hostname: bool = False
    keepalive: int = 30
    protocol: int = 5
    clean_start: bool = True
    session_expiry_s: int = 0


class PahoSubscriber:
    def __init__(self, settings: PahoSettings) -> None:
        self.settings = settings
        self.connected = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._inbox: collections.deque[Message] = collections.deque()
        self._ready = asyncio.Event()
        self._lost = asyncio.Event()
        self._filters: dict[str, int] = {}
        self._published: dict[int, asyncio.Future[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._fd = -1
        self._received = 0
        v5 = settings.protocol == 5
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
            clean_session=None if v5 else settings.clean_start,
        )
        if settings.username is not None:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.ca_file is not None:
            self._client.tls_set(
                ca_certs=str(settings.ca_file),
                certfile=str(settings.cert_file) if settings.cert_file else None,
                keyfile=str(settings.key_file) if settings.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            self._client.tls_insecure_set(settings.insecure_hostname)
        client = self._client
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write

    # -- socket plumbing: may be called from the connecting executor thread ---------------------
    # Watched by file descriptor, taken at open: at close paho's socket may already say -1.
    def _on_socket_open(self, client: Any, userdata: Any, sock: Any) -> None:
        self._fd = sock.fileno()
        self._loop.call_soon_threadsafe(self._watch, self._fd, False, True)

    def _on_socket_close(self, client: Any, userdata: Any, sock: Any) -> None:
        self._loop.call_soon_threadsafe(self._forget_socket, self._fd)

    def _on_register_write(self, client: Any, userdata: Any, sock: Any) -> None:
        self._loop.call_soon_threadsafe(self._watch, self._fd, True, True)

    def _on_unregister_write(self, client: Any, userdata: Any, sock: Any) -> None:
        self._loop.call_soon_threadsafe(self._watch, self._fd, True, False)

    def _watch(self, fd: int, write: bool, on: bool) -> None:
        # A callback may come after paho closed the socket: then there is nothing to watch.
        with contextlib.suppress(OSError, ValueError):
            if write:
                if on:
                    self._loop.add_writer(fd, self._write)
                else:
                    self._loop.remove_writer(fd)
            elif on:
                self._loop.add_reader(fd, self._read)
            else:
                self._loop.remove_reader(fd)

    def _forget_socket(self, fd: int) -> None:
        self._watch(fd, False, False)
        self._watch(fd, True, False)

    def _read(self) -> None:
        # paho's loop_read reads one packet whatever max_packets says; read on while messages
        # keep coming, so a burst costs one pass of the event loop, not one per message. (A
        # pass that brought no message, or only part of one, stops early: the loop calls
        # again while the socket is readable.)
        client = self._client
        for _ in range(_READ_PACKETS):
            before = self._received
            if client.loop_read() != paho.MQTT_ERR_SUCCESS or self._received == before:
                break

    def _write(self) -> None:
        self._client.loop_write()

    # -- MQTT callbacks: on the loop's thread (inside loop_read) -------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        if rc.is_failure:
            log.warning("broker refused the connection: %s", rc)
            return
        for topic, qos in self._filters.items():
            client.subscribe(topic, qos)
        self.connected.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        self._loop.call_soon_threadsafe(self._link_lost, str(rc))

    def _link_lost(self, reason: str) -> None:
        if self.connected.is_set():
            log.warning("MQTT connection lost: %s", reason)
        self.connected.clear()
        self._lost.set()
        for future in self._published.values():
            if not future.done():
                future.set_exception(MqttError(f"connection lost: {reason}"))
        self._published.clear()

    def _on_message(self, client: Any, userdata: Any, msg: paho.MQTTMessage) -> None:
        payload = msg.payload if isinstance(msg.payload, bytes) else bytes(msg.payload)
        self._inbox.append(Message(msg.topic, payload, msg.qos, bool(msg.retain)))
        self._received += 1
        self._ready.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        future = self._published.pop(mid, None)
        if future is not None and not future.done():
            future.set_result(None)

    # -- life cycle ------------------------------------------------------------------------------
    def _connect_blocking(self) -> None:
        props = None
        if self.settings.protocol == 5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = self.settings.session_expiry_s
        self._client.connect(
            self.settings.host,
            self.settings.port,
            self.settings.keepalive,
            clean_start=self.settings.clean_start if self.settings.protocol == 5 else 3,
            properties=props,
        )

    async def _keep_connected(self) -> None:
        backoff = Backoff(0.5, 30.0)
        while True:
            self._lost.clear()
            try:
                await self._loop.run_in_executor(None, self._connect_blocking)
            except (OSError, ssl.SSLError) as exc:
                where = f"{self.settings.host}:{self.settings.port}"
                log.debug("cannot connect to %s: %s", where, exc)
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
            await self._lost.wait()
            await asyncio.sleep(backoff.next_delay())

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            # keep-alive pings and retries; a dead link shows up as a disconnect
            self._client.loop_misc()

    async def __aenter__(self) -> PahoSubscriber:
        self._tasks = [
            asyncio.create_task(self._keep_connected(), name="mqtt-connect"),
            asyncio.create_task(self._housekeeping(), name="mqtt-misc"),
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.connected.is_set():
            self._client.disconnect()
            with contextlib.suppress(OSError):
                self._client.loop_write()
        self._forget_socket(self._fd)
        self.connected.clear()

    # -- the contract's API ----------------------------------------------------------------------
    async def wait_connected(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 (the contract's API)
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        self._filters[topic_filter] = qos
        if self.connected.is_set():
            self._client.subscribe(topic_filter, qos)

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise MqttError(f"publish refused: {paho.error_string(info.rc)}", int(info.rc))
        if qos == 0 or info.is_published():
            return
        future = self._loop.create_future()
        self._published[info.mid] = future
        await future

    async def messages(self) -> AsyncIterator[Message]:
        inbox = self._inbox
        while True:
            while inbox:
                yield inbox.popleft()
            self._ready.clear()
            await self._ready.wait()
