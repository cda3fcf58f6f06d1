"""A pseudo-terminal that plays a serial device: the gateway opens :attr:`PtyPort.path`.

The simulator holds the master end, and a copy of the slave end too: without any slave open,
reading the master fails with EIO on Linux, so the simulator could not hear commands before the
gateway opens the port. Closing both ends is the unplug: the gateway's reads then fail with EIO,
as they do when a USB adapter is pulled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import Callable
from pathlib import Path


class PtyPort:
    """One open pseudo-terminal pair in raw mode (no echo, no line-end translation)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.path = Path(os.ttyname(self._slave))
        self.closed = False

    def on_data(self, callback: Callable[[bytes], None]) -> None:
        """Call ``callback`` with whatever the gateway writes to the port."""

        def readable() -> None:
            try:
                data = os.read(self.master, 4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._loop.remove_reader(self.master)
                return
            if data:
                callback(data)

        self._loop.add_reader(self.master, readable)

    async def write(self, data: bytes) -> None:
        """Write all of ``data``, waiting while the terminal's buffer is full."""
        loop = self._loop
        view = memoryview(data)
        while view:
            if self.closed:
                raise ConnectionError("the simulated device is unplugged")
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                await _writable(loop, self.master)
                continue
            view = view[written:]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            # Unwatch first: a later pty may get the same fd numbers.
            self._loop.remove_reader(self.master)
            self._loop.remove_writer(self.master)
            for fd in (self.master, self._slave):
                with contextlib.suppress(OSError):
                    os.close(fd)


async def _writable(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    ready: asyncio.Future[None] = loop.create_future()

    def writable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, writable)
    try:
        # A bounded wait: an fd closed meanwhile never reports writable.
        await asyncio.wait_for(ready, 0.5)
    except TimeoutError:
        pass
    finally:
        loop.remove_writer(fd)


def point_link(link: Path, target: Path) -> None:
    """Make ``link`` a symlink to ``target``, replacing any old one in one step (like udev)."""
    temporary = link.with_name(f".{link.name}.new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target)
    temporary.replace(link)
