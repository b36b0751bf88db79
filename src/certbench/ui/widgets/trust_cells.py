"""The Truststore table's columns and cells: one row per candidate certificate, with its tick and its
decision (added, duplicate, dropped...) coloured from the theme."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from certbench.core import truststore as ts
from certbench.ui.widgets.tables import middle_ellipsis, set_fit
from certbench.ui.widgets.timeline import days_left_text

#: (key, label) of each column; each is as wide as its widest cell so far (``tables.widen_columns``).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("tick", "✓"),
    ("alias", "Alias"),
    ("subject", "Subject"),
    ("expires", "Expires"),
    ("left", "Left"),
    ("ca", "CA"),
    ("source", "Source"),
    ("status", "Status"),
)
COLUMN_KEYS = tuple(key for key, _label in COLUMNS)
#: Aliases longer than this are cut in the middle (they often differ only at their end).
ALIAS_WIDTH = 18
#: The columns that narrow (cut with an ellipsis) when the table is wider than its pane.
FLEX = ("subject", "source", "status", "alias")


def fit_to_labels(table: DataTable[Text]) -> None:
    """Columns as wide as their labels: each batch of rows widens them to its cells (``widen_columns``)."""
    set_fit(table, {key: len(label) for key, label in COLUMNS}, FLEX)


def row_cells(decision: ts.Decision, *, unticked: bool, now: datetime, colors: dict[str, str]) -> tuple[Text, ...]:
    """The cells of one candidate's row, in :data:`COLUMNS` order."""
    candidate = decision.candidate
    return (
        tick_cell(decision, unticked=unticked),
        Text(middle_ellipsis(candidate.alias, ALIAS_WIDTH), overflow="ellipsis"),
        Text(candidate.subject, overflow="ellipsis"),
        Text(candidate.not_after.strftime("%Y-%m-%d")),
        days_left_text(candidate.days_left(now), colors),
        Text("yes" if candidate.is_ca else "no", style="" if candidate.is_ca else "bold"),
        Text(short_source(candidate.source), overflow="ellipsis"),
        status_cell(decision, unticked=unticked, now=now, colors=colors),
    )


def tick_cell(decision: ts.Decision, *, unticked: bool) -> Text:
    """``[x]`` ticked, ``[ ]`` unticked, ``-`` not offered (duplicate, dropped, filtered out)."""
    if decision.status is not ts.Status.ADDED:
        return Text(" - ", style="dim")
    return Text("[ ]") if unticked else Text("[x]", style="bold")


def status_cell(decision: ts.Decision, *, unticked: bool, now: datetime, colors: dict[str, str]) -> Text:
    """What happens to the candidate on Write, coloured by how much it needs a look."""
    candidate = decision.candidate
    error = Style(color=colors.get("error"), bold=True)
    warning = Style(color=colors.get("warning"), bold=True)
    if decision.status is ts.Status.ADDED:
        if unticked:
            return Text("unticked", style="dim")
        if candidate.is_expired(now):
            return Text("added, expired", style=error)
        if not candidate.is_ca:
            return Text("added, no CA", style=warning)
        return Text("added", style=Style(color=colors.get("success")))
    if decision.status is ts.Status.DUPLICATE:
        return Text("duplicate", style=warning)
    if decision.status is ts.Status.EXPIRED:
        return Text("dropped: expired", style=error)
    if decision.status is ts.Status.NON_CA:
        return Text("dropped: no CA", style=warning)
    return Text("filtered out", style="dim")


def short_source(label: str) -> str:
    """A file source shows its name; workspace and system sources keep their prefix."""
    if label.startswith("workspace:"):
        return "ws:" + label.removeprefix("workspace:")
    if label.startswith("system"):
        return label
    return Path(label).name or label


def status_line(
    decisions: Sequence[ts.Decision], unticked: Set[int], now: datetime, *, sources: int, shown: int
) -> str:
    """The status line of a non-empty table: what is written, and what is left out and why."""
    counts = {status: 0 for status in ts.Status}
    for decision in decisions:
        counts[decision.status] += 1
    written = chosen(decisions, unticked)
    left_out = [
        f"{count} {label}"
        for count, label in (
            (counts[ts.Status.DUPLICATE], "duplicate"),
            (counts[ts.Status.EXPIRED], "expired"),
            (counts[ts.Status.NON_CA], "not CA"),
            (counts[ts.Status.FILTERED], "filtered"),
            (sum(1 for i in unticked if decisions[i].status is ts.Status.ADDED), "unticked"),
        )
        if count
    ]
    filling = f" (showing {shown}...)" if shown < len(decisions) else ""
    # Expired certificates written (Drop expired off) are said as such: "0 expired" read as none.
    expired_kept = sum(1 for candidate in written if candidate.is_expired(now))
    return (
        f"{len(decisions)} cert(s), {sources} source(s){filling}: {len(written)} to write"
        + (f" ({expired_kept} expired)" if expired_kept else "")
        + (f"; left out: {', '.join(left_out)}" if left_out else "")
    )


def chosen(decisions: Sequence[ts.Decision], unticked: Set[int]) -> list[ts.Candidate]:
    """The certificates a write puts in the store, in table order: added and still ticked."""
    return [d.candidate for i, d in enumerate(decisions) if d.status is ts.Status.ADDED and i not in unticked]


def split_substrings(value: str) -> tuple[str, ...]:
    """``"alpha, beta"`` -> ``("alpha", "beta")``: the include/exclude fields (comma-separated, blanks ignored)."""
    return tuple(part.strip() for part in value.split(",") if part.strip())
