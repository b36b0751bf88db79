"""Issue 13: the same action from the CLI and from the TUI leaves the same audit line (time aside).

Each pair runs the CLI command and drives the TUI screen (Pilot) on the same workspace and output path,
then compares the two ``audit.log`` records field by field. Before the actions layer the Keystore screen
logged ``keystore.write`` where ``jar build`` logs ``jar.build``, and ``bind export`` logged nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input

from certbench.core.demo import DEMO_KEY_PASSWORD
from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.keystore import KeystoreScreen
from conftest import FIXED_NOW
from pilot_support import until

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z", "ITEM_PW": DEMO_KEY_PASSWORD.decode(), "JAR_PW": "gatewaypass1"}



def last_record(workspace: Workspace) -> dict[str, Any]:
    record = dict(workspace.read_audit()[-1])
    record.pop("time")
    return record


async def test_jar_build_same_audit_line_from_cli_and_tui(run_cli, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    target = demo_workspace.artifacts_dir / "connectpay-client.jar"
    code, _out, err = run_cli(
        "--workspace", str(demo_workspace.root), "jar", "build", "connectpay-client", "--out", str(target),
        "--key-password-env", "JAR_PW", "--in-password-env", "ITEM_PW", env=ENV,
    )  # fmt: skip
    assert code == 0, err
    from_cli = last_record(demo_workspace)
    target.unlink()

    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, KeystoreScreen) and app.screen._item == "connectpay-client")
        screen = app.screen
        assert isinstance(screen, KeystoreScreen)
        for name, value in (("item-password", DEMO_KEY_PASSWORD.decode()), ("password", "gatewaypass1"),
                            ("repeat", "gatewaypass1")):  # fmt: skip
            screen.query_one(f"#keystore-{name}", Input).value = value
        await until(pilot, lambda: screen._plan_timer is None and screen._plan is not None and screen._plan.ok)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.last_written == target)
    from_tui = last_record(demo_workspace)
    assert from_cli == from_tui == {
        "action": "jar.build", "item": "connectpay-client", "kind": "jar", "out": str(target),
    }  # fmt: skip


async def test_bind_export_same_audit_line_from_cli_and_tui(run_cli, demo_workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workspace = demo_workspace
    leaf = workspace.get("connectpay-client").cert_path
    assert run_cli("--workspace", str(workspace.root), "bind", "add", "tpp-one", str(leaf), env=ENV)[0] == 0
    target = tmp_path / "gateway.json"
    code, _out, err = run_cli("--workspace", str(workspace.root), "bind", "export", "-o", str(target), env=ENV)
    assert code == 0, err
    from_cli = last_record(workspace)
    target.unlink()
    recorded = len(workspace.read_audit())

    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
        app.screen.query_one("#bindings-table", DataTable).focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: len(workspace.read_audit()) > recorded)
        assert target.exists()
    from_tui = last_record(workspace)
    assert from_cli == from_tui == {"action": "bind.export", "output": str(target)}
