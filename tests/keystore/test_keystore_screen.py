"""The Keystore screen: the main flow on the demo workspace, refusals, overwrite confirmation, snapshot."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import pkcs12
from keystore_material import fill_workspace, shared_pki
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import WorkerState

from certbench.core.demo import DEMO_KEY_PASSWORD
from certbench.core.formats.jar import load_keystore_jar
from certbench.core.formats.load import load_file
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.screens.keystore import KeystoreScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until

GROUPS = ("keystore-items", "keystore-plan", "keystore-write")


async def settle(pilot: Pilot[None]) -> KeystoreScreen:
    """Wait until the keystore screen has no pending plan timer and none of its workers runs."""
    for _ in range(200):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if not isinstance(screen, KeystoreScreen):
            continue
        busy = any(
            w.group in GROUPS and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
        )
        if screen._plan_timer is None and not busy and screen.query_one("#keystore-items", DataTable).row_count:
            await pilot.pause(0.05)
            return screen
    raise AssertionError("the keystore screen did not settle")


async def open_keystore(pilot: Pilot[None]) -> KeystoreScreen:
    await pilot.press("4")
    return await settle(pilot)


async def type_into(pilot: Pilot[None], widget_id: str, text: str) -> None:
    """Type for real (keystrokes into the focused masked input)."""
    await pilot.click(widget_id)
    await pilot.press(*text)


def fill(screen: KeystoreScreen, **values: str) -> None:
    """Set inputs directly (each change still goes through Input.Changed and the live checks)."""
    for name, value in values.items():
        screen.query_one(f"#keystore-{name.replace('_', '-')}", Input).value = value


def checklist(screen: KeystoreScreen) -> str:
    return str(screen.query_one("#keystore-checklist", Static).render())


async def test_build_keystore_jar_from_the_demo(demo_workspace: Workspace) -> None:
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_keystore(pilot)
        table = screen.query_one("#keystore-items", DataTable)
        assert table.row_count == 7
        assert screen._item == "connectpay-client"  # the first leaf with a key
        assert "type the password of the item's private key" in checklist(screen)
        assert screen.query_one("#keystore-out", Input).value == "connectpay-client.jar"
        fill(screen, item_password=DEMO_KEY_PASSWORD.decode(), password="gatewaypass1", repeat="gatewaypass1")
        screen = await settle(pilot)
        assert screen._plan is not None and screen._plan.ok, checklist(screen)
        text = checklist(screen)
        assert "✗" not in text and text.count("✓") == 10  # every row stays, ticked
        assert "CN=MyCompany Local Root CA" in str(screen.query_one("#keystore-chain", Static).render())
        await pilot.press("ctrl+s")
        screen = await settle(pilot)
        target = demo_workspace.artifacts_dir / "connectpay-client.jar"
        assert screen.last_written == target
        material = load_keystore_jar(target.read_bytes(), path=str(target), password=b"gatewaypass1")
        assert len(material.certificates) == 2
        assert f"Wrote {target}" in str(screen.query_one("#keystore-status", Static).render())
        assert demo_workspace.read_audit()[-1]["action"] == "jar.build"

        # A second write asks first; "no" keeps the file, "yes" replaces it.
        before = target.read_bytes()
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_bytes() == before
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert target.read_bytes() != before  # a fresh salt: the key was re-encrypted
        assert load_keystore_jar(target.read_bytes(), path="x", password=b"gatewaypass1").certificates


async def test_refusals_and_the_live_password_check(demo_workspace: Workspace) -> None:
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_keystore(pilot)
        await type_into(pilot, "#keystore-password", "ab@c:d")
        hint = str(screen.query_one("#keystore-password-hint", Static).render())
        assert "✗" in hint and "contains 2 restricted characters" in hint
        fill(screen, password="ab#c/d")
        await pilot.pause()
        assert str(screen.query_one("#keystore-password-hint", Static).render()) == hint  # which ones: not shown
        fill(screen, password="ab@c:d")
        await pilot.pause()
        await type_into(pilot, "#keystore-repeat", "ab@c:")
        assert "the two passwords differ" in str(screen.query_one("#keystore-password-hint", Static).render())
        await pilot.press("d")
        fill(screen, item_password=DEMO_KEY_PASSWORD.decode())
        screen = await settle(pilot)
        assert screen._plan is not None and not screen._plan.ok
        assert [c.code for c in screen._plan.failures] == ["jar.password-characters"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not any(demo_workspace.artifacts_dir.iterdir())

        # An expired item: the checklist names it and nothing is written.
        table = screen.query_one("#keystore-items", DataTable)
        table.move_cursor(row=table.get_row_index("expired-client"))
        screen = await settle(pilot)
        assert "expired 2025-12-11" in checklist(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not any(demo_workspace.artifacts_dir.iterdir())

        ids = {binding.id for binding in screen.BINDINGS if isinstance(binding, Binding)}
        assert {"keystore.write", "keystore.refresh"} <= ids


async def test_browser_p12_and_pem_chain(demo_workspace: Workspace) -> None:
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_keystore(pilot)
        screen.query_one("#keystore-kind", Select).value = "p12-browser"
        fill(screen, item_password=DEMO_KEY_PASSWORD.decode(), password="browserpass1", repeat="browserpass1")
        screen = await settle(pilot)
        assert screen.query_one("#keystore-out", Input).value == "connectpay-client-browser.p12"
        await pilot.press("ctrl+s")
        screen = await settle(pilot)
        written = demo_workspace.artifacts_dir / "connectpay-client-browser.p12"
        assert screen.last_written == written
        bundle = pkcs12.load_pkcs12(written.read_bytes(), b"browserpass1")
        assert bundle.cert is not None and bundle.cert.friendly_name == b"connectpay-client"

        screen.query_one("#keystore-kind", Select).value = "pem-chain"
        screen = await settle(pilot)
        assert screen.query_one("#keystore-password", Input).disabled
        assert screen.query_one("#keystore-out", Input).value == "connectpay-client-chain.pem"
        await pilot.press("ctrl+s")
        await settle(pilot)
        chain = load_file(demo_workspace.artifacts_dir / "connectpay-client-chain.pem")
        assert [c.subject.rfc4514_string() for c in chain.certificates] == [
            "O=MyCompany,CN=MyCompany-ConnectPay",
            "O=MyCompany,CN=MyCompany Local Root CA",
        ]


def test_snapshot_keystore_screen(snap_compare, demo_workspace: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """You should see the demo items with connectpay-client highlighted, the Keystore JAR form with a
    sap-apim profile, a new password holding ':' and '@' flagged with a ✗ in $error, the chain
    (MyCompany-ConnectPay, then MyCompany Local Root CA) and the checklist: ✗ item key not unlocked,
    ✗ restricted characters, ✓ nothing expired, ✓ chain, ✓ names, plus the sap-apim rules."""
    monkeypatch.chdir(demo_workspace.root.parent)

    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, CertbenchApp)
        screen = await open_keystore(pilot)
        screen.query_one("#keystore-profile", Select).value = "sap-apim"
        screen.query_one("#keystore-password", Input).value = "pass:w@rd"
        screen.query_one("#keystore-repeat", Input).value = "pass:w@rd"
        screen.query_one("#keystore-items", DataTable).focus()
        await settle(pilot)

    app = make_app(Path(demo_workspace.root.name), now=FIXED_NOW)
    assert snap_compare(home_at_workspace(app), terminal_size=(120, 36), run_before=run_before)


async def test_subjects_render_literally(workspace: Workspace) -> None:
    fill_workspace(workspace, shared_pki(), FIXED_NOW)
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_keystore(pilot)
        table = screen.query_one("#keystore-items", DataTable)
        table.move_cursor(row=table.get_row_index("weird"))
        screen = await settle(pilot)
        chain = str(screen.query_one("#keystore-chain", Static).render())
        assert "O=[bold]not markup[/bold],CN=[weird] corp" in chain
        assert "CN=Keystore Test Intermediate" in chain and "CN=Keystore Test Root" in chain


async def test_a_write_outside_the_workspace_reports_where_it_went(demo_workspace: Workspace, tmp_path: Path) -> None:
    """The status line said "Wrote artifacts/NAME" for any target, also a file written elsewhere."""
    target = tmp_path / "elsewhere" / "gateway.jar"
    target.parent.mkdir()
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_keystore(pilot)
        fill(screen, item_password=DEMO_KEY_PASSWORD.decode(), password="gatewaypass1", repeat="gatewaypass1")
        screen.query_one("#keystore-out", Input).value = str(target)
        screen = await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, target.exists)
        await until(pilot, lambda: f"Wrote {target}" in str(screen.query_one("#keystore-status", Static).render()))
