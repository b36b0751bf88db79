"""The TUI keeps control characters from files off the terminal, and never reads them as markup.

The certificate is made by openssl with a CN holding an OSC title change, a colour change, CR, LF, a C1
CSI and a right-to-left override (tests/hostile_material.py). The check is on what Textual would write
to the terminal for the whole screen, not on widget state.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.screens.inspect import InspectScreen
from conftest import FIXED_NOW
from hostile_material import RAW_CONTROLS, HostileMaterial, make_hostile_material


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileMaterial:
    return make_hostile_material(tmp_path_factory.mktemp("hostile"))


async def test_inspect_screen_renders_hostile_names_inert(hostile: HostileMaterial, tmp_path: Path) -> None:
    Workspace.open(tmp_path / "ws")
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.open_paths([str(hostile.leaf), str(hostile.ca)])
        certs = screen.query_one("#inspect-certs", DataTable)
        for _ in range(1500):  # the analysis runs in a worker; bounded so a failure cannot hang the suite
            if certs.row_count == 2:
                break
            await asyncio.sleep(0.02)
        assert certs.row_count == 2
        await pilot.pause(0.1)
        # No markup interpretation: the cell holds the CN as the file has it, "[31m" included.
        assert str(certs.get_row_at(0)[1]).startswith("leaf evil\x1b]0;PWNED")
        details = str(screen.query_one("#inspect-details", Static).render())
        assert "[31mred" in details  # no markup read in it either
        # The details pane shows the newline escaped, as the CLI does: no line of its own for the forgery.
        assert "\\rover\\nFORGED line" in details
        assert not any(line.startswith("FORGED") for line in details.splitlines())
        # What goes to the terminal for the whole screen (the compositor's full update, as the driver gets it).
        output = app.screen._compositor.render_update(full=True).render_segments(app.console)
        assert "leaf evil]0;PWNED[31mredover" in output  # the table cell, its controls removed
        for char in RAW_CONTROLS:
            if char == "\x1b":
                assert "\x1b]" not in output and "\x1b[31mred" not in output
            else:
                assert char not in output, f"raw {char!r} reached the terminal"
