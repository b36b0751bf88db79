"""Drop-down lists keep up with keys typed in one burst (a second tmux run at 80x24, issue 14): the pick is
the Select's value, and the focus back on it, before the keys typed after the pick are handled."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select

from certbench.core.bindings import Registry
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.widgets.toggles import TypeAheadSelect
from pilot_support import burst, go, until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


async def test_bindings_binds_the_item_picked_in_the_same_burst(demo_app: CertbenchApp, demo_ws: Path) -> None:
    """``Tab Tab Enter Down Enter Tab note Enter`` from the client_id: Enter in the note field added the
    binding before the picked item was the list's value, so the file typed earlier was bound instead."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "bindings")
        screen = app.screen
        assert isinstance(screen, BindingsScreen)
        item = screen.query_one("#bindings-item", Select)
        await until(pilot, lambda: len(item._options) > 1)
        picked = item._options[1][1]  # Down from "none: use the file"
        screen.query_one("#bindings-path", Input).value = str(MATERIAL / "leaf.pem")
        client = screen.query_one("#bindings-client", Input)
        client.focus()
        await pilot.pause()
        burst(pilot, *"tpp-two", "tab", "tab", "enter", "down", "enter", "tab", *"n2", "enter")
        workspace = Workspace.open(demo_ws)
        await until(pilot, lambda: "tpp-two" in {b.client_id for b in Registry.load(workspace.bindings_path).bindings})
        [binding] = [b for b in Registry.load(workspace.bindings_path).bindings if b.client_id == "tpp-two"]
        assert isinstance(picked, str)
        assert binding.sha256 == workspace.get(picked).sha256, (picked, binding.sha256)
        assert binding.note == "n2"


async def test_create_and_inspect_lists_take_a_burst(demo_app: CertbenchApp) -> None:
    """Create's Role and Inspect's Profile were Textual's plain Select: ``Enter Down Enter`` left the list
    open with nothing picked, and ``Down Enter Tab`` kept the focus on the list."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "create")
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        role = screen.query_one("#create-role", Select)
        before = role.value
        role.focus()
        await pilot.pause()
        burst(pilot, "enter", "down", "enter", "tab")
        await until(pilot, lambda: role.value != before and not role.expanded, why=lambda: f"{role.value}")
        await until(pilot, lambda: app.focused is not None and app.focused is not role, why=lambda: f"{app.focused}")
        assert isinstance(role, TypeAheadSelect)

        await go(app, pilot, "inspect")
        inspect = app.screen
        assert isinstance(inspect, InspectScreen)
        profile = inspect.query_one("#inspect-profile", Select)
        profile.focus()
        await pilot.pause()
        burst(pilot, "enter", "down", "enter")
        await until(pilot, lambda: profile.value != Select.NULL and not profile.expanded)
