"""Filling a DataTable in one go, with column widths measured up front and fitted to the table's width.

Textual 8.2.8's DataTable measures auto-width columns lazily (on idle) and keys its line cache without
the column widths, so a table filled from a worker result can stay drawn with header-wide columns
until something else changes. Giving every column its measured width when the rows are added avoids
that (and the measuring is one pass over cells we already built).

A table wider than its pane showed a horizontal scrollbar at 80 columns. :func:`fit_columns` narrows the
table's least important columns (``flex``, cut with an ellipsis; the details pane shows the full value)
until the row fits; a :class:`FitTable` fits them again whenever its own size changes (a terminal resize,
the narrow layout, a scrollbar appearing in its pane).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

#: Attribute holding a table's pane title; filling the table shows its row count beside it (k9s style).
PANE_TITLE = "certbench_pane_title"
#: Attributes holding a table's natural column widths (key -> width) and the keys that give way first.
NATURAL_WIDTHS = "certbench_natural_widths"
FLEX_COLUMNS = "certbench_flex_columns"
#: No column grows wider than this; longer cells are cut by the table (the details pane shows all).
MAX_COLUMN_WIDTH = 80
#: A flexible column keeps at least this many cells (or its label's width, if wider).
MIN_FLEX_WIDTH = 6


class FitTable(DataTable[Text]):
    """A DataTable whose columns fit its width again whenever it is resized (:func:`fit_columns`)."""

    def on_resize(self, event: events.Resize) -> None:
        fit_columns(self)


def fill_table(
    table: DataTable[Text],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[Text]]],
    *,
    max_width: int = MAX_COLUMN_WIDTH,
    flex: Sequence[str] = (),
) -> None:
    """Replace the table's columns ``(label, key)`` and rows ``(row key, cells)``; the columns named in
    ``flex`` (least important first) narrow when the table is wider than its pane."""
    widths = [len(label) for label, _ in columns]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell.cell_len)
            cell.overflow = "ellipsis"
    table.clear(columns=True)
    for (label, key), width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=min(width, max_width))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    title = getattr(table, PANE_TITLE, None)
    if title:
        table.border_title = f"{title} ({len(rows)})"
    set_fit(table, {key: min(width, max_width) for (_, key), width in zip(columns, widths, strict=True)}, flex)


def set_fit(table: DataTable[Text], natural: dict[str, int], flex: Sequence[str]) -> None:
    """Remember the table's natural column widths and flexible columns, and fit them now and once the
    table has its final size."""
    setattr(table, NATURAL_WIDTHS, natural)
    setattr(table, FLEX_COLUMNS, tuple(flex))
    fit_columns(table)
    table.call_after_refresh(fit_columns, table)


def fit_columns(table: DataTable[Text]) -> None:
    """Narrow the flexible columns so the row fits the table's width (no horizontal scrollbar); a wider
    table gives them back their natural width."""
    natural: dict[str, int] = getattr(table, NATURAL_WIDTHS, {})
    flex: tuple[str, ...] = getattr(table, FLEX_COLUMNS, ())
    if not natural or not flex or table.content_region.width <= 0:
        return
    available = table.content_region.width
    if table.row_count + (1 if table.show_header else 0) > table.content_region.height:
        available -= table.styles.scrollbar_size_vertical
    widths = dict(natural)
    excess = sum(width + 2 * table.cell_padding for width in widths.values()) - available
    labels = {str(column_key.value): column.label for column_key, column in table.columns.items()}
    for key in flex:
        if excess <= 0:
            break
        if key not in labels or key not in widths:
            continue
        floor = max(MIN_FLEX_WIDTH, labels[key].cell_len)
        give = min(excess, max(0, widths[key] - floor))
        widths[key] -= give
        excess -= give
    changed = False
    for column_key, column in table.columns.items():
        width = widths.get(str(column_key.value))
        if width is not None and column.width != width:
            column.width = width
            changed = True
    if changed:
        # DataTable recomputes its virtual width on idle when asked to, and caches rendered lines by row:
        # both must forget the old widths (Textual 8.2.8 has no public call for a column's new width).
        table._require_update_dimensions = True
        table._clear_caches()


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` in ``width`` cells, cut in the middle: aliases often differ only at their end
    (``anf-secure-server-root-ca`` / ``anf-secure-server-rsa``), which a cut at the end hid."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return f"{text[: width - 1 - tail]}…{text[-tail:]}"
