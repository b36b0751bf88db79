"""Paths and layouts (issue 14): relative output paths land in artifacts/ and the absolute path is
reported; choosing a partner profile runs it; at 80x24 every screen stacks its panes and every button
and field fits the width (reachable by Tab, no horizontal scrolling)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, Select

from certbench.ui.app import JOBS, CertbenchApp, make_app
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.inspect import InspectScreen
from conftest import FIXED_NOW
from pilot_support import until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


async def test_save_fixed_chain_relative_goes_to_artifacts_and_reports_absolute(demo_ws: Path) -> None:
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and app.focused is not None)
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        await pilot.press(*str(MATERIAL / "reversed.pem"), "enter")
        await until(pilot, lambda: screen.analysis is not None and app.focused is screen.query_one("#inspect-certs"))
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = "fixed.pem"
        await pilot.press("enter")
        target = (demo_ws / "artifacts" / "fixed.pem").absolute()
        await until(pilot, target.exists)
        await until(pilot, lambda: any(str(target) in str(n.message) for n in app._notifications))
        assert not Path("fixed.pem").exists()


async def test_choosing_a_profile_runs_it(demo_ws: Path) -> None:
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen))
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.open_paths([str(MATERIAL / "reversed.pem")])
        await until(pilot, lambda: screen.analysis is not None)
        select = screen.query_one("#inspect-profile", Select)
        select.value = select._options[1][1]  # the first real profile
        await until(pilot, lambda: bool(screen.profile_checks))


@pytest.mark.parametrize("mode", [mode for mode, _key, _title in JOBS])
async def test_every_control_fits_80_columns(demo_ws: Path, mode: str) -> None:
    """Every button, field, list and checkbox of every screen lies within the 80 columns: stacked panes,
    nothing cut off at the right (the old Keystore form got 4 columns, the Create button was off-screen)."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        key = dict((m, k) for m, k, _t in JOBS)[mode]
        await pilot.press("escape", key)
        await until(pilot, lambda: app.current_mode == mode)
        await pilot.pause(0.5)
        assert app.screen.has_class("-narrow")
        controls: list[Widget] = [
            w for w in app.screen.query("Button, Input, Select, Checkbox, DataTable") if w.display and w.visible
        ]
        assert controls
        for widget in controls:
            assert isinstance(widget, Button | Input | Select | Checkbox | DataTable)
            region = widget.region
            assert region.width >= min(10, widget.outer_size.width), (mode, widget, region)
            assert region.right <= 80, (mode, widget, region)


async def test_wide_terminal_puts_panes_side_by_side(demo_ws: Path) -> None:
    app: CertbenchApp = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause(0.5)
        assert app.screen.has_class("-wide")
        table = app.screen.query_one("#items-table", DataTable)
        details = app.screen.query_one("#item-details-pane")
        assert table.region.y == details.region.y and table.region.right <= details.region.x
        assert table.region.width > 100  # proportional, not a fixed width
