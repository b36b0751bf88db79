"""The TUI as a daily tool (issue 14, second round): Tab goes from a list to its form's first field (no
scroll container in the Tab order), status lines that name an item follow the workspace, output paths
are checked while typed, wide tables fit 80 columns, text colours meet WCAG contrast in both themes, and
renaming a store entry after clearing the field with ctrl+u saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.scroll_view import ScrollView
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.screens.stores import StoresScreen
from certbench.ui.screens.truststore import TruststoreScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from certbench.ui.themes import DARK_THEME, LIGHT_THEME
from certbench.ui.widgets.timeline import Timeline
from conftest import FIXED_NOW
from pilot_support import go, until
from tool_runner import run_tool

# -- 1. Tab order ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["inspect", "create", "keystore", "truststore", "bindings", "probe"])
async def test_tab_walks_the_form_without_stopping_on_a_scroll_container(demo_ws: Path, mode: str) -> None:
    """A full Tab round from the primary widget never lands on the scroll container that holds the form."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, mode)
        chain = app.screen.focus_chain
        assert any(isinstance(widget, Input) for widget in chain)
        visited = []
        for _ in chain:
            await pilot.press("tab")
            visited.append(app.focused)
        # A pane of text only (details, checklist) stays a Tab stop: it is how a keyboard scrolls it.
        containers = [
            widget
            for widget in visited
            if isinstance(widget, ScrollableContainer)
            and not isinstance(widget, ScrollView)  # Input and DataTable are scroll views, not containers
            and any(child.can_focus for child in widget.query("*"))
        ]
        assert not containers, f"Tab stopped on a form's container: {containers}"


async def test_bindings_tab_from_the_table_then_typing_fills_the_client_id(demo_ws: Path) -> None:
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "bindings")
        assert isinstance(app.focused, DataTable)
        await pilot.press("tab", *"tpp-client-1")
        assert app.screen.query_one("#bindings-client", Input).value == "tpp-client-1"


# -- 5. Contrast ----------------------------------------------------------------------------------------


def _relative_luminance(color: Color) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def _contrast(foreground: Color, background: Color) -> float:
    light, dark = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _resolve(value: str, background: Color) -> Color:
    """A theme variable's colour as drawn on ``background`` (``auto 60%`` is Textual's contrasting text)."""
    if value.startswith("auto"):
        alpha = float(value.split()[1].rstrip("%")) / 100 if " " in value else 1.0
        return background.get_contrast_text(alpha)
    color = Color.parse(value)
    return background + color if color.a < 1 else color


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_status_and_muted_text_meet_wcag_contrast_in_both_themes(tmp_path: Path, theme: str) -> None:
    """Success, warning, error and muted text reach 4.5:1 on the background, surface and panel colours
    (tables, dialogs and status lines) of the theme the app runs with."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW, theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert app.theme == theme
        variables = app.get_css_variables()
        low = {
            (text, ground): round(ratio, 2)
            for ground in ("background", "surface", "panel")
            for text in ("success", "warning", "error", "text-muted")
            if (
                ratio := _contrast(
                    _resolve(variables[text], Color.parse(variables[ground])), Color.parse(variables[ground])
                )
            )
            < 4.5
        }
        assert not low, f"{theme}: below 4.5:1 {low}"


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_timeline_today_marker_meets_wcag_contrast_in_both_themes(demo_ws: Path, theme: str) -> None:
    """The timeline's "today" marker (the ▼ on the axis, the │ down the rows, over a bar or not) reaches
    4.5:1 against what it is drawn on: the orange $accent read poorly on the light theme's grey."""
    app = make_app(demo_ws, now=FIXED_NOW, theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        timeline = app.screen.query_one(Timeline)
        await until(pilot, lambda: len(timeline.entries) > 0)
        await pilot.pause(0.1)
        ratios = []
        for y in range(timeline.scrollable_content_region.height):
            for segment in timeline.render_line(y):
                style = segment.style
                if style is None or not {"▼", "│"} & set(segment.text):
                    continue
                assert style.color is not None and style.bgcolor is not None, segment
                foreground, background = (Color.from_rich_color(c) for c in (style.color, style.bgcolor))
                ratios.append(round(_contrast(foreground, background), 2))
        assert len(ratios) > 2  # the axis and rows, over a bar and not
        assert min(ratios) >= 4.5, f"{theme}: {ratios}"


# -- 4. No stray scrollbars at 80 columns ----------------------------------------------------------------

STORE_PASSWORD = "storepass1"


def _horizontal_scrollbars(app: CertbenchApp) -> list[str]:
    return [
        f"{type(widget).__name__}#{widget.id}"
        for widget in app.screen.query("*")
        if widget.display and widget.show_horizontal_scrollbar and widget.scrollbar_size_horizontal > 0
    ]


async def _fill(app: CertbenchApp, pilot: Pilot[None], mode: str, ws: Path) -> None:
    """Put the demo workspace's material on the screen, as a user would on arrival."""
    screen = app.screen
    if mode == "inspect":
        assert isinstance(screen, InspectScreen)
        screen.open_paths([str(ws / "items" / "connectpay-client" / "chain.pem")])
        await until(pilot, lambda: screen.analysis is not None)
    elif mode == "truststore":
        assert isinstance(screen, TruststoreScreen)
        screen.action_add_workspace()
        await until(pilot, lambda: len(screen.selected_entries()) >= 2)
    elif mode == "stores":
        for name in ("connectpay-root-ca", "axway-root-ca"):
            certificate = (ws / "items" / name / "cert.pem").absolute()
            run_tool("keytool", "-importcert", "-noprompt", "-alias", name, "-file", certificate, "-keystore",
                     "trust.jks", "-storepass", STORE_PASSWORD, "-storetype", "JKS", cwd=Path.cwd())  # fmt: skip
        stores = StoresScreen(str(Path("trust.jks").absolute()))
        await app.push_screen(stores)
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*STORE_PASSWORD, "enter")
        await until(pilot, lambda: stores.query_one("#stores-entries", DataTable).row_count == 2)
    table_counts = {table.id: table.row_count for table in app.screen.query(DataTable)}
    assert any(table_counts.values()), table_counts
    await pilot.pause(0.5)


