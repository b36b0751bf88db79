"""Filling a DataTable with column widths measured up front and fitted to the table's width, in one go or
in steps (:class:`TableFiller`).

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

from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from certbench.ui.collector import keep_out_of_collections

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


def column_widths(
    columns: Sequence[tuple[str, str]], rows: Sequence[tuple[str, Sequence[Text]]], *, max_width: int = MAX_COLUMN_WIDTH
) -> list[int]:
    """Each column's width: its widest cell or label, at most ``max_width``; every cell is set to end in
    an ellipsis when its column is narrowed. A worker can measure thousands of rows off the UI thread and
    pass the result to :func:`fill_table`."""
    widths = [len(label) for label, _ in columns]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell.cell_len)
            cell.overflow = "ellipsis"
    return [min(width, max_width) for width in widths]


def fill_table(
    table: DataTable[Text],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[Text]]],
    *,
    max_width: int = MAX_COLUMN_WIDTH,
    widths: Sequence[int] | None = None,
    flex: Sequence[str] = (),
) -> None:
    """Replace the table's columns ``(label, key)`` and rows ``(row key, cells)``; ``widths`` as
    measured by :func:`column_widths` (by default, of ``rows``); the columns named in ``flex`` (least
    important first) narrow when the table is wider than its pane."""
    if widths is None:
        widths = column_widths(columns, rows, max_width=max_width)
    table.clear(columns=True)
    for (label, key), width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=width)
    append_rows(table, rows)
    set_fit(table, {key: width for (_, key), width in zip(columns, widths, strict=True)}, flex)


def append_rows(table: DataTable[Text], rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
    """Add ``rows`` after the table's rows; the pane title counts them all."""
    for key, cells in rows:
        table.add_row(*cells, key=key)
    title = getattr(table, PANE_TITLE, None)
    if title:
        table.border_title = f"{title} ({table.row_count})"


def set_fit(table: DataTable[Text], natural: dict[str, int], flex: Sequence[str]) -> None:
    """Remember the table's natural column widths and flexible columns, and fit them now and once the
    table has its final size."""
    setattr(table, NATURAL_WIDTHS, natural)
    setattr(table, FLEX_COLUMNS, tuple(flex))
    fit_columns(table)
    table.call_after_refresh(fit_columns, table)


def widen_columns(table: DataTable[Text], cells: Iterable[tuple[str, Text]]) -> None:
    """Grow the natural width of each column ``key`` of ``(key, cell)`` to the cells just added or updated
    (at most :data:`MAX_COLUMN_WIDTH`), set them to end in an ellipsis when narrowed, and fit the columns
    again: a table filled in steps measures each step, so its columns fit what it shows so far (and a
    scrollbar that came with the step's rows is made room for)."""
    natural: dict[str, int] = getattr(table, NATURAL_WIDTHS, {})
    for key, cell in cells:
        cell.overflow = "ellipsis"
        if cell.cell_len > natural.get(key, 0):
            natural[key] = min(cell.cell_len, MAX_COLUMN_WIDTH)
    fit_columns(table)


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


#: Rows a :class:`TableFiller` adds per step: each step is short enough for keys and frames to get
#: through (5,000 rows in one step held the UI thread for 0.3-1 s).
ROW_BATCH = 100


class TableFiller:
    """Fills one table in steps of ``batch`` rows, one step per frame, so a big table never holds the UI
    thread for long; a table of one step is filled at once. A new :meth:`fill` (or :meth:`stop`) ends the
    fill in progress. ``on_step`` runs after each step (e.g. to move the cursor to a row once it is there).
    A big fill given ``yield_to`` makes its first step after a frame while that filler is busy, and its
    other steps once that filler is done: two tables filling together made steps of both land in one turn
    of the event loop.

    The next step is scheduled with ``call_after_refresh``, not a timer: Textual skips a one-shot timer
    whose start is already late, which on a loaded machine stopped a fill halfway for good."""

    def __init__(
        self,
        table: DataTable[Text],
        *,
        batch: int = ROW_BATCH,
        on_step: Callable[[], None] | None = None,
        yield_to: TableFiller | None = None,
    ) -> None:
        self.table = table
        self.batch = batch
        self.on_step = on_step
        self.yield_to = yield_to
        self._rows: Sequence[tuple[str, Sequence[Text]]] = ()
        self._generation = 0
        #: Steps of fillers that yield to this one, resumed when this one is done or starts over.
        self._waiting: list[Callable[[], None]] = []

    @property
    def filling(self) -> bool:
        """True while rows of the last fill are still to be added."""
        return self.table.row_count < len(self._rows)

    def fill(
        self,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[tuple[str, Sequence[Text]]],
        *,
        widths: Sequence[int] | None = None,
        max_width: int = MAX_COLUMN_WIDTH,
        flex: Sequence[str] = (),
    ) -> None:
        """Replace the table's columns and rows (the first step now, the others in the next frames);
        ``widths`` and ``flex`` as for :func:`fill_table`."""
        self._generation += 1
        self._rows = rows
        self._resume_waiting()
        widths = widths or column_widths(columns, rows, max_width=max_width)
        fill_table(self.table, columns, [], widths=widths, flex=flex)
        generation = self._generation
        if len(rows) > self.batch and self.yield_to is not None and self.yield_to.filling:
            self.table.call_after_refresh(self._step, generation, 0)
        else:
            self._step(generation, 0)

    def stop(self) -> None:
        """Add no more rows of the last fill."""
        self._generation += 1
        self._rows = ()
        self._resume_waiting()

    def _resume_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for step in waiting:
            self.table.call_after_refresh(step)  # each checks again whether it is current and may go on

    def _step(self, generation: int, start: int) -> None:
        if generation != self._generation:
            return
        if start and self.yield_to is not None and self.yield_to.filling:
            self.yield_to._waiting.append(lambda: self._step(generation, start))
            return
        end = min(start + self.batch, len(self._rows))
        append_rows(self.table, self._rows[start:end])
        if start == 0:
            fit_columns(self.table)  # fitted to the empty table by fill_table; rows may bring a scrollbar
        if self.on_step is not None:
            self.on_step()
        if end < len(self._rows):
            # The rows stay while the table shows them: out of the collector's reach, full collections do
            # not walk the growing table (certbench.ui.collector). Tables of one step never get here.
            keep_out_of_collections()
            self.table.call_after_refresh(self._step, generation, end)
        else:
            self._resume_waiting()
