"""Issue 11 §2: leftovers of killed writers (certbench's own temporary names only) are swept when the
workspace is opened; a live writer's files in another process are not touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from storage_support import certbench_command, cli_env

from certbench.core.safe_write import SWEEP_GRACE
from certbench.core.workspace import Workspace


def _age(path: Path, seconds: float) -> Path:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def _workspace_with_item(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    subprocess.run(
        certbench_command(
            root, "ca", "create", "root", "--subject", "CN=Root", "--key", "ec:p256", "--no-key-password"
        ),
        check=True,
        capture_output=True,
        env=cli_env(),
    )
    return root


def test_open_sweeps_killed_writers_leftovers_only(tmp_path: Path) -> None:
    root = _workspace_with_item(tmp_path)
    staging = root / "items" / ".root.k3j9x0qa.tmp"
    shutil.copytree(root / "items" / "root", staging)
    stale_key = root / "items" / "root" / ".key.pem.ab12cd34.tmp"
    stale_key.write_bytes(b"half a key")
    stale_registry = root / ".bindings.json.zz99yy88.tmp"
    stale_registry.write_bytes(b"{")
    old_artifact = root / "artifacts" / ".ts.pem.q1w2e3r4.tmp"
    old_artifact.write_bytes(b"x" * 5_000_000)
    _age(old_artifact, SWEEP_GRACE + 60)
    young_artifact = root / "artifacts" / ".app.jar.a1s2d3f4.tmp"
    young_artifact.write_bytes(b"being written")
    not_ours = [root / "items" / ".notes", root / "artifacts" / "backup.tmp", root / "items" / "root" / ".gitkeep"]
    for path in not_ours:
        path.write_text("mine")

    Workspace.open(root)

    for gone in (staging, stale_key, stale_registry, old_artifact):
        assert not gone.exists(), gone
    for kept in (young_artifact, *not_ours):
        assert kept.exists(), kept
    assert [item.name for item in Workspace(root).list_items()] == ["root"]


def test_item_set_aside_by_a_killed_replacement_is_put_back(tmp_path: Path) -> None:
    root = _workspace_with_item(tmp_path)
    original = (root / "items" / "root" / "cert.pem").read_bytes()
    (root / "items" / "root").rename(root / "items" / ".root.0a1b2c3d.old")
    assert Workspace(root).list_items() == []

    workspace = Workspace.open(root)

    assert [item.name for item in workspace.list_items()] == ["root"]
    assert (root / "items" / "root" / "cert.pem").read_bytes() == original
    assert sorted(p.name for p in (root / "items").iterdir()) == ["root"]


def test_live_writer_in_another_process_is_not_robbed(tmp_path: Path) -> None:
    root = _workspace_with_item(tmp_path)
    live = root / "items" / ".new.p0o9i8u7.tmp"
    live.mkdir()
    (live / "cert.pem").write_text("being written")
    dead = root / "items" / ".older.m1n2b3v4.tmp"
    dead.mkdir()
    _age(dead, SWEEP_GRACE + 60)
    aside = root / "items" / ".root.5e6f7a8b.old"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys; from pathlib import Path; from certbench.core.workspace import Workspace\n"
            f"ws = Workspace(Path({str(root)!r}))\n"
            f"with ws.lock('writer'):\n    os.rename({str(root / 'items' / 'root')!r}, {str(aside)!r})\n"
            "    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        Workspace.open(root)
        assert live.is_dir() and (live / "cert.pem").exists()  # a writer holding the lock owns it
        assert aside.is_dir()  # mid-replacement: only the lock holder decides
        assert not dead.exists()  # older than the grace period: no live writer takes that long
    finally:
        holder.communicate("")
