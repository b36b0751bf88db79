"""Issue 11 §7: ``jar build --name`` takes a full match: a trailing newline is refused (exit 2)."""

from __future__ import annotations

from pathlib import Path

from keystore_material import ITEM_PASSWORD, fill_workspace, shared_pki

from certbench.core.workspace import Workspace
from conftest import FIXED_NOW

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z", "ITEM_PW": ITEM_PASSWORD, "JAR_PW": "gatewaypass1"}


def test_jar_name_with_trailing_newline_is_refused(run_cli, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fill_workspace(workspace, shared_pki(), FIXED_NOW)
    out = tmp_path / "x.jar"
    code, _, stderr = run_cli(
        "--workspace", str(workspace.root), "jar", "build", "leaf", "--out", str(out), "--name", "App\n",
        "--key-password-env", "JAR_PW", "--in-password-env", "ITEM_PW", env=ENV,
    )  # fmt: skip
    assert code == 2 and "--name 'App\\n'" in stderr and len(stderr.splitlines()) == 1
    assert not out.exists()
