"""Keyed hashes of people: distinct counts without ids leaving (or entering) the uplink's data.

The key lives in a file on the gateway (made on first run, mode 0600) and is never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cloud_sync.uplink.errors import UplinkConfigError

KEY_BYTES = 32


def load_or_create_key(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        return key
    except OSError as exc:
        raise UplinkConfigError("hmac_key_file", f"cannot read {path}: {exc.strerror}") from None
    if len(key) < 16:
        raise UplinkConfigError("hmac_key_file", f"{path} holds fewer than 16 bytes")
    return key


class PersonHasher:
    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, person_id: str) -> str:
        return hmac.new(self._key, person_id.encode(), hashlib.sha256).hexdigest()[:32]
