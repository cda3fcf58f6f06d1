"""The project's one MQTT client: paho-mqtt driven by the asyncio event loop.

Paho runs on the loop's own thread through its external-loop hooks (``on_socket_open``,
``on_socket_register_write``... as aiomqtt does): the loop's selector watches the socket and
calls ``loop_read`` / ``loop_write``, so paho's callbacks run on the loop thread and only
complete futures keyed by message id or append to the inbox. The one blocking step, the TCP
and TLS handshake in ``connect``, runs in an executor thread; the socket hooks it fires from
there are handed to the loop with ``call_soon_threadsafe``.

Reconnects use capped, jittered exponential backoff and start with the first connection, so a
client made while the broker is down simply waits. When the link drops, every publish still
waiting for its PUBACK fails with :class:`MqttError`: the caller (the uplink's outbox) keeps the
message and sends it again, so paho is told to forget its own copies.

With ``manual_ack`` a received QoS 1 message is acknowledged only when its consumer says so
(:meth:`MqttClient.ack`, after it has stored the message): a consumer that crashes before then
gets it again from the broker when it reconnects to its persistent session. ``receive_maximum``
(MQTT 5) caps how many such messages the broker sends before the first is acknowledged.

The loop also runs the checkpoint's lanes, so no MQTT burst may hold it for long: reading the
socket and handing out received messages both work in slices of about a millisecond, and yield
to the loop between slices (a lane's scan is answered between two slices of shelf readings).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from firmware_interfaces.transports.backoff import Backoff

log = logging.getLogger(__name__)

# Paho's message ids are 16 bits; a larger window would reuse an id still in flight.
MAX_INFLIGHT_LIMIT = 65_000
_MISC_INTERVAL_S = 1.0
#: The longest the loop is held by reading, or by handing out messages, before other work runs.
_SLICE_S = 0.001


class MqttError(Exception):
    """A publish, subscribe or connection that did not succeed; ``rc`` is paho's or MQTT's code."""

    def __init__(self, reason: str, rc: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rc = rc


@dataclass(frozen=True)
class TlsSettings:
    ca_file: Path | None  # None: the system's trusted CAs
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_hostname: bool = False


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


@dataclass(frozen=True)
class MqttSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = ""
    username: str | None = None
    password: str | None = None
    tls: TlsSettings | None = None
    keepalive: int = 30
    protocol: Literal[5, 4] = 5
    clean_start: bool = True
    will: Will | None = None
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_inflight: int = 1000
    session_expiry_s: int = 0  # MQTT 5 only; with clean_start=False keeps the session this long
    connect_timeout: float = 10.0
    manual_ack: bool = False  # received QoS 1 messages are acknowledged by ack(), not at once
    receive_maximum: int | None = None  # MQTT 5: unacknowledged messages the broker may send


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    mid: int = 0  # the broker's message id, for ack()
    connection: int = 0  # which connection it came on (an id means nothing on the next)


def _ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(tls.ca_file) if tls.ca_file else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls.cert_file is not None:
        context.load_cert_chain(
            str(tls.cert_file), str(tls.key_file) if tls.key_file is not None else None
        )
    if tls.insecure_hostname:
        context.check_hostname = False
    return context


class _BufferedPaho(paho.Client):
    """Paho reading the socket in 64 KiB gulps instead of one ``recv`` per header byte.

    Paho asks for 1 byte (command), 1 byte at a time (length), then the rest; with hundreds
    of PUBACKs arriving together that is three system calls per PUBACK. The buffer is emptied
    whenever the socket closes, so a new connection never sees old bytes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._rbuf = bytearray()
        #: While set and passed, reads "would block", so paho stops (mid-packet is fine: it
        #: keeps partial packets for the next read) and the loop gets its turn. Needed because
        #: paho's loop_read handles as many packets as it has messages in flight, not one.
        self.read_deadline: float | None = None
        super().__init__(*args, **kwargs)

    def _sock_recv(self, bufsize: int) -> bytes:
        if self.read_deadline is not None and time.monotonic() >= self.read_deadline:
            raise BlockingIOError
        buf = self._rbuf
        if not buf:
            data = super()._sock_recv(65536)
            if not data:
                return b""
            if len(data) <= bufsize:
                return data
            buf += data
        chunk = bytes(buf[:bufsize])
        del buf[:bufsize]
        return chunk

    def _sock_close(self) -> None:
        self._rbuf.clear()
        super()._sock_close()

    @property
    def buffered(self) -> int:
        return len(self._rbuf)