@pytest.mark.parametrize("mode", ["workspace", "inspect", "keystore", "truststore", "bindings", "stores"])
async def test_no_horizontal_scrollbar_at_80x24(demo_ws: Path, mode: str) -> None:
    """Every table fits 80 columns with the demo workspace's material: the least important column is cut
    with an ellipsis (the details pane shows it whole) instead of the table scrolling sideways."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "keystore" if mode == "stores" else mode)
        await _fill(app, pilot, mode, demo_ws)
        assert not _horizontal_scrollbars(app)


# -- 2. Status lines follow the workspace ----------------------------------------------------------------


def _status(app: CertbenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_create_status_follows_the_item_through_delete_and_undo(demo_ws: Path) -> None:
    """ "Created ca 'x'" no longer stands once x went to the trash on the Workspace screen; after the undo
    it reads as before."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "create")
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        screen.query_one("#create-role", Select).value = "root"
        await pilot.pause()
        screen.query_one("#create-name", Input).value = "short-lived-root"
        screen.query_one("#create-subject", Input).value = "/CN=Short Lived Root"
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen) and app.focused is not None)
        assert "Created ca 'short-lived-root'" in str(screen.query_one("#create-status", Static).render())
        table = app.screen.query_one("#items-table", DataTable)
        await until(pilot, lambda: table.row_count > 0 and app.focused is table)
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "short-lived-root"
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: not Workspace.open(demo_ws).has("short-lived-root"))
        await go(app, pilot, "create")
        assert "'short-lived-root' is no longer in the workspace" in _status(app, "#create-status")
        await go(app, pilot, "workspace")
        await pilot.press("u")
        await until(pilot, lambda: Workspace.open(demo_ws).has("short-lived-root"))
        await go(app, pilot, "create")
        assert _status(app, "#create-status").startswith("Created ca 'short-lived-root'")


