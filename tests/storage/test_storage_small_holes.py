"""Issue 11 §7: names are full matches, a workspace's missing parents are created 0700 under umask 000,
and a failed audit append after a successful write is a warning (CLI line, TUI notification)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from storage_support import make_self_signed

from certbench.core.errors import UsageError
from certbench.core.workspace import Workspace, validate_item_name
from certbench.ui.app import make_app
from conftest import FIXED_NOW


@pytest.mark.parametrize("name", ["nl\n", "a\n", "root\r\n"])
def test_item_names_with_a_trailing_newline_are_refused(run_cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="invalid item name"):
        validate_item_name(name)
    code, _, stderr = run_cli(
        "--workspace", str(tmp_path / "ws"), "ca", "create", name, "--subject", "CN=x", "--no-key-password"
    )
    assert code == 2 and "invalid item name" in stderr
    assert list((tmp_path / "ws" / "items").iterdir()) == []


def test_missing_parents_are_created_0700_under_umask_000(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "ws"
    code = (
        "import os, sys\nos.umask(0)\nfrom certbench.cli import main\n"
        f"sys.exit(main(['--workspace', {str(target)!r}, 'list']))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", target, target / "items", target / "artifacts"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


@pytest.fixture
def unauditable(tmp_path: Path) -> Workspace:
    """A workspace whose audit log cannot be appended (a directory in its place: fails for root too)."""
    workspace = Workspace.open(tmp_path / "ws")
    workspace.audit_path.mkdir()
    return workspace


def test_trust_build_elsewhere_stands_when_the_audit_log_fails(run_cli, unauditable: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cert = make_self_signed(tmp_path, "anchor")
    out = tmp_path / "elsewhere.pem"
    code, _, stderr = run_cli("--workspace", str(unauditable.root), "trust", "build", "--out", str(out), str(cert))
    assert code == 0, stderr
    assert out.read_bytes().count(b"BEGIN CERTIFICATE") == 1
    assert stderr.count("\n") == 1 and stderr.startswith("certbench: warning: trust.build was done but not recorded")
    # Rerunning with --force works as for any existing file (the first run was not half a failure).
    again = run_cli("--workspace", str(unauditable.root), "trust", "build", "--out", str(out), "--force", str(cert))
    assert again[0] == 0


async def test_tui_notifies_a_failed_audit_append(unauditable: Workspace) -> None:
    app = make_app(unauditable.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        app.workspace.audit("trust.build", FIXED_NOW, out="x.pem")
        await pilot.pause(0.1)
        notes = [(n.severity, n.message) for n in app._notifications]
        assert any(sev == "warning" and "not recorded in the audit log" in msg for sev, msg in notes), notes
