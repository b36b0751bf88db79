"""Issue 11 §2: a writer killed at any step leaves the old item or the new one, complete; its leftovers
are swept when the workspace is next opened.

A real ``certbench ca create root --force`` is run under ``strace -e inject=SYSCALL:signal=SIGKILL:when=K``
for every syscall that changes the disk (each file's fsync, each rename, the directory swap, each
removal) and every K until the command runs to its end; after each kill the workspace is checked with
openssl. The same runs are repeated with the atomic directory exchange disabled, which exercises the
two-rename fallback (and its recovery by the sweep).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from storage_support import assert_item_consistent, certbench_command, cli_env, hidden_entries

from certbench.core.workspace import Workspace

pytestmark = pytest.mark.slow

#: Every syscall certbench uses to change the workspace during an item replacement: making the staging
#: folder, each file's fsync and rename, the swap, the removal of the old item. Without the exchange only
#: the renames and removals differ, so only those are tried again.
KILL_SYSCALLS = {
    "exchange": ("mkdir", "fsync", "rename", "renameat2", "unlinkat", "rmdir"),
    "no-exchange": ("rename", "unlinkat", "rmdir"),
}
#: A bound on K per syscall, far above what one replacement needs (the loop stops at the first whole run).
MAX_K = 60

WRAPPER = """
import sys
import certbench.core.safe_write as safe_write
if sys.argv[1] == "no-exchange":
    safe_write._exchange = lambda first, second: False
from certbench.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def strace() -> str:
    path = shutil.which("strace")
    assert path, "strace is needed to kill a writer mid-way: run scripts/ensure-tools.sh"
    probe = subprocess.run([path, "-o", "/dev/null", "true"], capture_output=True, text=True)
    assert probe.returncode == 0, f"strace cannot trace here (ptrace not permitted?): {probe.stderr.strip()}"
    return path


@pytest.fixture
def template(tmp_path: Path) -> tuple[Path, str]:
    """A workspace with one CA item ``root``; returns it and that item's fingerprint (the old item)."""
    workspace = tmp_path / "template"
    subprocess.run(
        certbench_command(
            workspace, "ca", "create", "root", "--subject", "CN=Old Root", "--key", "ec:p256", "--no-key-password"
        ),
        check=True,
        capture_output=True,
        env=cli_env(),
    )
    old = json.loads((workspace / "items" / "root" / "item.json").read_text())["sha256"]
    return workspace, old


@pytest.mark.parametrize("mode", ["exchange", "no-exchange"])
def test_killed_replacement_leaves_old_or_new_item_complete(
    strace: str, template: tuple[Path, str], tmp_path: Path, mode: str
) -> None:
    source, old_sha = template
    outcomes: dict[str, int] = {"old": 0, "new": 0}
    for syscall in KILL_SYSCALLS[mode]:
        for k in range(1, MAX_K + 1):
            workspace = tmp_path / f"ws-{syscall}-{k}"
            shutil.copytree(source, workspace)
            writer = subprocess.run(
                [
                    strace, "-f", "-o", "/dev/null", "-e", f"inject={syscall}:signal=SIGKILL:when={k}",
                    sys.executable, "-c", WRAPPER, mode,
                    "--workspace", str(workspace), "ca", "create", "root", "--subject", "CN=New Root",
                    "--key", "ec:p256", "--no-key-password", "--force",
                ],
                capture_output=True, text=True, env=cli_env(),
            )  # fmt: skip
            if writer.returncode == 0:
                break  # fewer than k such syscalls: every kill point of this syscall was tried
            assert writer.returncode == 128 + 9 or writer.returncode == -9, writer.stderr
            # Opening the workspace again (what every command does) sweeps the killed writer's leftovers.
            items, damaged = Workspace.open(workspace).scan_items()
            assert ([item.name for item in items], damaged) == (["root"], []), f"{syscall} #{k}"
            meta = assert_item_consistent(workspace / "items" / "root")
            if meta["sha256"] == old_sha:
                assert meta["subject"] == "CN=Old Root"
                outcomes["old"] += 1
            else:
                assert meta["subject"] == "CN=New Root", f"{syscall} #{k}: {meta}"
                outcomes["new"] += 1
            assert hidden_entries(workspace / "items") == [], f"{syscall} #{k}: leftovers not swept"
            assert hidden_entries(workspace / "items" / "root") == []
            shutil.rmtree(workspace)
        else:
            pytest.fail(f"{syscall}: still killed at call {MAX_K}; raise MAX_K")
    # The kill points fell on both sides of the swap: the test saw the old item survive and the new one.
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
