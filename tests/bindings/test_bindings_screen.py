"""The Bindings screen: add (file, PKCS#12 with password, workspace item), check, remove, export.

Pilot tests assert on the registry file and the audit log; the snapshot shows a registry made from the
fixed openssl material (tests/bindings/material) at the fixed clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bindings_material import MATERIAL, P12_PASSWORD, cert, fill_registry, fill_workspace
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from certbench.core.bindings import Registry, Verdict
from certbench.core.fingerprints import sha256_colon
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.bindings import BindingsScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Workspace.open(tmp_path / "ws")
    return tmp_path / "ws"


def registry(ws_path: Path) -> Registry:
    return Registry.load(ws_path / "bindings.json")


async def open_bindings(app: CertbenchApp, pilot: Pilot[None]) -> BindingsScreen:
    await pilot.press("6")
    await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
    screen = app.screen
    assert isinstance(screen, BindingsScreen)
    await until(pilot, lambda: "binding" in str(screen.query_one("#bindings-status", Static).render()))
    return screen


def fill(screen: BindingsScreen, *, client: str = "", path: str = "", note: str = "") -> None:
    screen.query_one("#bindings-client", Input).value = client
    screen.query_one("#bindings-path", Input).value = path
    screen.query_one("#bindings-note", Input).value = note


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_add_check_remove_flow(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        table = screen.query_one("#bindings-table", DataTable)
        assert table.row_count == 0

        # Add: a chain file (root first); the leaf is bound.
        fill(screen, client="tpp-one", path=str(MATERIAL / "tpp1-chain.pem"), note="prod")
        await pilot.click("#bindings-add-button")
        await until(pilot, lambda: table.row_count == 1)
        (binding,) = registry(ws_path).for_client("tpp-one")
        assert binding.sha256 == sha256_colon(cert("tpp1.pem")) and binding.note == "prod"
        assert binding.added_at == FIXED_NOW
        audit = Workspace.open(ws_path).read_audit()
        assert [(a["action"], a["client_id"]) for a in audit] == [("bind.add", "tpp-one")]

        # Check: match, then a plain reason for a certificate bound elsewhere.
        result = screen.query_one("#bindings-result", Static)
        fill(screen, client="tpp-one", path=str(MATERIAL / "tpp1.pem"))
        await pilot.click("#bindings-check-button")
        await until(pilot, lambda: screen.last_result is not None)
        assert screen.last_result is not None and screen.last_result.verdict is Verdict.MATCH
        assert result.has_class("-match") and str(result.render()).startswith("match")
        fill(screen, client="tpp-two", path=str(MATERIAL / "tpp1.pem"))
        screen.action_check()  # a second click this soon would be a double click
        await until(pilot, lambda: result.has_class("-mismatch"))
        assert screen.last_result is not None and screen.last_result.verdict is Verdict.OTHER_CLIENT
        assert "bound to another client_id (tpp-one)" in str(result.render())

        # Remove: cancelled first, then confirmed.
        table.focus()
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
        assert len(registry(ws_path).bindings) == 1
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: table.row_count == 0)
        assert registry(ws_path).bindings == []
        assert Workspace.open(ws_path).read_audit()[-1]["action"] == "bind.remove"


async def test_pkcs12_asks_for_password_and_retries_a_wrong_one(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        fill(screen, client="tpp-four", path=str(MATERIAL / "tpp4.p12"))
        screen.action_add()
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*"wrong", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal) and bool(app.screen.query(".modal-error")))
        assert "Wrong password" in str(app.screen.query_one(".modal-error", Static).render())
        await pilot.press(*P12_PASSWORD, "enter")
        await until(pilot, lambda: len(registry(ws_path).bindings) == 1)
        assert registry(ws_path).bindings[0].subject == "O=TPP Four,CN=tpp4.example"
        log = (ws_path / "audit.log").read_text()
        assert P12_PASSWORD not in log and "wrong" not in log
        assert all(P12_PASSWORD not in w.description for w in app.workers)

        # Cancelling the prompt binds nothing.
        fill(screen, client="tpp-five", path=str(MATERIAL / "tpp4.p12"))
        screen.action_add()
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press("escape")
        await until(pilot, lambda: any("no password" in m for m in messages(app)))
        assert registry(ws_path).for_client("tpp-five") == []


async def test_add_from_workspace_item(ws_path: Path) -> None:
    fill_workspace(Workspace.open(ws_path))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        select = screen.query_one("#bindings-item", Select)
        await until(pilot, lambda: len(select._options) > 1)
        path = screen.query_one("#bindings-path", Input)
        fill(screen, client="tpp-two")
        select.value = "tpp1"
        await until(pilot, lambda: select.value == "tpp1")
        path.value = "typing-a-path-drops-the-item.pem"
        await until(pilot, select.is_blank)
        select.value = "tpp2"
        await until(pilot, lambda: path.value == "")
        assert select.value == "tpp2"
        await pilot.press("escape", "a")  # out of the form (focused: no binding yet), the screen binding runs
        await until(pilot, lambda: len(registry(ws_path).bindings) == 1)
        assert registry(ws_path).bindings[0].sha256 == sha256_colon(cert("tpp2.der"))


async def test_bad_input_is_explained_and_changes_nothing(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        screen.action_add()
        await until(pilot, lambda: any("client_id first" in m for m in messages(app)))
        fill(screen, client="tpp-one", path="no/such/file.pem")
        screen.action_add()
        await until(pilot, lambda: any("no/such/file.pem does not exist" in m for m in messages(app)))
        assert not screen.query_one("#bindings-path", Input).is_valid
        fill(screen, client="tpp-one", path=str(MATERIAL / "garbage.pem"))
        screen.action_add()
        await until(pilot, lambda: any("garbage.pem" in m for m in messages(app) if "does not exist" not in m))
        assert not (ws_path / "bindings.json").exists()

        fill(screen, client="tpp-one", path=str(MATERIAL / "tpp1.pem"))
        screen.action_add()
        await until(pilot, lambda: len(registry(ws_path).bindings) == 1)
        before = (ws_path / "bindings.json").read_bytes()
        fill(screen, client="tpp-other", path=str(MATERIAL / "tpp1.pem"))
        screen.action_add()
        await until(pilot, lambda: any("already bound to client_id 'tpp-one'" in m for m in messages(app)))
        assert (ws_path / "bindings.json").read_bytes() == before
        assert app.is_running


async def test_export_writes_json_and_confirms_overwrite(ws_path: Path) -> None:
    fill_registry(Workspace.open(ws_path))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        screen.query_one("#bindings-table", DataTable).focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        default = app.screen.query_one("#save-path", Input)
        assert default.value == "bindings-export.json"  # relative output paths are in artifacts/
        default.value = "gateway.json"
        await pilot.press("enter")
        target = ws_path / "artifacts" / "gateway.json"
        await until(pilot, target.exists)
        assert any(f"Wrote {target.absolute()}" in str(n.message) for n in app._notifications)
        document = json.loads(target.read_text())
        assert sorted(document["clients"]) == ["tpp-old", "tpp-one", "tpp-three", "tpp-two"]
        assert len(document["clients"]["tpp-one"]["x5t#S256"]) == 2
        assert document["clients"]["tpp-old"]["x5t#S256"] == []  # expired: not allowed any more
        assert document["generated_at"] == "2026-01-15T12:00:00Z"

        target.write_text("keep me")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = "gateway.json"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert target.read_text() == "keep me"
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = "gateway.json"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: target.read_text() != "keep me")
        assert json.loads(target.read_text())["schema"] == "certbench.bindings"


async def test_damaged_registry_is_reported_not_replaced(ws_path: Path) -> None:
    (ws_path / "bindings.json").write_text("{oops")
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
        status = app.screen.query_one("#bindings-status", Static)
        await until(pilot, lambda: "cannot be read" in str(status.render()))
        assert "not valid JSON" in str(status.render())
        assert app.is_running and (ws_path / "bindings.json").read_text() == "{oops"


async def test_rotation_roles_and_palette_entries(ws_path: Path) -> None:
    fill_registry(Workspace.open(ws_path))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_bindings(app, pilot)
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 5)
        roles = {
            (str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])[:10]): str(table.get_row_at(i)[2])
            for i in range(table.row_count)
        }
        assert roles[("tpp-one", "2027-01-10")] == "newer" and roles[("tpp-one", "2026-03-01")] == "older"
        assert str(table.get_row_at(0)[1]) == "2025-12-31 expired 16d"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in ("Add", "Check", "Remove", "Export", "Refresh"):
            assert f"Bindings: {action}" in titles
        ids = {b.id for b in BindingsScreen.BINDINGS if hasattr(b, "id")}
        assert {"bindings.add", "bindings.check", "bindings.remove", "bindings.export"} <= ids


def test_snapshot_bindings_screen(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """You should see 5 bindings (tpp-one rotating: newer/older; tpp-old expired 16d in $error, tpp-two 4d
    in $error, tpp-three 20d in $warning), the details of the highlighted tpp-three whose subject
    CN=[weird] corp and note [bold]not markup[/bold] render literally, and the form with a check result
    in $error: "no match: ... bound to another client_id (tpp-one)", the same verdict in a notification."""
    ws = tmp_path / "ws"
    fill_workspace(Workspace.open(ws))
    fill_registry(Workspace.open(ws))
    monkeypatch.chdir(MATERIAL.parent)  # the path typed below is relative and machine-independent

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CertbenchApp)
        screen = await open_bindings(app, pilot)
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 5)
        fill(screen, client="tpp-two", path="material/tpp1.pem")
        screen.action_check()
        await until(pilot, lambda: screen.last_result is not None)
        table.focus()
        table.move_cursor(row=3)
        details = screen.query_one("#bindings-details", Static)
        await until(pilot, lambda: "CN=[weird] corp" in str(details.render()))
        assert "[bold]not markup[/bold]" in str(details.render())

    assert snap_compare(home_at_workspace(make_app(ws, now=FIXED_NOW)), terminal_size=(120, 36), run_before=run_before)
