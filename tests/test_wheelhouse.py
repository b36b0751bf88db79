"""The offline install: `make wheelhouse` output installs into a fresh venv with --no-index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheelhouse_installs_offline(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheelhouse), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    names = sorted(p.name.split("-")[0].lower() for p in wheelhouse.glob("*.whl"))
    for needed in ("certbench", "cryptography", "pyjks", "textual", "platformdirs", "twofish", "pyopenssl"):
        assert needed in names, f"{needed} missing from the wheelhouse: {names}"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "check-wheelhouse.sh"), str(wheelhouse)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "certbench 0.1.0" in result.stdout and "[]" in result.stdout
