"""``central-monitor run`` as a real process for the distribution tests (no dashboard)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Centre:
    """``central-monitor run --http off`` with a fixed client id; killed or stopped at will."""

    def __init__(self, broker_port: int, db: str, workdir: Path) -> None:
        self.broker_port = broker_port
        self.db = db
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "central-monitor.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Centre:
        command = [
            sys.executable,
            "-m",
            "cloud_sync.monitor.cli",
            "run",
            "--broker",
            f"127.0.0.1:{self.broker_port}",
            "--db",
            self.db,
            "--http",
            "off",
            "--client-id",
            "centre",
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def centre_keys(folder: Path, kid: str = "centre-1") -> tuple[Path, Path]:
    """A centre signing key (``KID.key.pem``) and the folder gateways trust (``KID.pub.pem``)."""
    key = Ed25519PrivateKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / f"{kid}.key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    trusted = folder / "trusted"
    trusted.mkdir(exist_ok=True)
    (trusted / f"{kid}.pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, trusted
