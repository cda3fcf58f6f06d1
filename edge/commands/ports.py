"""Whether the page's port can be listened on, asked before anything is started.

The web server would find out only after the devices, the database and (for the demo) a
temporary folder are set up, and would say it with a bare errno. Asking first lets a command
say what is wrong and which option changes the port, and start nothing.
"""

from __future__ import annotations

import errno
import socket

# What a person reads, kept together. {change} says how to choose another port.
IN_USE = (
    "cannot serve the page on {host}:{port}: another program is using that port (another"
    " gateway, 'edge-gateway demo' or a central monitor?). Stop it, or choose another port:"
    " {change}"
)
NOT_HERE = (
    "cannot serve the page on {host}:{port}: {host} is not an address of this machine."
    " Use 0.0.0.0 (every address) or one that 'ip addr' lists."
)
PRIVILEGED = (
    "cannot serve the page on {host}:{port}: ports below 1024 need root. Choose a port of"
    " 1024 or more: {change}"
)
OTHER = "cannot serve the page on {host}:{port}: {reason}"
CHANGE_IN_CONFIG = "set port under [web] in {config}"
CHANGE_BY_OPTION = "{option} PORT (for example {option} {suggestion})"


def listen_problem(host: str, port: int, change: str) -> str | None:
    """Why ``host:port`` cannot be listened on now, in words, or None when it can.

    Binds as uvicorn will (``SO_REUSEADDR``), so a port left in TIME_WAIT by a gateway that
    just stopped counts as free. Port 0 (any free port) always can.
    """
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return OTHER.format(host=host, port=port, reason=exc.strerror)
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        return explain(exc, host, port, change)
    return None


def explain(exc: OSError, host: str, port: int, change: str) -> str:
    """An error from listening on ``host:port``, in words."""
    values = {"host": host, "port": port, "change": change}
    if exc.errno == errno.EADDRINUSE:
        return IN_USE.format(**values)
    if exc.errno == errno.EADDRNOTAVAIL:
        return NOT_HERE.format(**values)
    if exc.errno == errno.EACCES:
        return PRIVILEGED.format(**values)
    return OTHER.format(**values, reason=exc.strerror or exc)


def by_option(option: str, port: int) -> str:
    return CHANGE_BY_OPTION.format(option=option, suggestion=port + 1 if port < 65535 else 8081)
