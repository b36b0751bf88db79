"""The app shell: modes, number keys, palette entries, themes, the Workspace screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable

from certbench.ui.app import JOBS, LIGHT_THEME, CertbenchApp, make_app
from conftest import FIXED_NOW, home_at_workspace

SCREEN_CLASSES = {
    "workspace": "WorkspaceScreen",
    "inspect": "InspectScreen",
    "create": "CreateScreen",
    "keystore": "KeystoreScreen",
    "truststore": "TruststoreScreen",
    "bindings": "BindingsScreen",
    "probe": "ProbeScreen",
}


async def test_number_keys_switch_between_all_screens(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "WorkspaceScreen"
        for mode, key, _title in [*JOBS[1:], JOBS[0]]:
            await pilot.press("escape", key)  # Esc leaves a focused field (Inspect's path, Probe's host) first
            for _ in range(50):  # a loaded CI machine may need more than one frame to switch
                await pilot.pause(0.1)
                if type(app.screen).__name__ == SCREEN_CLASSES[mode]:
                    break
            assert app.current_mode == mode
            assert type(app.screen).__name__ == SCREEN_CLASSES[mode]


async def test_palette_lists_every_job_and_switches(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for _mode, _key, title in JOBS:
            assert f"Go: {title}" in titles
        assert "Workspace: Refresh" in titles and "Workspace: Load demo" in titles  # empty: Delete is off
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Go: Truststore")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_mode == "truststore"


async def test_theme_toggle(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2")
        await pilot.pause(0.05)
        assert app.theme == LIGHT_THEME
        await pilot.press("f2")
        assert app.theme != LIGHT_THEME


async def test_empty_workspace_welcome_panel_d_loads_the_demo(app: CertbenchApp) -> None:
    """The empty workspace used to send a newcomer to the shell ("run 'certbench demo'")."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        welcome = app.screen.query_one("#workspace-welcome")
        assert welcome.display and not app.screen.query_one("#workspace-body").display
        assert app.screen.query_one("#items-table", DataTable).row_count == 0
        assert (Path("ws") / "items").is_dir()
        await pilot.press("d")
        table = app.screen.query_one("#items-table", DataTable)
        for _ in range(300):
            await pilot.pause(0.05)
            if table.row_count:
                break
        assert table.row_count == 7 and not welcome.display
        assert app.focused is table
        assert any("certbench-demo" in str(n.message) for n in app._notifications)


async def test_delete_needs_the_focused_item_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delete acted on a highlighted row of an unfocused table; now it does nothing unless the list has focus."""
    from certbench.core.demo import build_demo
    from certbench.core.workspace import Workspace

    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
    app = make_app(Path("ws"), now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.5)
        app.screen.set_focus(None)
        await pilot.press("delete")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "WorkspaceScreen"  # no dialog
        table = app.screen.query_one("#items-table", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("axway-root-ca"))
        await pilot.pause(0.1)
        await pilot.press("delete")
        for _ in range(100):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "ConfirmModal":
                break
        question = str(app.screen.query_one(".modal-question").render())
        assert "axway-root-ca (ca, CN=Axway Root CA" in question  # the full object, not a cut name
        assert "it issued 4 item(s): demo-server, expired-client, tpp1, tpp2" in question
        await pilot.press("y")
        workspace = Workspace.open(Path("ws"))
        for _ in range(100):
            await pilot.pause(0.05)
            if not workspace.has("axway-root-ca"):
                break
        assert [t.trash_id for t in workspace.list_trash()] == ["axway-root-ca~1"]
        await until_rows(pilot, table, 6)
        await pilot.press("u")
        for _ in range(100):
            await pilot.pause(0.05)
            if workspace.has("axway-root-ca"):
                break
        assert workspace.list_trash() == []
        await until_rows(pilot, table, 7)


async def until_rows(pilot, table: DataTable, count: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        await pilot.pause(0.05)
        if table.row_count == count:
            return
    raise AssertionError(f"{table.row_count} rows, expected {count}")


def test_snapshot_empty_workspace(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """You should see the Workspace screen of an empty workspace, with the hint to run certbench demo."""
    monkeypatch.chdir(tmp_path)
    assert snap_compare(home_at_workspace(make_app(Path("ws"), now=FIXED_NOW)), terminal_size=(120, 36), press=["_"])


def test_snapshot_empty_workspace_light(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """You should see the same screen in the light theme."""
    monkeypatch.chdir(tmp_path)
    app = make_app(Path("ws"), now=FIXED_NOW, theme=LIGHT_THEME)
    assert snap_compare(home_at_workspace(app), terminal_size=(120, 36), press=["_"])


async def test_escaped_project_error_is_shown_not_fatal(app: CertbenchApp) -> None:
    from certbench.core.errors import FormatError

    async with app.run_test(size=(120, 36)) as pilot:
        app._handle_exception(FormatError("not a certificate", path="x.pem"))
        await pilot.pause(0.1)
        assert app.is_running
        assert any("x.pem: not a certificate" in str(n.message) for n in app._notifications)


async def test_palette_has_no_built_in_editing_entries(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert not [t for t in titles if t.startswith("Workspace: ") and "Copy" in t], titles
        assert "Workspace: Refresh" in titles


def test_app_imports_only_the_first_screen_up_front() -> None:
    """The other screens (and issuing, keystores, truststores) load when first shown: a faster first paint."""
    code = "import sys, certbench.ui.app; print(sorted(m for m in sys.modules if m.startswith('certbench.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "certbench.ui.screens.workspace" in loaded
    for later in ("inspect", "create", "keystore", "truststore", "bindings"):
        assert f"certbench.ui.screens.{later}'" not in loaded
    assert "certbench.core.issue" not in loaded and "certbench.core.chain" not in loaded
