"""The Inspect screen: open (typed path, picker, workspace), password modal, findings, save fixed chain,
import, profile; a 5,000-certificate bundle; one snapshot on the committed openssl material."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select, Static, Tree

from certbench.core.workspace import ItemKind, Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.import_identity import ImportModal
from certbench.ui.modals.open_file import OpenFileModal, WorkspacePickModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.inspect import InspectScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until

MATERIAL = Path(__file__).parent / "material"
P12_PASSWORD = "s3cret-P12"


async def open_inspect(app: CertbenchApp, pilot: Pilot[None]) -> InspectScreen:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, InspectScreen))
    screen = app.screen
    assert isinstance(screen, InspectScreen)
    return screen


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Workspace.open(tmp_path / "ws")
    return tmp_path / "ws"


async def test_open_diagnose_save_and_import(ws_path: Path, tmp_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        certs = screen.query_one("#inspect-certs", DataTable)
        path_input = screen.query_one("#inspect-path", Input)
        path_input.focus()
        path_input.value = str(MATERIAL / "reversed.pem")
        await pilot.press("enter")
        await until(pilot, lambda: screen.analysis is not None and certs.row_count == 3)
        assert screen.analysis is not None
        assert [f.code for f in screen.analysis.report.findings] == ["chain.order"]
        findings = screen.query_one("#inspect-findings", DataTable)
        assert findings.row_count == 1
        assert "s (Save chain)" in str(screen.query_one("#inspect-fix", Static).render())  # the TUI's key
        tree = screen.query_one("#inspect-chain", Tree)
        assert "root-first" in str(tree.root.label)
        assert "api.example.com" in str(screen.query_one("#inspect-details", Static).render())

        # Save the fixed chain: a path modal, the file written leaf first; a second save asks first.
        target = tmp_path / "fixed.pem"
        certs.focus()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists)
        blocks = x509.load_pem_x509_certificates(target.read_bytes())
        names = [b.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value for b in blocks]
        assert names == ["api.example.com", "Test Issuing CA", "Test Root CA"]
        verify = subprocess.run(
            ["openssl", "verify", "-CAfile", str(MATERIAL / "root.pem"), "-untrusted", str(target), str(target)],
            capture_output=True,
            check=False,
        )
        assert verify.returncode == 0
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen))

        # Copy the fingerprint, import the open file (leaf + chain, no key) through the import dialog.
        await pilot.press("f")
        await until(pilot, lambda: any("Copied the SHA-256" in m for m in messages(app)))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportModal))
        dialog = app.screen
        assert dialog.query_one("#import-file", Input).value == str(MATERIAL / "reversed.pem")
        await pilot.press("enter")  # in the (empty) file password field: read the file
        await until(pilot, lambda: "no private key" in str(dialog.query_one("#import-status", Label).render()))
        name = dialog.query_one("#import-name", Input)
        name.value = "api.example.com"
        name.focus()
        await pilot.press("enter")
        await until(pilot, lambda: Workspace.open(ws_path).has("api.example.com"))
        assert Workspace.open(ws_path).get("api.example.com").kind is ItemKind.CERT
        item = Workspace.open(ws_path).get("api.example.com")
        assert len(Workspace.open(ws_path).load_chain(item)) == 2

        # Close everything.
        await pilot.press("ctrl+l")
        assert certs.row_count == 0 and screen.analysis is None


async def test_pkcs12_password_modal_and_profile(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        screen.open_paths([str(MATERIAL / "legacy.p12")])
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*"wrong", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal) and bool(app.screen.query(".modal-error")))
        await pilot.press(*P12_PASSWORD, "enter")
        certs = screen.query_one("#inspect-certs", DataTable)
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and certs.row_count == 3)
        assert screen.analysis is not None
        assert screen.analysis.report.findings == ()
        assert screen.analysis.report.keys[0].matches == ("c1",)
        assert all(P12_PASSWORD not in w.description for w in app.workers)

        # A partner profile on what is open: its checks join the findings list.
        screen.query_one("#inspect-profile", Select).value = "open-banking-tpp"
        certs.focus()
        await pilot.press("p")
        await until(pilot, lambda: bool(screen.profile_checks))
        findings = screen.query_one("#inspect-findings", DataTable)
        assert findings.row_count == len(screen.profile_checks)
        assert "Profile open-banking-tpp" in str(screen.query_one("#inspect-status", Static).render())


async def test_open_with_picker_and_from_workspace(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MATERIAL)
    monkeypatch.setenv("HOME", str(MATERIAL))  # the picker starts in the home folder
    workspace = Workspace.open(ws_path)
    chain = x509.load_pem_x509_certificates((MATERIAL / "chain.pem").read_bytes())
    workspace.save_item("partner", "imported", now=FIXED_NOW, certificate=chain[0], chain=chain[1:])  # type: ignore[arg-type]
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        await pilot.press("ctrl+o")  # the path field has the focus: "o" would type
        await until(pilot, lambda: isinstance(app.screen, OpenFileModal))
        app.screen.query_one("#inspect-open-path", Input).value = "garbage.pem"
        app.screen.query_one("#inspect-open-path", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.analysis is not None)
        assert screen.analysis is not None
        assert [f.code for f in screen.analysis.report.findings] == ["input.unreadable"]
        await pilot.press("ctrl+l")
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WorkspacePickModal))
        await pilot.press("enter")
        certs = screen.query_one("#inspect-certs", DataTable)
        await until(pilot, lambda: certs.row_count == 3)  # the item's cert.pem and chain.pem, analysed together
        assert screen.analysis is not None
        assert screen.analysis.report.findings == ()
        assert [Path(i.path).name for i in screen.analysis.report.inputs] == ["cert.pem", "chain.pem"]


def _big_bundle(path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from bench_inspect import make_pki, pem

    root, inter, leaves = make_pki(5000)
    path.write_bytes(pem([*leaves, inter, root]))


async def test_five_thousand_certificates_open_without_freezing(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behaviour, not timing (figures: benchmarks/bench_tui_fill.py): the analysis runs in a worker
    thread, the UI answers while it runs (status, loading state, keys), and the table ends complete."""
    import threading

    import certbench.ui.screens.inspect as screen_module

    bundle = tmp_path / "bundle.pem"
    _big_bundle(bundle)
    analysing = threading.Event()
    release = threading.Event()
    threads: list[threading.Thread] = []
    analyze = screen_module._analyze

    def held(*args: object, **kwargs: object) -> object:
        # Held open until the test has seen the UI answer, so "while it runs" does not depend on speed.
        threads.append(threading.current_thread())
        analysing.set()
        release.wait(timeout=60)
        return analyze(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(screen_module, "_analyze", held)
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        certs = screen.query_one("#inspect-certs", DataTable)
        screen.open_paths([str(bundle)])
        await until(pilot, analysing.is_set)
        assert threads and threads[0] is not threading.main_thread()
        # While the worker runs the UI answers: the status shows progress, the table its loading state,
        # and a key press is handled (focus moves) without waiting for the analysis.
        assert "Reading and analysing" in str(screen.query_one("#inspect-status", Static).render())
        assert certs.loading
        before = app.focused
        app.simulate_key("tab")  # a real key event through the app (Pilot.press would wait for the worker)
        await until(pilot, lambda: app.focused is not before)
        assert certs.loading
        release.set()
        await until(pilot, lambda: certs.row_count == 5000, timeout=60)
        assert not certs.loading
        assert screen.analysis is not None and len(screen.analysis.report.chains) == 4998


async def test_bindings_are_in_the_palette(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        ids = {binding.id for binding in screen.BINDINGS if hasattr(binding, "id")}
        assert {"inspect.open", "inspect.save", "inspect.copy", "inspect.import", "inspect.profile"} <= ids


def test_snapshot_inspect_screen(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """You should see the root-first reversed.pem: 3 certificates in file order (the leaf c3 highlighted),
    the chain tree "as given: root-first, trusted", the leaf's details (organizationIdentifier
    PSDDE-BAFIN-123456, SAN, key ids) and one ERROR chain.order finding with its message and fix below."""
    ws = tmp_path / "ws"
    Workspace.open(ws)
    monkeypatch.chdir(MATERIAL)  # relative paths: nothing machine-specific on screen

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CertbenchApp)
        screen = await open_inspect(app, pilot)
        screen.open_paths(["reversed.pem"])
        await until(pilot, lambda: screen.query_one("#inspect-certs", DataTable).row_count == 3)
        screen.query_one("#inspect-path", Input).cursor_blink = False  # focused on arrival: no blink in SVGs
        await pilot.pause(0.2)

    assert snap_compare(home_at_workspace(make_app(ws, now=FIXED_NOW)), terminal_size=(120, 36), run_before=run_before)


async def test_subjects_render_literally(ws_path: Path, tmp_path: Path) -> None:
    weird = tmp_path / "weird.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp_path / "weird.key"), "-subj", "/O=[red]x/CN=[weird] corp", "-days", "30",
         "-out", str(weird)],
        check=True, capture_output=True,
    )  # fmt: skip
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        screen.open_paths([str(weird)])
        certs = screen.query_one("#inspect-certs", DataTable)
        await until(pilot, lambda: certs.row_count == 1)
        assert str(certs.get_row_at(0)[1]) == "[weird] corp"
        details = str(screen.query_one("#inspect-details", Static).render())
        assert "[weird] corp" in details and "[red]x" in details
        assert "[weird] corp" in str(screen.query_one("#inspect-chain", Tree).root.children[0].label)


async def test_the_picker_opens_where_the_last_typed_file_was(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The picker started in the home folder although the customer's files had just been opened by typing
    their path: the last-used folder is that of the last file opened, picked or typed."""
    monkeypatch.setenv("HOME", str(ws_path))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, OpenFileModal))
        assert app.screen.folder == ws_path
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        path = screen.query_one("#inspect-path", Input)
        path.value = str(MATERIAL / "chain.pem")
        path.focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.analysis is not None)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, OpenFileModal))
        assert app.screen.folder == MATERIAL
