"""Build the storage fault shim (fsshim.c) once per session, for LD_PRELOAD."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("fsshim.c")


def build_shim() -> Path:
    """Compile the shim (cached by its source's hash); raises if there is no C compiler."""
    source = SOURCE.read_bytes()
    out = Path(tempfile.gettempdir()) / f"ccg-fsshim-{hashlib.sha256(source).hexdigest()[:12]}.so"
    if not out.exists():
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            raise FileNotFoundError("no C compiler (cc or gcc) to build the storage fault shim")
        tmp = out.with_suffix(".tmp.so")
        subprocess.run(
            [cc, "-shared", "-fPIC", "-O2", "-o", str(tmp), str(SOURCE), "-ldl"], check=True
        )
        tmp.replace(out)
    return out
