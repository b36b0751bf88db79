"""Truststore's columns at 80 columns (issue 14): each as wide as what it shows, the header never cut while a
big bundle fills the table (the old fixed widths left "Left" 13 cells for "3273d" and cut "Status" to
"Statu" once the rows brought a scrollbar)."""

from __future__ import annotations

from pathlib import Path

import pytest
import truststore_material
from textual.widgets import DataTable, Input

from certbench.ui.app import make_app
from certbench.ui.screens.truststore import TruststoreScreen
from certbench.ui.widgets.trust_cells import COLUMNS, FLEX
from conftest import FIXED_NOW
from pilot_support import until

big_bundle = truststore_material.big_bundle  # session fixture


def header(table: DataTable[object]) -> str:
    """The header row as drawn in the table's visible width."""
    return table.render_line(0).crop(0, table.scrollable_content_region.width).text


@pytest.mark.slow
async def test_columns_fit_their_content_and_the_header_is_never_cut_while_filling(
    big_bundle: Path, tmp_path: Path
) -> None:
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        screen = app.screen
        assert isinstance(screen, TruststoreScreen)
        table = screen.query_one("#truststore-table", DataTable)
        path = screen.query_one("#truststore-path", Input)
        path.value = str(big_bundle)
        path.focus()
        await pilot.press("enter")
        headers: list[str] = []

        def done() -> bool:
            if table.row_count:
                headers.append(header(table))
            return table.row_count == truststore_material.BIG_COUNT and not screen._filling

        await until(pilot, done, timeout=120)
        await pilot.pause(0.1)
        headers.append(header(table))
        assert len(headers) > 2  # seen while filling, not only at the end
        labels = [label for _key, label in COLUMNS]
        cut = [text for text in headers if "…" in text or not all(f" {label} " in f"{text} " for label in labels)]
        assert not cut, cut[:3]
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no horizontal scrollbar
        # Columns that never narrow are as wide as their widest cell (or label); none is wider.
        widths = {str(key.value): column.width for key, column in table.columns.items()}
        for key, label in COLUMNS:
            widest = max(len(label), *(table.get_cell(str(row), key).cell_len for row in range(table.row_count)))
            if key in FLEX:
                assert len(label) <= widths[key] <= widest, key
            else:
                assert widths[key] == widest, (key, widths[key], widest)
        assert widths["left"] == len("3273d")
