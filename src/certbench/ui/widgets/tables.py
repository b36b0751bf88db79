"""Filling a DataTable in one go, with column widths measured up front.

Textual 8.2.8's DataTable measures auto-width columns lazily (on idle) and keys its line cache without
the column widths, so a table filled from a worker result can stay drawn with header-wide columns
until something else changes. Giving every column its measured width when the rows are added avoids
that (and the measuring is one pass over cells we already built).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

#: Attribute holding a table's pane title; filling the table shows its row count beside it (k9s style).
PANE_TITLE = "certbench_pane_title"
#: No column grows wider than this; longer cells are cut by the table (the details pane shows all).
MAX_COLUMN_WIDTH = 80


def fill_table(
    table: DataTable[Text],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[Text]]],
    *,
    max_width: int = MAX_COLUMN_WIDTH,
) -> None:
    """Replace the table's columns ``(label, key)`` and rows ``(row key, cells)``."""
    widths = [len(label) for label, _ in columns]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell.cell_len)
    table.clear(columns=True)
    for (label, key), width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=min(width, max_width))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    title = getattr(table, PANE_TITLE, None)
    if title:
        table.border_title = f"{title} ({len(rows)})"


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` in ``width`` cells, cut in the middle: aliases often differ only at their end
    (``anf-secure-server-root-ca`` / ``anf-secure-server-rsa``), which a cut at the end hid."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return f"{text[: width - 1 - tail]}…{text[-tail:]}"
