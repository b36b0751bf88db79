"""What a hurried run in real tmux at 80x24 found (issue 14): Bindings focuses its form while there is
nothing to bind yet and Enter in the form adds; Inspect's ``/`` returns to the path field and opening
replaces the open files (``a`` adds); role changes clear Create's stale status; the help describes the
screen it is on; every key is in the palette; every footer fits 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Checkbox, DataTable, Footer, Input, Select, Static
from textual.widgets._footer import FooterKey

from certbench.ui.app import JOBS, LIGHT_THEME, CertbenchApp, make_app
from certbench.ui.modals.help import HelpModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.inspect import InspectScreen
from conftest import FIXED_NOW
from pilot_support import KEYS, until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def text_of(widget: Static) -> str:
    return str(widget.render())


# Bindings ----------------------------------------------------------------------------------------------


async def test_bindings_without_bindings_types_into_the_client_field(empty_ws: Path) -> None:
    """No binding to act on: the form is the primary widget, so a client_id typed right after arriving
    is typed (the old table focus ran c = Check and the digits switched screens)."""
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("6", *"tpp-client-4711")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
        screen = app.screen
        client = screen.query_one("#bindings-client", Input)
        await until(pilot, lambda: client.value == "tpp-client-4711", why=lambda: f"{client.value!r} {messages(app)}")
        assert app.current_mode == "bindings" and app.focused is client
        assert not [m for m in messages(app) if "client_id first" in m]


async def test_bindings_enter_in_the_form_adds_or_says_what_is_missing(empty_ws: Path) -> None:
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen) and isinstance(app.focused, Input))
        screen = app.screen
        assert isinstance(screen, BindingsScreen)
        path = screen.query_one("#bindings-path", Input)
        await pilot.press(*"tpp-client-4711", "enter")  # no certificate yet: say so, and go there
        await until(pilot, lambda: app.focused is path)
        assert any("certificate file path" in m for m in messages(app)), messages(app)
        await pilot.press(*str(MATERIAL / "leaf.pem"), "enter")
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 1, why=lambda: str(messages(app)))
        await until(pilot, lambda: app.focused is table)
        assert any(m.startswith("Bound ") and m.endswith("to tpp-client-4711") for m in messages(app))


async def test_bindings_ctrl_s_in_the_certificate_field_adds(empty_ws: Path) -> None:
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen) and isinstance(app.focused, Input))
        screen = app.screen
        await pilot.press(*"client-a", "tab", *str(MATERIAL / "leaf.pem"), "ctrl+s")
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 1, why=lambda: str(messages(app)))


async def test_bindings_check_result_is_in_view_and_told(empty_ws: Path) -> None:
    """At 80x24 the form's end is below the fold: the verdict scrolls into view and is a notification."""
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen) and isinstance(app.focused, Input))
        screen = app.screen
        assert isinstance(screen, BindingsScreen)
        table = screen.query_one("#bindings-table", DataTable)
        await pilot.press(*"tpp-client-4711", "tab", *str(MATERIAL / "leaf.pem"), "enter")
        await until(pilot, lambda: table.row_count == 1 and app.focused is table)
        await pilot.press("c")
        await until(pilot, lambda: screen.last_result is not None)
        await until(pilot, lambda: any(m.startswith("match: ") for m in messages(app)), why=lambda: str(messages(app)))
        result = screen.query_one("#bindings-result", Static)
        await until(
            pilot, lambda: result.region.height > 0 and result.region.bottom <= 23, why=lambda: str(result.region)
        )
        assert "is bound to tpp-client-4711" in text_of(result)


# Inspect -----------------------------------------------------------------------------------------------


async def inspect_with(app: CertbenchApp, pilot, path: Path) -> InspectScreen:  # type: ignore[no-untyped-def]
    await pilot.pause(0.2)
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, InspectScreen) and isinstance(app.focused, Input))
    screen = app.screen
    assert isinstance(screen, InspectScreen)
    await pilot.press(*str(path), "enter")
    certs = screen.query_one("#inspect-certs", DataTable)
    await until(pilot, lambda: screen.analysis is not None and app.focused is certs)
    return screen


