"""What a real tmux run at 80x24 found on the form screens (issue 14): keys sent in one burst reach an
opened drop-down list, unticked checkboxes look unticked, the Keystore verdict never contradicts itself
and fits 80x24, Truststore's texts are not cut, every pane is titled, the tab bar names the workspace."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from textual.coordinate import Coordinate
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Select, Static
from textual.widgets._header import HeaderTitle

from certbench.core.demo import DEMO_KEY_PASSWORD, build_demo
from certbench.core.workspace import ItemKind, Workspace
from certbench.ui.app import CertbenchApp, make_app, workspace_label
from certbench.ui.modals.help import HelpModal
from certbench.ui.screens.keystore import KeystoreScreen
from certbench.ui.screens.truststore import TruststoreScreen
from conftest import FIXED_NOW
from pilot_support import burst, until


async def test_keys_sent_in_one_burst_pick_from_the_opened_list(demo_app: CertbenchApp) -> None:
    """``Enter Down Enter`` in one write: the list opens, moves to JKS and picks it (the old Select routed
    the keys queued behind Enter to itself, so the list stayed open on PEM)."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        select = app.screen.query_one("#truststore-format", Select)
        select.focus()
        await until(pilot, lambda: app.focused is select)
        burst(pilot, "enter", "down", "enter")
        picked = lambda: select.value == "jks" and not select.expanded  # noqa: E731
        await until(pilot, picked, why=lambda: f"{select.value}, {select.expanded=}")
        await until(pilot, lambda: app.focused is select)


async def test_keys_for_an_open_list_are_its_own_when_a_tab_follows_in_the_burst(demo_app: CertbenchApp) -> None:
    """``Down Enter Tab`` in one write with the format list open: Tab (a priority key) moved the focus to the
    output field before the list had seen Down and Enter, and that Enter then submitted the field: a PEM
    truststore nobody asked for was written. The list's own keys now pick JKS, and nothing is written."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        await pilot.press("w")
        await until(pilot, lambda: any("Added" in str(n.message) for n in app._notifications))
        select = app.screen.query_one("#truststore-format", Select)
        select.focus()
        await until(pilot, lambda: app.focused is select)
        await pilot.press("enter")
        await until(pilot, lambda: select.expanded)
        burst(pilot, "down", "enter", "tab")
        await until(pilot, lambda: select.value == "jks" and not select.expanded)
        await pilot.pause(0.3)
        assert not any("Wrote" in str(n.message) for n in app._notifications)
        assert not Path("ws/artifacts/truststore.pem").exists()


async def test_an_unticked_checkbox_shows_no_tick(demo_app: CertbenchApp) -> None:
    """Textual's Checkbox draws an X when off as well: in tmux ``▐X▌ Key without password`` read as ticked."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("4", "5", "7"):
            await pilot.press(key)
            await pilot.pause(0.2)
            boxes = list(app.screen.query(Checkbox))
            assert boxes
            for box in boxes:
                box.value = False
                await pilot.pause()
                off = box.render().plain
                assert "X" not in off and "✓" not in off, off
                box.value = True
                await pilot.pause()
                assert "✓" in box.render().plain
                box.value = False


async def test_truststore_takes_the_format_from_the_typed_extension_and_leaves_the_fields(
    demo_app: CertbenchApp,
) -> None:
    """``trust.jks`` typed with PEM chosen writes a JKS (it was refused as "the extension of another
    format"); after the write the focus is back on the table, so ``4`` switches screens instead of
    landing in the password field."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        screen = app.screen
        assert isinstance(screen, TruststoreScreen)
        await pilot.press("w")
        await until(pilot, lambda: bool(screen.selected_entries()) and not screen._filling)
        screen.query_one("#truststore-out", Input).focus()
        await pilot.press(*"trust.jks", "tab", *"changeit9", "ctrl+s")
        target = Path("ws/artifacts/trust.jks")
        await until(pilot, target.exists)
        assert screen.query_one("#truststore-format", Select).value == "jks"
        assert target.read_bytes()[:4] == bytes.fromhex("feedfeed")  # a JKS, not PEM text
        table = screen.query_one("#truststore-table", DataTable)
        await until(pilot, lambda: app.focused is table)
        await pilot.press("4")
        await until(pilot, lambda: app.current_mode == "keystore")
        assert screen.query_one("#truststore-password", Input).value == "changeit9"


async def keystore_ready(app: CertbenchApp, pilot: Pilot[None]) -> KeystoreScreen:
    """The Keystore screen at 80x24 with the demo client's passwords typed for real, ready to write."""
    await pilot.press("4")
    await until(pilot, lambda: isinstance(app.screen, KeystoreScreen) and app.screen._item is not None)
    screen = app.screen
    assert isinstance(screen, KeystoreScreen)
    screen.query_one("#keystore-item-password", Input).focus()
    await pilot.press(*DEMO_KEY_PASSWORD.decode(), "tab", *"gatewaypass1", "tab", *"gatewaypass1")
    await until(pilot, lambda: status(screen).startswith("Ready"), why=lambda: status(screen))
    return screen


