"""Two pseudo-terminals joined back to back, like a null-modem cable.

A Modbus server opens one end, the client under test the other; bytes cross through the kernel's
tty layer exactly as they would through a USB RS-485 adapter, so tests exercise the real serial
path (pyserial, termios, framing by silence) without hardware.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from types import TracebackType


class NullModem:
    def __init__(self) -> None:
        self._masters: list[int] = []
        self._slaves: list[int] = []
        for _ in range(2):
            master, slave = os.openpty()
            tty.setraw(slave)  # no echo, no line discipline before the user opens it
            self._masters.append(master)
            self._slaves.append(slave)
        self.port_a = os.ttyname(self._slaves[0])
        self.port_b = os.ttyname(self._slaves[1])
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._pump, name="null-modem", daemon=True)

    def start(self) -> NullModem:
        self._thread.start()
        return self

    def _pump(self) -> None:
        a, b = self._masters
        peer = {a: b, b: a}
        while True:
            ready, _, _ = select.select([a, b, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            for fd in ready:
                # EIO while neither side has the slave open: our own slave fds prevent it,
                # but a read error must never kill the cable.
                with contextlib.suppress(OSError):
                    os.write(peer[fd], os.read(fd, 4096))

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        if self._thread.is_alive():
            self._thread.join(5)
        for fd in (*self._masters, *self._slaves, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> NullModem:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
