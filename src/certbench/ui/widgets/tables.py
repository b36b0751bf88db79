"""Filling a DataTable with column widths measured up front, in one go or in steps (:class:`TableFiller`).

Textual 8.2.8's DataTable measures auto-width columns lazily (on idle) and keys its line cache without
the column widths, so a table filled from a worker result can stay drawn with header-wide columns
until something else changes. Giving every column its measured width when the rows are added avoids
that (and the measuring is one pass over cells we already built).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import DataTable

from certbench.ui.collector import keep_out_of_collections

#: Attribute holding a table's pane title; filling the table shows its row count beside it (k9s style).
PANE_TITLE = "certbench_pane_title"
#: No column grows wider than this; longer cells are cut by the table (the details pane shows all).
MAX_COLUMN_WIDTH = 80


def column_widths(
    columns: Sequence[tuple[str, str]], rows: Sequence[tuple[str, Sequence[Text]]], *, max_width: int = MAX_COLUMN_WIDTH
) -> list[int]:
    """Each column's width: its widest cell or label, at most ``max_width`` (a worker can measure
    thousands of rows off the UI thread and pass the result to :func:`fill_table`)."""
    widths = [len(label) for label, _ in columns]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell.cell_len)
    return [min(width, max_width) for width in widths]


def fill_table(
    table: DataTable[Text],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[Text]]],
    *,
    max_width: int = MAX_COLUMN_WIDTH,
    widths: Sequence[int] | None = None,
) -> None:
    """Replace the table's columns ``(label, key)`` and rows ``(row key, cells)``; ``widths`` as
    measured by :func:`column_widths` (by default, of ``rows``)."""
    if widths is None:
        widths = column_widths(columns, rows, max_width=max_width)
    table.clear(columns=True)
    for (label, key), width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=width)
    append_rows(table, rows)


def append_rows(table: DataTable[Text], rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
    """Add ``rows`` after the table's rows; the pane title counts them all."""
    for key, cells in rows:
        table.add_row(*cells, key=key)
    title = getattr(table, PANE_TITLE, None)
    if title:
        table.border_title = f"{title} ({table.row_count})"


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
    ) -> None:
        """Replace the table's columns and rows (the first step now, the others in the next frames)."""
        self._generation += 1
        self._rows = rows
        self._resume_waiting()
        fill_table(self.table, columns, [], widths=widths or column_widths(columns, rows, max_width=max_width))
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
        if self.on_step is not None:
            self.on_step()
        if end < len(self._rows):
            # The rows stay while the table shows them: out of the collector's reach, full collections do
            # not walk the growing table (certbench.ui.collector). Tables of one step never get here.
            keep_out_of_collections()
            self.table.call_after_refresh(self._step, generation, end)
        else:
            self._resume_waiting()
