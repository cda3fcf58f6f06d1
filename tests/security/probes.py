"""Probes the security tests send: raw HTTP (bodies a client library would not send), and the
headers every answer must carry."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

HUGE = 100 * 1024 * 1024


def raw_request(url: str, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send ``head`` and then as much of ``body_parts`` as the server reads; return its answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: it did not want the rest
        answer = b""
        while not complete_answer(answer):
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            answer += chunk
        return answer


def complete_answer(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status_of(answer: bytes) -> int:
    assert answer, "no answer: the server is still reading (or waiting for) the whole body"
    return int(answer.split(b" ", 2)[1])


def assert_security_headers(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, where
    assert "'unsafe-inline'" not in csp.split("style-src-attr")[0], where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "same-origin", where
