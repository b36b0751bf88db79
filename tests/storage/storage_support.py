"""Helpers for the storage tests: real certbench processes on one workspace, openssl-made material, and
an independent (openssl-based) check that an item is complete and consistent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tool_runner import run_tool


def certbench_command(workspace: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "certbench", "--workspace", str(workspace), *args]


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CERTBENCH_NOW", None)
    env.update(extra)
    return env


def run_parallel(
    commands: Sequence[Sequence[str]], *, env: dict[str, str] | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at once (real processes), then wait for all; results in command order."""
    processes = [
        subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or cli_env())
        for cmd in commands
    ]
    results = []
    for cmd, process in zip(commands, processes, strict=True):
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(list(cmd), process.returncode, out, err))
    return results


def make_self_signed(directory: Path, name: str, *, days: int = 365) -> Path:
    """A fresh P-256 self-signed certificate made by openssl (no key kept)."""
    out = directory / f"{name}.pem"
    run_tool(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        directory / f"{name}.key",
        "-out",
        out,
        "-subj",
        f"/CN={name}",
        "-days",
        str(days),
        cwd=directory,
    )
    return out


def assert_item_consistent(item_dir: Path) -> dict[str, object]:
    """The item folder is complete: item.json readable and describing cert.pem (SHA-256 by openssl), and
    key.pem (when present) holding the certificate's key (public keys compared by openssl)."""
    meta = json.loads((item_dir / "item.json").read_text())
    cert = item_dir / "cert.pem"
    fingerprint = run_tool("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256", cwd=item_dir)
    assert fingerprint.decode().strip().split("=", 1)[1] == meta["sha256"], f"{item_dir}: item.json is another cert"
    if (item_dir / "key.pem").exists():
        cert_pub = run_tool("openssl", "x509", "-in", cert, "-noout", "-pubkey", cwd=item_dir)
        key_pub = run_tool("openssl", "pkey", "-in", item_dir / "key.pem", "-pubout", cwd=item_dir)
        assert cert_pub == key_pub, f"{item_dir}: key.pem does not belong to cert.pem"
    return meta


def hidden_entries(directory: Path) -> list[str]:
    """Names of certbench's temporary leftovers (and anything hidden) in ``directory``, lock file aside."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") and p.name != ".lock")