def status(screen: KeystoreScreen) -> str:
    return str(screen.query_one("#keystore-status", Static).render())


async def test_keystore_status_and_checklist_judge_the_form_as_it_is(demo_app: CertbenchApp) -> None:
    """One more character in Repeat after the checklist said Ready: the status names the failing check
    (it said Ready beside "the passwords differ", every row ✓) and ctrl+s refuses for that reason."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await keystore_ready(app, pilot)
        assert status(screen).startswith("Ready: ctrl+s writes artifacts/connectpay-client.jar")
        await pilot.press("5")  # typed into Repeat, which has the focus
        assert app.current_mode == "keystore"
        await until(pilot, lambda: "Passwords match" in status(screen), why=lambda: status(screen))
        assert status(screen).startswith("✗ Passwords match: the two passwords differ"), status(screen)
        checklist = str(screen.query_one("#keystore-checklist", Static).render())
        assert "✗ Passwords match: the two passwords differ" in checklist
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("the two passwords differ" in str(n.message) for n in app._notifications))
        assert not Path("ws/artifacts/connectpay-client.jar").exists()


async def test_keystore_ready_line_says_an_existing_file_is_replaced(demo_app: CertbenchApp) -> None:
    """The output exists: the status reads 'replaces ... (asks first)' (it read 'Ready: ctrl+s
    artifacts/x.jar exists: writing asks before replacing it')."""
    existing = Path("ws/artifacts/connectpay-client.jar")
    existing.parent.mkdir(parents=True, exist_ok=True)
    existing.write_bytes(b"an older build")
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await keystore_ready(app, pilot)
        assert status(screen) == "Ready: ctrl+s replaces artifacts/connectpay-client.jar (asks first)"


async def test_after_a_keystore_write_the_next_digit_switches_screens(demo_app: CertbenchApp) -> None:
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await keystore_ready(app, pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.last_written is not None)
        await until(pilot, lambda: app.focused is screen.query_one("#keystore-items"))
        await pilot.press("5")
        await until(pilot, lambda: app.current_mode == "truststore")
        assert screen.query_one("#keystore-repeat", Input).value == "gatewaypass1"


def root_ca(common_name: str) -> x509.Certificate:
    """A self-signed CA certificate named ``common_name`` (its truststore alias is the name in lower case)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(FIXED_NOW - timedelta(days=1))
        .not_valid_after(FIXED_NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def shown(app: CertbenchApp, widget: Widget, line: int) -> bool:
    """Whether the ``line``-th line of ``widget`` is on screen (not scrolled away, not below the fold)."""
    try:
        found, _region = app.screen.get_widget_at(widget.region.x + 1, widget.region.y + line)
    except NoWidget:
        return False
    return found is widget


async def test_keystore_at_80x24_shows_the_whole_chain_and_what_to_fix(demo_app: CertbenchApp) -> None:
    """On arrival at 80x24 (no password typed): both chain lines, the first checklist rows and a status
    that names the first failing check are on screen (the root and the checklist were below the fold while
    the status said "3 check(s) to fix"); ``c`` brings the whole checklist into view."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, KeystoreScreen) and app.screen._item is not None)
        screen = app.screen
        assert isinstance(screen, KeystoreScreen)
        await until(pilot, lambda: status(screen).startswith("✗"), why=lambda: status(screen))
        assert status(screen).startswith("✗ Item key unlocked: type the password of the item's private key")
        chain = screen.query_one("#keystore-chain", Static)
        checklist = screen.query_one("#keystore-checklist", Static)
        await until(pilot, lambda: "2. root" in str(chain.render()))
        # Laid out after the text changed: on a busy machine that is a frame or more later.
        await until(pilot, lambda: shown(app, chain, 0) and shown(app, chain, 1) and shown(app, checklist, 0))
        assert "✗ Item key unlocked" in str(checklist.render()).splitlines()[0]
        await pilot.press("c")
        await until(pilot, lambda: shown(app, checklist, checklist.region.height - 1))


async def test_truststore_texts_fit_80_columns_and_aliases_stay_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two aliases that share their first 18 characters read differently (cut in the middle, not at the
    end), the highlighted row's full alias is on the details line, the output placeholder is not cut."""
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(Path("ws"))
    build_demo(workspace, now=FIXED_NOW)
    for year in (2024, 2031):
        certificate = root_ca(f"Partner Root CA Production {year}")
        workspace.save_item(f"partner-{year}", ItemKind.CA, now=FIXED_NOW, certificate=certificate)
    app = make_app(Path("ws"), now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        screen = app.screen
        assert isinstance(screen, TruststoreScreen)
        await pilot.press("w")
        table = screen.query_one("#truststore-table", DataTable)
        aliases = ["partner-root-ca-production-2024", "partner-root-ca-production-2031"]
        listed = lambda: [c.alias for c in screen._candidates][: table.row_count]  # noqa: E731
        await until(pilot, lambda: set(aliases) <= set(listed()) and not screen._filling, why=lambda: str(listed()))
        cells = {str(table.get_cell_at(Coordinate(row, 1))) for row in range(table.row_count)}
        assert {"partner-r…ion-2024", "partner-r…ion-2031"} <= cells, cells
        table.move_cursor(row=listed().index("partner-root-ca-production-2031"))
        detail = screen.query_one("#truststore-row", Static)
        await until(pilot, lambda: str(detail.render()).startswith("partner-root-ca-production-2031  CN="))
        out = screen.query_one("#truststore-out", Input)
        assert len(out.placeholder) <= out.content_region.width, (out.placeholder, out.content_region)


@pytest.mark.parametrize(("key", "topic"), [("4", "Which bundle"), ("5", "Which format")])
async def test_keystore_and_truststore_help_explain_the_choice(demo_app: CertbenchApp, key: str, topic: str) -> None:
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await until(pilot, lambda: app.current_mode != "workspace")
        app.set_focus(None)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        assert isinstance(app.screen, HelpModal)
        headings = [heading for heading, _rows in app.screen.sections]
        assert topic in headings
        rows = dict(app.screen.sections)[topic]
        assert len(rows) >= 3 and all(what for _keys, what in rows)


def test_workspace_label_is_the_full_path_shortened_from_the_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert workspace_label(tmp_path / "ws", 40) == "~/ws"
    deep = tmp_path / "customers" / "acme-bank" / "2026" / "integration" / "ws"
    assert workspace_label(deep, 20) == "…2026/integration/ws"
    assert workspace_label(Path("/srv/ws"), 40) == "/srv/ws"


async def test_the_header_names_the_workspace_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tab bar showed "workspace ws" (relative, and cut off entirely at 80 columns): the header shows
    the path, ``~`` for home, shortened from the left."""
    monkeypatch.setenv("HOME", str(tmp_path))
    deep = tmp_path / "customers" / "acme-bank" / "2026" / "integration-tests" / "gateway" / "ws"
    app = make_app(deep, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        title = app.screen.query_one(HeaderTitle)
        shown_text = str(title.render())
        assert app.sub_title in shown_text and len(shown_text) <= title.region.width, (shown_text, title.region)
        assert app.sub_title.startswith("v0") and "· …" in app.sub_title
        assert app.sub_title.endswith("/2026/integration-tests/gateway/ws")


async def test_probe_panes_are_titled_and_the_bindings_form_is_a_closed_box(demo_app: CertbenchApp) -> None:
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await until(pilot, lambda: app.current_mode == "probe")
        await pilot.pause(0.2)
        for selector in ("#probe-facts-pane", "#probe-certs", "#probe-findings"):
            pane = app.screen.query_one(selector)
            assert pane.display and pane.border_title, selector
    app = make_app(Path("ws"), now=FIXED_NOW)  # the same workspace, a new run at 200x50
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: app.current_mode == "bindings")
        await pilot.pause(0.2)
        form = app.screen.query_one("#bindings-form")
        assert form.border_title == "Bind or check"
        assert form.styles.border_left[0] and form.styles.border_right[0]


async def test_bindings_details_show_the_fingerprints_at_80x24(demo_app: CertbenchApp) -> None:
    """At 80x24 the Details pane shows about 7 lines: the SHA-256 and x5t#S256 (what a binding is) come
    right after the client_id, not below the fold after the subject and issuer as they did."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: app.current_mode == "bindings" and app.focused is not None)
        details = app.screen.query_one("#bindings-details", Static)
        await until(pilot, lambda: "SHA-256" in str(details.render()))
        await pilot.pause()
        pane = app.screen.query_one("#bindings-about")
        width = details.content_region.width
        lines = str(details.render()).splitlines()
        upto = lines[: next(i for i, line in enumerate(lines) if line.startswith("x5t#S256")) + 1]
        rows = sum(max(1, math.ceil(len(line) / width)) for line in upto)  # each line wraps at the pane's width
        # The x5t#S256 line (and so the SHA-256 above it) ends inside the part of the pane on screen.
        assert pane.scroll_y == 0 and rows <= pane.content_region.height, (lines, pane.content_region.height)
