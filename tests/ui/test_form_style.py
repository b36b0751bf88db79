"""Issue 14: one form style across screens. Every text field and drop-down of a job screen is a compact
one-line field on a FormRow with a label (Create had labels beside one-line fields, Bindings labels above
three-line boxes, Keystore titles on the boxes' borders, Truststore and Probe placeholders only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.widgets.form import FieldLabel, FormRow
from conftest import FIXED_NOW
from pilot_support import until

SCREENS = ("2", "3", "4", "5", "6", "7")


@pytest.mark.parametrize("key", SCREENS)
async def test_every_field_is_a_labelled_one_line_row(tmp_path: Path, key: str) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    build_demo(workspace, now=FIXED_NOW)
    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("alt+" + key)
        await until(pilot, lambda: type(app.screen).__name__ != "WorkspaceScreen")
        screen = app.screen
        assert isinstance(screen, CertbenchScreen)
        fields = [*screen.query(Input), *screen.query(Select)]
        assert fields, type(screen).__name__
        for field in fields:
            row = field.parent
            assert isinstance(row, FormRow), f"{field.id} is not on a form row"
            assert field.has_class("-textual-compact"), f"{field.id} is not a one-line field"
            assert row.query_children(FieldLabel), f"{field.id}'s row has no label"
            assert field.outer_size.height == 1, f"{field.id} is {field.outer_size.height} lines tall"