async def test_inspect_slash_returns_to_the_path_field_and_opening_replaces(empty_ws: Path) -> None:
    """After Enter the focus is on the list; ``/`` goes back to the path field, so a second path is typed
    (not run as o, w, i... commands), and it replaces the open file; ``a`` then Enter adds one."""
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await inspect_with(app, pilot, MATERIAL / "reversed.pem")
        second = str(MATERIAL / "leaf.pem")
        await pilot.press("slash", *second, "enter")
        await until(pilot, lambda: screen.analysis is not None and screen.analysis.paths == (second,))
        assert app.screen is screen and app.current_mode == "inspect"
        third = str(MATERIAL / "root.pem")
        await until(pilot, lambda: app.focused is screen.query_one("#inspect-certs"))
        await pilot.press("a", *third, "enter")
        await until(pilot, lambda: screen.analysis is not None and screen.analysis.paths == (second, third))
        status = text_of(screen.query_one("#inspect-status", Static))
        assert "open: leaf.pem, root.pem" in status


async def test_inspect_fix_names_the_key_and_the_texts_fit_80_columns(empty_ws: Path) -> None:
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await inspect_with(app, pilot, MATERIAL / "reversed.pem")
        fix = text_of(screen.query_one("#inspect-fix", Static))
        assert "s (Save chain)" in fix and "--fix-out" not in fix and "Save fixed chain" not in fix
        status = screen.query_one("#inspect-status", Static)
        assert len(text_of(status)) <= status.content_region.width, text_of(status)
        path = screen.query_one("#inspect-path", Input)
        assert len(path.placeholder) <= path.content_region.width, path.placeholder
        assert "/" in path.placeholder
        await pilot.press("a")
        await until(pilot, lambda: app.focused is path)
        assert "add" in path.placeholder and len(path.placeholder) <= path.content_region.width


# Create ------------------------------------------------------------------------------------------------


async def test_create_role_change_clears_the_created_status(empty_ws: Path) -> None:
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, CreateScreen) and isinstance(app.focused, Input))
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        screen.query_one("#create-subject", Input).value = "/CN=Acme Root"
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.press(*"acme-root", "ctrl+s")
        await until(pilot, lambda: app.current_mode == "workspace", why=lambda: str(messages(app)))
        status = screen.query_one("#create-status", Static)
        assert text_of(status).startswith("Created ")
        await pilot.press("3")
        await until(pilot, lambda: app.screen is screen)
        screen.query_one("#create-role", Select).value = "leaf"
        await until(pilot, lambda: not text_of(status).startswith("Created "), why=lambda: text_of(status))


# Help, palette, footer ----------------------------------------------------------------------------------


async def switch_to(app: CertbenchApp, pilot, mode: str) -> CertbenchScreen:  # type: ignore[no-untyped-def]
    await pilot.press("escape", KEYS[mode], "escape")
    await until(pilot, lambda: app.current_mode == mode and isinstance(app.screen, CertbenchScreen))
    screen = app.screen
    assert isinstance(screen, CertbenchScreen)
    return screen


async def test_help_describes_the_screen_it_is_on(demo_ws: Path) -> None:
    """Esc goes "to the list" only where there is one (Create has none); digit keys are said not to work
    while typing."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        for mode, _key, _title in JOBS:
            screen = await switch_to(app, pilot, mode)
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpModal))
            assert isinstance(app.screen, HelpModal)
            sections = dict(app.screen.sections)
            everywhere = next(heading for heading in sections if heading.startswith("Everywhere"))
            assert "not while typing" in everywhere
            fields = dict(sections.get("Text fields", []))
            target = screen.query_one(screen.LIST_FOCUS or screen.PRIMARY_FOCUS or "Input")
            if fields:  # Esc is listed once: in the screen's keys where it has another job there (Probe)
                esc = next(what for rows in sections.values() for keys, what in rows if keys.casefold() == "esc")
                assert ("list" in esc) == (not isinstance(target, Input)), (mode, esc)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, HelpModal))
        create = await switch_to(app, pilot, "create")
        assert create.field_keys()[0] == ("Esc", "Leave the field")
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        assert isinstance(app.screen, HelpModal)
        assert app.screen.sections[0][0] == "Create screen"  # no letter keys there


#: Keys that move between fields, like Tab or Esc in any app: not actions worth a palette entry.
NAVIGATION = {"app.focus_next", "app.focus_previous", "screen.leave_field"}


async def test_every_bound_action_is_in_the_palette(demo_ws: Path) -> None:
    """Walks the bindings of every screen (and the app's): each enabled action has a palette command whose
    title holds the binding's description."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.2)
        for mode, _key, _title in JOBS:
            screen = await switch_to(app, pilot, mode)
            titles = [command.title for command in app.get_system_commands(screen)]
            bindings = [
                (screen, binding)
                for cls in type(screen).__mro__
                if cls.__module__.startswith("certbench.")
                for binding in cls.__dict__.get("BINDINGS", ())
            ]
            bindings += [(app, binding) for binding in type(app).BINDINGS if isinstance(binding, Binding)]
            for node, binding in bindings:
                assert isinstance(binding, Binding)
                if binding.id in NAVIGATION or not node.check_action(binding.action.removeprefix("app."), ()):
                    continue
                assert any(binding.description in title for title in titles), (mode, binding.description, titles)


async def test_palette_finds_the_theme_toggle_by_dark(empty_ws: Path) -> None:
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"dark")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == LIGHT_THEME)


