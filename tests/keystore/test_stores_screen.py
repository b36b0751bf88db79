"""The Stores screen (Keystore screen, ctrl+o): open a keytool JKS with its password, see its entries, remove
and rename entries after a confirmation (checked with keytool -list), the .bak kept; snapshot."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from keystore_material import Pki, shared_pki
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerState

from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.open_file import OpenFileModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.stores import StoresScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until
from tool_runner import run_tool

PW = "storepass1"


@functools.cache
def _made_store() -> Path:
    """store.jks by keytool: 'leaf' (PrivateKeyEntry from an openssl PKCS#12, chain leaf -> intermediate) and
    'root' (trustedCertEntry); the certificates have fixed dates (keystore_material)."""
    pki: Pki = shared_pki()
    directory = Path(tempfile.mkdtemp(prefix="certbench-stores-screen-"))
    run_tool("openssl", "pkcs12", "-export", "-in", pki.path("leaf.pem"), "-inkey", pki.path("leaf.key"),
             "-certfile", pki.path("int.pem"), "-name", "leaf", "-out", "leaf.p12", "-passout", f"pass:{PW}",
             cwd=directory)  # fmt: skip
    run_tool("keytool", "-importkeystore", "-noprompt", "-srckeystore", "leaf.p12", "-srcstoretype", "PKCS12",
             "-srcstorepass", PW, "-destkeystore", "store.jks", "-deststoretype", "JKS", "-deststorepass", PW,
             "-destkeypass", PW, cwd=directory)  # fmt: skip
    run_tool("keytool", "-importcert", "-noprompt", "-alias", "root", "-file", pki.path("root.pem"),
             "-keystore", "store.jks", "-storepass", PW, cwd=directory)  # fmt: skip
    return directory / "store.jks"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    target = tmp_path / "store.jks"
    shutil.copy(_made_store(), target)
    return target


def keytool_entries(path: Path) -> dict[str, str]:
    listing = run_tool("keytool", "-list", "-keystore", path.name, "-storepass", PW, cwd=path.parent).decode()
    found = {}
    for line in listing.splitlines():
        parts = [part.strip() for part in line.split(",") if part.strip()]
        if len(parts) >= 3 and parts[-1].endswith("Entry"):
            found[parts[0]] = parts[-1]
    return found


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if not any(
            w.group.startswith("stores-") and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in pilot.app.workers
        ):
            await pilot.pause(0.05)
            return
    raise AssertionError("the stores screen did not settle")


async def open_store(pilot: Pilot[None], path: Path, password: str = PW) -> StoresScreen:
    await pilot.press("4")
    await pilot.pause(0.1)
    await pilot.press("ctrl+o")
    await pilot.pause(0.1)
    screen = pilot.app.screen
    assert isinstance(screen, StoresScreen)
    await pilot.press("o")
    await pilot.pause(0.1)
    modal = pilot.app.screen
    assert isinstance(modal, OpenFileModal)
    field = modal.query_one("#inspect-open-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, PasswordModal)
    await pilot.press(*password, "enter")
    await settle(pilot)
    assert pilot.app.screen is screen
    return screen


def rows(screen: StoresScreen) -> list[list[str]]:
    table = screen.query_one("#stores-entries", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def confirm(pilot: Pilot[None]) -> None:
    await pilot.pause(0.1)
    assert isinstance(pilot.app.screen, ConfirmModal)
    await pilot.press("y")
    await settle(pilot)


async def test_open_remove_rename(store: Path, workspace: Workspace) -> None:
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_store(pilot, store)
        assert sorted(rows(screen)) == [
            ["leaf", "private-key", "O=Certbench Tests,CN=api.example.test", "2027-06-01", "501"],
            ["root", "trusted-cert", "O=Certbench Tests,CN=Keystore Test Root", "2035-01-01", "3272"],
        ]
        original = store.read_bytes()
        table = screen.query_one("#stores-entries", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("root"))
        await pilot.press("d")
        await confirm(pilot)
        assert keytool_entries(store) == {"leaf": "PrivateKeyEntry"}
        assert (store.parent / "store.jks.bak").read_bytes() == original
        assert [row[0] for row in rows(screen)] == ["leaf"]
        table.move_cursor(row=0)
        await pilot.press("r")
        await pilot.pause(0.1)
        modal = pilot.app.screen
        assert isinstance(modal, SavePathModal)
        modal.query_one("#save-path", Input).value = "server"
        await pilot.press("enter")
        await confirm(pilot)
        assert keytool_entries(store) == {"server": "PrivateKeyEntry"}
        assert screen.last_written == store
        # The same fields as `certbench store remove/rename` records (issue 13: one action, one audit line).
        records = [{k: v for k, v in r.items() if k not in ("time", "file", "backup")} for r in workspace.read_audit()]
        assert records == [
            {"action": "store.remove", "removed": ["root"]},
            {"action": "store.rename", "old": "leaf", "new": "server"},
        ]
        assert PW not in workspace.audit_path.read_text()


async def test_add_passwd_convert(store: Path, workspace: Workspace) -> None:
    pki = shared_pki()
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_store(pilot, store)
        screen.query_one("#stores-entries", DataTable).focus()
        await pilot.press("a")
        await pilot.pause(0.1)
        modal = pilot.app.screen
        assert isinstance(modal, SavePathModal)
        modal.query_one("#save-path", Input).value = str(pki.path("int.pem"))
        await pilot.press("enter")
        await confirm(pilot)
        assert keytool_entries(store) == {
            "leaf": "PrivateKeyEntry",
            "root": "trustedCertEntry",
            "keystore-test-intermediate": "trustedCertEntry",
        }
        await pilot.press("p")
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, PasswordModal)
        await pilot.press(*"newpass33", "enter")
        await pilot.pause(0.1)
        assert "store.jks.bak (replacing the one there)" in str(pilot.app.screen.query_one(".modal-question").render())
        await confirm(pilot)
        listing = run_tool("keytool", "-list", "-keystore", "store.jks", "-storepass", "newpass33", cwd=store.parent)
        assert listing.decode().count("Entry,") == 3
        await pilot.press("c")
        await pilot.pause(0.1)
        modal = pilot.app.screen
        assert isinstance(modal, SavePathModal)
        modal.query_one("#save-path", Input).value = str(store.parent / "copy.jks")
        await pilot.press("enter")
        await confirm(pilot)
        assert screen.last_written == store.parent / "copy.jks"
        copy = run_tool("keytool", "-list", "-keystore", "copy.jks", "-storepass", "newpass33", cwd=store.parent)
        assert copy.decode().count("Entry,") == 3
        # A PEM copy cannot hold the key entry: refused with a notification, nothing written.
        await pilot.press("c")
        await pilot.pause(0.1)
        pilot.app.screen.query_one("#save-path", Input).value = str(store.parent / "copy.pem")
        await pilot.press("enter")
        await confirm(pilot)
        assert not (store.parent / "copy.pem").exists() and pilot.app.screen is screen


async def test_wrong_password_asks_again(store: Path, workspace: Workspace) -> None:
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        await pilot.pause(0.1)
        await pilot.press("ctrl+o")
        await pilot.pause(0.1)
        screen = pilot.app.screen
        assert isinstance(screen, StoresScreen)
        screen._open(str(store), b"wrong-one")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, PasswordModal)
        assert "Wrong password" in str(modal.query_one(".modal-question").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert pilot.app.screen is screen and screen._store is None
        assert "No store open" in str(screen.query_one("#stores-file", Static).render())


def test_snapshot_stores_screen(snap_compare, store: Path, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    """You should see store.jks (jks, 2 entries): 'leaf' private-key CN=api.example.test until 2027-06-01
    (501 days) and 'root' trusted-cert CN=Keystore Test Root until 2035-01-01, with Open, Add, Remove, Rename,
    Password and Convert in the footer."""

    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_store(pilot, store)
        screen.query_one("#stores-entries", DataTable).focus()
        await settle(pilot)

    app = make_app(workspace.root, now=FIXED_NOW)
    assert snap_compare(home_at_workspace(app), terminal_size=(120, 36), run_before=run_before)


async def test_rename_typed_in_one_burst_with_ctrl_u_saves(store: Path, workspace: Workspace) -> None:
    """As typed fast in tmux: r, ctrl+u (clear the proposed alias), the new alias and Enter arrive in one
    burst, before the rename dialog is open; then y confirms. The entry is renamed in the file (the letters
    used to be lost, so the dialog closed on an empty name without saving)."""
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_store(pilot, store)
        table = screen.query_one("#stores-entries", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("root"))
        await pilot.pause(0.1)
        burst = [("r", "r"), ("ctrl+u", "\x15"), *((c, c) for c in "trusted-root"), ("enter", "\r")]
        for key, character in burst:  # posted at once, as the terminal driver does for a fast typist
            app.post_message(events.Key(key, character))
        # Pushed first, composed a moment later (on a busy machine the question is not there yet).
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and bool(app.screen.query(".modal-question")))
        assert "'root' to 'trusted-root'" in str(app.screen.query_one(".modal-question").render())
        await confirm(pilot)
        assert keytool_entries(store) == {"leaf": "PrivateKeyEntry", "trusted-root": "trustedCertEntry"}


async def test_the_stores_picker_starts_in_the_last_folder_used(workspace: Workspace, tmp_path: Path) -> None:
    """It started in the process's current folder, while Inspect's started where the last file was opened."""
    app = make_app(workspace.root, now=FIXED_NOW)
    app.last_folder = tmp_path
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: type(app.screen).__name__ == "KeystoreScreen")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, StoresScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OpenFileModal))
        assert isinstance(app.screen, OpenFileModal) and app.screen.folder == tmp_path
