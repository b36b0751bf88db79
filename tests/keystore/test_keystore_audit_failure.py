"""Issue 11 §7: when the audit log cannot be appended after a successful ``jar build`` or ``export``, the
file stands, the command prints one warning line and exits 0 (a rerun is not refused for nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from keystore_material import ITEM_PASSWORD, Pki, fill_workspace, shared_pki

from certbench.core.workspace import Workspace
from conftest import FIXED_NOW

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z", "ITEM_PW": ITEM_PASSWORD, "JAR_PW": "gatewaypass1"}


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    pki: Pki = shared_pki()
    fill_workspace(workspace, pki, FIXED_NOW)
    workspace.audit_path.unlink(missing_ok=True)
    workspace.audit_path.mkdir()  # appending to it fails for every user, root included
    return workspace


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("jar", ["build", "leaf", "--key-password-env", "JAR_PW"]),
        ("export", ["leaf", "--format", "pem-chain"]),
    ],
)
def test_failed_audit_append_is_a_warning_after_the_write(
    run_cli, ws: Workspace, tmp_path: Path, command: str, args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "elsewhere" / "out.bin"
    out.parent.mkdir()
    code, stdout, stderr = run_cli(
        "--workspace", str(ws.root), command, *args, "--out", str(out), "--in-password-env", "ITEM_PW", env=ENV
    )
    assert code == 0, stderr
    assert out.is_file() and f"{out}" in stdout
    lines = stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("certbench: warning: ") and "not recorded in the audit log" in lines[0]
    assert str(ws.audit_path) in lines[0]