async def test_bindings_check_verdict_is_cleared_when_the_binding_is_removed(demo_ws: Path) -> None:
    """ "match: ... is bound to axway-tpp-1" does not stay under the form once that binding is removed."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "bindings")
        screen = app.screen
        assert isinstance(screen, BindingsScreen)
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        screen.query_one("#bindings-client", Input).value = "axway-tpp-1"
        screen.query_one("#bindings-item", Select).value = "tpp1"
        screen.action_check()
        await until(pilot, lambda: screen.last_result is not None)
        assert _status(app, "#bindings-result") == "match: workspace item tpp1 is bound to axway-tpp-1"
        table.focus()
        table.move_cursor(row=0)
        assert table.get_row_at(0)[0].plain == "axway-tpp-1"
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: table.row_count == 1)
        await until(pilot, lambda: _status(app, "#bindings-result") == "")


# -- 3. Output paths checked as typed ---------------------------------------------------------------------


def _hint(app: CertbenchApp, selector: str) -> str:
    hint = app.screen.query_one(selector, Static)
    return str(hint.render()) if hint.display else ""


async def test_keystore_output_path_is_checked_as_typed(demo_ws: Path) -> None:
    """A folder, or a file in a folder that does not exist, is refused under the field and Write is off
    before it is pressed; an existing file is announced (Write asks before replacing it)."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "keystore")
        screen = app.screen
        out = screen.query_one("#keystore-out", Input)
        out.value = ""
        out.focus()
        await pilot.press(*"../items")
        assert "is a directory" in _hint(app, "#keystore-out-hint")
        assert screen.check_action("write", ()) is None
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ConfirmModal)
        out.value = ""
        await pilot.press(*"no-such-folder/x.jar")
        assert "does not exist" in _hint(app, "#keystore-out-hint")
        assert screen.check_action("write", ()) is None
        out.value = ""
        await pilot.press(*"client.jar")
        assert _hint(app, "#keystore-out-hint") == ""
        assert screen.check_action("write", ()) is True
        (demo_ws / "artifacts" / "client.jar").write_bytes(b"an earlier build")
        out.value = ""
        await pilot.press(*"client.jar")
        assert "exists: writing asks before replacing it" in _hint(app, "#keystore-out-hint")
        assert screen.check_action("write", ()) is True


async def test_truststore_write_button_is_off_for_a_folder(demo_ws: Path) -> None:
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "truststore")
        button = app.screen.query_one("#truststore-write", Button)
        app.screen.query_one("#truststore-out", Input).focus()
        await pilot.press(*str((demo_ws / "items").absolute()))
        assert "is a directory" in _hint(app, "#truststore-out-hint") and button.disabled
        await pilot.press("ctrl+u", *"trust.pem")
        assert _hint(app, "#truststore-out-hint") == "" and not button.disabled


async def test_export_dialog_refuses_a_folder_before_ok(demo_ws: Path) -> None:
    """Bindings' export dialog (the same as Inspect's save): OK is off and Enter keeps the dialog open."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "bindings")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        await pilot.press("ctrl+u", *"../items", "enter")
        assert isinstance(app.screen, SavePathModal)
        assert "is a directory" in _hint(app, "#save-path-hint")
        assert app.screen.query_one("#save-ok", Button).disabled
        await pilot.press("ctrl+u", *"registry.json", "enter")
        await until(pilot, lambda: (demo_ws / "artifacts" / "registry.json").exists())


async def test_stores_convert_follows_the_path_rule_and_refuses_a_missing_folder(demo_ws: Path) -> None:
    """Stores' Convert dialog checks the path as typed, and a relative name lands in artifacts/ (it used to
    land in the current folder)."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await go(app, pilot, "keystore")
        await _fill(app, pilot, "stores", demo_ws)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        await pilot.press("ctrl+u", *"no-such-folder/copy.p12")
        assert "does not exist" in _hint(app, "#save-path-hint")
        assert app.screen.query_one("#save-ok", Button).disabled
        await pilot.press("ctrl+u", *"copy.p12", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        copy = demo_ws / "artifacts" / "copy.p12"
        await until(pilot, copy.exists)
        assert not Path("copy.p12").exists()
        listing = run_tool("keytool", "-list", "-keystore", copy, "-storepass", STORE_PASSWORD, cwd=Path.cwd())
        assert listing.decode().count("trustedCertEntry") == 2