@pytest.mark.parametrize("mode", list(KEYS))
async def test_every_footer_fits_80_columns(demo_ws: Path, mode: str) -> None:
    """The footer shows the screen's actions without overflowing (Inspect's ran behind the palette key and
    left a stray letter in column 80)."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        screen = await switch_to(app, pilot, mode)
        if isinstance(screen, InspectScreen):
            screen.open_paths([str(MATERIAL / "reversed.pem")])
            await until(pilot, lambda: screen.analysis is not None)
            await pilot.press("escape")
        await pilot.pause(0.3)
        footer = screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        shown = [key for key in keys if not key.has_class("-command-palette")]
        assert shown and footer.virtual_size.width <= footer.size.width, [k.description for k in shown]
        assert max(key.region.right for key in shown) <= min((key.region.x for key in palette), default=80)


#: Textual's names of the punctuation keys the bursts below type.
KEY_NAMES = {"-": "minus", "/": "slash", ".": "full_stop"}


def burst(app: CertbenchApp, keys: str) -> None:
    """Keys as a hurried typist sends them (tmux send-keys): all queued at once, none waited for."""
    for character in keys:
        app.post_message(events.Key(KEY_NAMES.get(character, character), character))


@pytest.mark.parametrize(("mode", "field", "typed"), [("bindings", "#bindings-client", "tpp-client-4711"),
                                                      ("inspect", "#inspect-path", "/srv/work/chain.pem")])  # fmt: skip
async def test_a_burst_after_the_screen_key_lands_in_the_primary_field(
    empty_ws: Path, mode: str, field: str, typed: str
) -> None:
    """The keys after the digit arrive before the screen's focus: they are typed into its primary field,
    not run as its one-letter keys (c = Check, o = picker) or as screen switches (the 7 of 4711)."""
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        burst(app, KEYS[mode] + typed)
        await until(pilot, lambda: app.current_mode == mode and isinstance(app.screen, CertbenchScreen))
        target = app.screen.query_one(field, Input)
        await until(pilot, lambda: target.value == typed, why=lambda: f"{target.value!r} {messages(app)}")
        await pilot.pause(0.2)
        assert app.current_mode == mode and app.screen.query_one(field, Input).value == typed
        assert app.focused is target and not messages(app)


async def test_a_burst_after_slash_or_a_lands_in_the_path_field(empty_ws: Path) -> None:
    """``/`` focuses the path field before the next key is handed on: a second path typed in one burst
    with its Enter opens (replacing the first), none of its letters runs w, o, i... on the list; ``a``
    does the same and adds."""
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await inspect_with(app, pilot, MATERIAL / "reversed.pem")
        second = str(MATERIAL / "leaf.pem")
        burst(app, "/" + second)
        app.post_message(events.Key("enter", "\r"))
        await until(pilot, lambda: screen.analysis is not None and screen.analysis.paths == (second,))
        await until(pilot, lambda: app.focused is screen.query_one("#inspect-certs"))
        third = str(MATERIAL / "root.pem")
        burst(app, "a" + third)  # a: the same, adding to the open file
        app.post_message(events.Key("enter", "\r"))
        await until(pilot, lambda: screen.analysis is not None and screen.analysis.paths == (second, third))
        assert app.screen is screen and not messages(app)
