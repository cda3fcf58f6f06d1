"""Serving the FastAPI app with uvicorn inside the gateway's own event loop and task group."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator

import uvicorn
from fastapi import FastAPI


class WebServerError(Exception):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"cannot serve the page on {host}:{port} (port in use, or no such address)"
        )
        self.host = host
        self.port = port


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (the gateway owns SIGTERM, SIGINT and SIGHUP),
    telling an event when it listens."""

    def __init__(self, config: uvicorn.Config, started: asyncio.Event) -> None:
        super().__init__(config)
        self._started_event = started

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._started_event.set()


class WebServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.host, self.configured_port = host, port
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.started = asyncio.Event()
        self._server = _Server(config, self.started)

    @property
    def port(self) -> int | None:
        """The port actually bound (useful when configured as 0)."""
        for server in self._server.servers:
            for sock in server.sockets:
                port: int = sock.getsockname()[1]
                return port
        return None

    async def serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind
            raise WebServerError(self.host, self.configured_port) from None
        except asyncio.CancelledError:
            # cancelled in uvicorn's main loop: close the listening sockets and open streams
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.shutdown(), 5)
            raise