class MqttClient:
    """An asyncio MQTT client (see the module docstring); use ``async with``."""

    def __init__(self, settings: MqttSettings) -> None:
        if not 1 <= settings.max_inflight <= MAX_INFLIGHT_LIMIT:
            raise ValueError(f"max_inflight must be 1..{MAX_INFLIGHT_LIMIT}")
        self.settings = settings
        self.connected = asyncio.Event()
        self.last_error: MqttError | None = None
        self.connections = 0  # successful connections so far
        self._will = settings.will
        self._filters: dict[str, int] = {}
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._suback: dict[int, asyncio.Future[None]] = {}
        self._inbox: collections.deque[Message] = collections.deque()
        self._inbox_ready = asyncio.Event()
        self._on_connect: list[Callable[[], Awaitable[None]]] = []
        self._before_connect: list[Callable[[], Awaitable[None]]] = []
        self._window = asyncio.Semaphore(settings.max_inflight)
        self._receive_maximum = settings.max_inflight
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._lost: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._hooks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._was_up = False
        self._client = self._make_client()

    # -- configuration ------------------------------------------------------------------------
    def _make_client(self) -> _BufferedPaho:
        s = self.settings
        v5 = s.protocol == 5
        client = _BufferedPaho(
            CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
            clean_session=None if v5 else s.clean_start,
            reconnect_on_failure=False,  # reconnects are ours, with jitter
            manual_ack=s.manual_ack,
        )
        # Unlimited inside paho: the window is enforced here, because paho's own queue scans
        # every message in flight on each PUBACK once its limit is reached.
        client.max_inflight_messages_set(0)
        client.max_queued_messages_set(0)
        client.connect_timeout = s.connect_timeout
        if s.username is not None:
            client.username_pw_set(s.username, s.password)
        if s.tls is not None:
            client.tls_set_context(_ssl_context(s.tls))
            client.tls_insecure_set(s.tls.insecure_hostname)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_publish = self._handle_publish
        client.on_message = self._handle_message
        client.on_subscribe = self._handle_subscribe
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_socket_register_write = self._socket_register_write
        client.on_socket_unregister_write = self._socket_unregister_write
        return client

    def set_will(self, will: Will | None) -> None:
        """Use ``will`` from the next connection on (the uplink's death carries a new bdseq)."""
        self._will = will

    def on_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` after each (re)connect, once subscriptions are re-sent."""
        self._on_connect.append(callback)

    def before_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Await ``callback`` before each connection attempt (it may call :meth:`set_will`)."""
        self._before_connect.append(callback)

    @property
    def inflight(self) -> int:
        return len(self._pending)

    @property
    def window(self) -> int:
        """How many QoS 1 publishes may wait for PUBACK at once on this connection."""
        return min(self.settings.max_inflight, self._receive_maximum)

    # -- life cycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> MqttClient:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = False
        self._runner = self._loop.create_task(self._run(), name=f"mqtt:{self.settings.host}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Disconnect cleanly (the broker does not send the will) and stop reconnecting."""
        self._closing = True
        if self.connected.is_set() and self._lost is not None:
            self._client.disconnect()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await asyncio.shield(self._lost)
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        for task in list(self._hooks):
            task.cancel()
        sock = self._client.socket()
        if sock is not None:
            # paho has no public way to drop a socket without sending DISCONNECT
            self._client._sock_close()
        self._fail_pending(MqttError("client closed"))
        self.connected.clear()

    async def wait_connected(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 (the contract's API)
        async with asyncio.timeout(timeout):
            await self.connected.wait()

    async def _run(self) -> None:
        assert self._loop is not None
        backoff = Backoff(self.settings.backoff_initial, self.settings.backoff_max)
        while not self._closing:
            for hook in self._before_connect:
                try:
                    await hook()
                except Exception:
                    log.exception("before_connect callback failed")
            self._apply_will()
            self._lost = self._loop.create_future()
            try:
                await asyncio.wait_for(
                    self._loop.run_in_executor(None, self._connect_blocking),
                    self.settings.connect_timeout + 5,
                )
            except (OSError, ssl.SSLError, ValueError, TimeoutError) as exc:
                self._record(MqttError(f"cannot connect to {self._where()}: {exc}"))
                await asyncio.sleep(backoff.next_delay())
                continue
            # The CONNECT is on its way; keep paho's timers running until the link drops.
            while not self._lost.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._lost), _MISC_INTERVAL_S)
                if not self._lost.done():
                    self._client.loop_misc()
            if self._was_up:
                backoff.reset()
            if not self._closing:
                await asyncio.sleep(backoff.next_delay())

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _record(self, error: MqttError) -> None:
        if self.last_error is None or self.last_error.reason != error.reason:
            log.warning("MQTT %s", error.reason)
        self.last_error = error

    def _apply_will(self) -> None:
        self._client.will_clear()
        if self._will is not None:
            w = self._will
            self._client.will_set(w.topic, w.payload, w.qos, w.retain)

    def _connect_blocking(self) -> None:
        s = self.settings
        self._was_up = False
        props = None
        if s.protocol == 5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = s.session_expiry_s
            if s.receive_maximum is not None:
                props.ReceiveMaximum = s.receive_maximum
            rc = self._client.connect(
                s.host, s.port, s.keepalive, clean_start=s.clean_start, properties=props
            )
        else:
            rc = self._client.connect(s.host, s.port, s.keepalive)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise OSError(paho.error_string(rc))

    # -- socket hooks: selector registration on the loop thread -----------------------------------
    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None
        if threading.get_ident() == self._loop_thread:
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def _socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._add_reader, sock)

    def _add_reader(self, sock: Any) -> None:
        assert self._loop is not None
        if self._closing:  # a connect that finished after close(): drop it
            self._client._sock_close()
            return
        if sock.fileno() >= 0:
            self._loop.add_reader(sock.fileno(), self._readable)

    def _socket_close(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(ValueError, OSError):
            self._loop.remove_reader(sock.fileno())
            self._loop.remove_writer(sock.fileno())

    def _socket_register_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._add_writer, sock)

    def _add_writer(self, sock: Any) -> None:
        assert self._loop is not None
        current = self._client.socket()
        if current is not None and current is sock and current.fileno() >= 0:
            self._loop.add_writer(current.fileno(), self._client.loop_write)

    def _socket_unregister_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        if self._loop is not None:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_writer(sock.fileno())

    def _readable(self) -> None:
        client = self._client
        client.read_deadline = time.monotonic() + _SLICE_S
        try:
            client.loop_read()
            # Bytes already read (our buffer, or TLS records already decrypted) do not make the
            # socket readable again: read on until both are empty, a slice at a time.
            sock = client.socket()
            while sock is not None and (
                client.buffered or (isinstance(sock, ssl.SSLSocket) and sock.pending())
            ):
                if time.monotonic() >= client.read_deadline:
                    assert self._loop is not None
                    self._loop.call_soon(self._readable)  # after whatever else is ready
                    return
                client.loop_read()
                sock = client.socket()
        finally:
            client.read_deadline = None

    # -- paho callbacks (on the loop thread) -------------------------------------------------
    def _handle_connect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        if rc.is_failure:
            self._record(MqttError(f"{self._where()} refused the connection: {rc}", rc.value))
            return
        self._was_up = True
        self.connections += 1
        receive_max = getattr(props, "ReceiveMaximum", None) if props is not None else None
        self._receive_maximum = int(receive_max) if receive_max else self.settings.max_inflight
        if self.last_error is not None:
            log.info("MQTT connected to %s", self._where())
        self.last_error = None
        if self._filters:
            client.subscribe(list(self._filters.items()))
        self.connected.set()
        for callback in self._on_connect:
            task = asyncio.ensure_future(self._run_hook(callback))
            self._hooks.add(task)
            task.add_done_callback(self._hooks.discard)

    async def _run_hook(self, callback: Callable[[], Awaitable[None]]) -> None:
        try:
            await callback()
        except MqttError as exc:  # the link dropped again during the hook: next connect retries
            log.info("on_connect callback stopped: %s", exc.reason)
        except Exception:
            log.exception("on_connect callback failed")

    def _handle_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        self.connected.clear()
        error = MqttError(f"connection to {self._where()} lost: {rc}", rc.value)
        if not self._closing and (self._was_up or self.last_error is None):
            self._record(error)
        # Our callers resend; paho must not replay its copies with stale message ids.
        client.drop_out_messages()
        self._fail_pending(error)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    def _fail_pending(self, error: MqttError) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
        subacks, self._suback = self._suback, {}
        for future in subacks.values():
            if not future.done():
                future.set_exception(error)

    def _handle_publish(
        self, client: paho.Client, userdata: Any, mid: int, rc: ReasonCode, props: Any
    ) -> None:
        future = self._pending.pop(mid, None)
        if future is None or future.done():
            return
        if rc.is_failure:
            future.set_exception(MqttError(f"the broker refused the message: {rc}", rc.value))
        else:
            future.set_result(None)

    def _handle_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, rcs: list[ReasonCode], props: Any
    ) -> None:
        future = self._suback.pop(mid, None)
        if future is None or future.done():
            return
        failed = [rc for rc in rcs if rc.is_failure]
        if failed:
            future.set_exception(MqttError(f"subscription refused: {failed[0]}", failed[0].value))
        else:
            future.set_result(None)

    def _handle_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        payload = msg.payload if isinstance(msg.payload, bytes) else bytes(msg.payload)
        self._inbox.append(
            Message(msg.topic, payload, msg.qos, bool(msg.retain), msg.mid, self.connections)
        )
        self._inbox_ready.set()

    # -- the API ---------------------------------------------------------------------------------
    def start_publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> asyncio.Future[None]:
        """Send now; the future completes on PUBACK (QoS 0: at once) or fails with MqttError.

        For pipelining: the caller keeps at most :attr:`window` of these unfinished.
        """
        assert self._loop is not None, "use the client inside 'async with'"
        future: asyncio.Future[None] = self._loop.create_future()
        if not self.connected.is_set():
            future.set_exception(MqttError(f"not connected to {self._where()}", 4))
            return future
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            reason = f"publish refused: {paho.error_string(info.rc)}"
            future.set_exception(MqttError(reason, info.rc))
        elif qos == 0:
            future.set_result(None)
        else:
            self._pending[info.mid] = future
        return future

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        """Publish; for QoS >= 1 return after the broker's PUBACK, or raise :class:`MqttError`."""
        async with self._window:
            await self.start_publish(topic, payload, qos, retain)

    async def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Subscribe now if connected (waiting for SUBACK) and again after every reconnect."""
        self._filters[topic_filter] = qos
        if not self.connected.is_set():
            return
        assert self._loop is not None
        rc, mid = self._client.subscribe(topic_filter, qos)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            return  # not connected after all: the next connect subscribes
        future: asyncio.Future[None] = self._loop.create_future()
        self._suback[mid] = future
        await future

    async def unsubscribe(self, topic_filter: str) -> None:
        """Stop receiving ``topic_filter`` (now if connected, and it is not re-sent on
        reconnect). Messages already received stay in the inbox."""
        if self._filters.pop(topic_filter, None) is None or not self.connected.is_set():
            return
        self._client.unsubscribe(topic_filter)  # no need to wait for UNSUBACK

    def ack(self, message: Message) -> bool:
        """Acknowledge ``message`` to the broker (``manual_ack``; on the loop's thread).

        False when the connection it came on is gone: the broker sends it again on the next
        one (to a persistent session), so acknowledging it now could only be wrong, because
        its id may belong to another message by then.
        """
        if not self.settings.manual_ack or message.qos == 0:
            return True
        if message.connection != self.connections or not self.connected.is_set():
            return False
        self._client.ack(message.mid, message.qos)
        return True

    async def messages(self) -> AsyncIterator[Message]:
        """Every received message, in order of arrival."""
        inbox = self._inbox
        while True:
            # The consumer's work runs between two yields: yield to the loop now and then.
            deadline = time.monotonic() + _SLICE_S
            while inbox:
                yield inbox.popleft()
                if inbox and time.monotonic() >= deadline:
                    await asyncio.sleep(0)
                    deadline = time.monotonic() + _SLICE_S
            self._inbox_ready.clear()
            await self._inbox_ready.wait()
