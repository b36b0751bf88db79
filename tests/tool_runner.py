"""Run the real tools test material is made with (openssl, keytool, jar, ssh-keygen), failing loudly."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_tool(*args: str | Path, cwd: Path, stdin: bytes | None = None) -> bytes:
    """Run a command in ``cwd``; its stdout, or RuntimeError with the command and its stderr."""
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, input=stdin, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(str(a) for a in args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout
