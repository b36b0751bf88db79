"""A validity timeline: one bar per certificate across time, with a "today" marker.

Bars are coloured by days left ($error: expired or under 7 days, $warning: under 30 days, $success
otherwise); the "today" marker is $text-primary, a blue that reads at 4.5:1 in both themes (the orange
$accent did not on the light theme's grey). The widget uses Textual's line API (a ScrollView): only the
visible rows are rendered, so thousands of certificates scroll as fast as ten. Row 0 is a sticky axis
with the years and today.

The geometry (:func:`time_window`, :func:`column_of`, :func:`bar_span`, :func:`year_labels`) is pure and
unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from certbench.core.validity import days_until

#: Days left under which a certificate is urgent ($error) / due soon ($warning).
ERROR_DAYS = 7
WARNING_DAYS = 30
#: How far back / ahead the time axis may reach; bars beyond it end in an arrow.
MAX_PAST = timedelta(days=3 * 365)
MAX_FUTURE = timedelta(days=5 * 365)
MIN_MARGIN = timedelta(days=30)

LABEL_WIDTH = 24
DAYS_WIDTH = 13
BAR = "█"
TODAY = "│"


def urgency(days_left: int | None) -> str | None:
    """The theme colour name for ``days_left``: "error", "warning", "success" (None: no certificate)."""
    if days_left is None:
        return None
    if days_left < ERROR_DAYS:
        return "error"
    if days_left < WARNING_DAYS:
        return "warning"
    return "success"


def days_left_label(days_left: int | None) -> str:
    if days_left is None:
        return "-"
    if days_left < 0:
        return f"expired {-days_left}d"
    return f"{days_left}d"


def days_left_text(days_left: int | None, colors: Mapping[str, str]) -> Text:
    """Days left as Text coloured with the theme's colours (``app.get_css_variables()``)."""
    level = urgency(days_left)
    if level is None:
        return Text("-", style="dim")
    style = Style(color=colors.get(level), bold=level != "success")
    return Text(days_left_label(days_left), style=style)


@dataclass(frozen=True)
class TimelineEntry:
    """One certificate on the timeline."""

    key: str
    label: str
    not_before: datetime | None
    not_after: datetime


def time_window(entries: Sequence[TimelineEntry], now: datetime) -> tuple[datetime, datetime]:
    """The span the axis covers: every validity, clamped to [now - 3y, now + 5y], today never at an edge."""
    starts = [e.not_before or e.not_after for e in entries]
    ends = [e.not_after for e in entries]
    start = min([*starts, now - MIN_MARGIN])
    end = max([*ends, now + MIN_MARGIN])
    return max(start, now - MAX_PAST), min(end, now + MAX_FUTURE)


def column_of(moment: datetime, start: datetime, end: datetime, width: int) -> int:
    """The column (0..width-1) of ``moment`` on an axis of ``width`` cells from ``start`` to ``end``."""
    if width <= 0:
        return 0
    span = (end - start).total_seconds()
    fraction = (moment - start).total_seconds() / span if span > 0 else 0.0
    return min(width - 1, max(0, int(fraction * width)))


def bar_span(entry: TimelineEntry, start: datetime, end: datetime, width: int) -> tuple[int, int, bool, bool]:
    """First and last column of the entry's bar, and whether it runs off the left / right of the axis."""
    begin = entry.not_before or entry.not_after
    first = column_of(begin, start, end, width)
    last = max(first, column_of(entry.not_after, start, end, width))
    return first, last, begin < start, entry.not_after > end


def year_labels(start: datetime, end: datetime, now: datetime, width: int) -> list[tuple[int, str]]:
    """The axis's year labels ``(column, year)`` on ``width`` cells from ``start`` to ``end``, with the
    "today" marker at ``now``'s column. Each year is named where it begins (the current year also when it
    began before ``start``); a label that would cover the marker moves just past it, one pushed by its
    left neighbour moves right, but never into the next year. When the years are too narrow for that, every
    second (third...) year is named, always including the current one: the axis skips years evenly, never
    a single one in the middle. A year beginning too close to the right edge for its label is left out."""
    marker = column_of(now, start, end, width)
    begins = {
        year: column_of(max(datetime(year, 1, 1, tzinfo=UTC), start), start, end, width)
        for year in range(start.year, end.year + 1)
        if datetime(year, 1, 1, tzinfo=UTC) >= start or year == now.year
    }

    def place(years: list[int]) -> list[tuple[int, str]] | None:
        labels: list[tuple[int, str]] = []
        free = 0
        for year in years:
            text = str(year)
            column = max(begins[year], free)
            if column <= marker < column + len(text):
                column = marker + 1
            if column + len(text) > width and year == now.year and marker - len(text) >= free:
                column = marker - len(text)  # no room after the marker: before it
            if column + len(text) > width:
                if begins[year] + len(text) > width and year != now.year:
                    break  # begins at the right edge: nothing after it fits either
                return None
            if column >= begins.get(year + 1, width):
                return None
            labels.append((column, text))
            free = column + len(text) + 1
        return labels

    years = sorted(begins)
    for step in range(1, len(years) + 1):
        placed = place([year for year in years if (year - now.year) % step == 0])
        if placed is not None:
            return placed
    return []


class Timeline(ScrollView, can_focus=True):
    """Validity bars, soonest expiry first, with a sticky axis line and a vertical "today" marker."""

    COMPONENT_CLASSES = {
        "timeline--error",
        "timeline--warning",
        "timeline--success",
        "timeline--today",
        "timeline--axis",
        "timeline--label",
        "timeline--highlight",
    }

    DEFAULT_CSS = """
    Timeline {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    Timeline > .timeline--error { color: $error; }
    Timeline > .timeline--warning { color: $warning; }
    Timeline > .timeline--success { color: $success; }
    Timeline > .timeline--today { color: $text-primary; text-style: bold; }
    Timeline > .timeline--axis { color: $text-muted; }
    Timeline > .timeline--label { color: $foreground; }
    Timeline > .timeline--highlight { background: $primary 40%; text-style: bold; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._entries: list[TimelineEntry] = []
        self._now = datetime.now(UTC)
        self._window = time_window([], self._now)
        self._longest_label = 5
        self.highlighted: str | None = None

    @property
    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def set_entries(self, entries: Sequence[TimelineEntry], now: datetime) -> None:
        """Show ``entries`` (sorted here by not-after) as of ``now``."""
        self._entries = sorted(entries, key=lambda e: (e.not_after, e.label, e.key))
        self._now = now
        # Computed once here, not per rendered line: rendering stays O(visible rows x width).
        self._window = time_window(self._entries, now)
        self._longest_label = max([5, *(len(e.label) for e in self._entries)])
        self.virtual_size = Size(0, len(self._entries) + 1)
        self.refresh()

    def highlight(self, key: str | None) -> None:
        """Mark the entry with ``key`` (the row selected elsewhere) and scroll it into view."""
        self.highlighted = key
        # After the next refresh: entries set just before have a size by then (else the scroll is clamped
        # to 0 or not, depending on timing).
        self.call_after_refresh(self._scroll_to_highlighted)
        self.refresh()

    def _scroll_to_highlighted(self) -> None:
        for index, entry in enumerate(self._entries):
            if entry.key == self.highlighted:
                visible = max(1, self.scrollable_content_region.height - 1)
                if not self.scroll_y <= index < self.scroll_y + visible:
                    self.scroll_to(y=max(0, index - visible // 2), animate=False)
                break

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()  # theme changed: component colours are re-read on the next render

    # -- rendering ---------------------------------------------------------------------------------
    def _layout(self) -> tuple[int, int]:
        """(label width, bar width) for the current size."""
        width = self.scrollable_content_region.width
        label = min(LABEL_WIDTH, self._longest_label, max(5, width // 4))
        return label, max(0, width - label - 1 - DAYS_WIDTH)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self._entries:
            if y == 0:
                text = "No certificates to show."
                style = self.get_component_rich_style("timeline--axis")
                return Strip([Segment(text, style)]).crop_extend(0, width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        label_width, bar_width = self._layout()
        start, end = self._window
        if y == 0:
            return self._axis(label_width, bar_width, start, end, width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._entries):
            return Strip.blank(width, self.rich_style)
        return self._row(self._entries[index], label_width, bar_width, start, end, width)

    def _axis(self, label_width: int, bar_width: int, start: datetime, end: datetime, width: int) -> Strip:
        axis = self.get_component_rich_style("timeline--axis")
        today = self.get_component_rich_style("timeline--today")
        cells = [" "] * bar_width
        now_column = column_of(self._now, start, end, bar_width)
        for column, label in year_labels(start, end, self._now, bar_width):
            cells[column : column + len(label)] = list(label)
        head = "today".rjust(label_width)[:label_width]
        segments = [Segment(head + " ", today)]
        if bar_width:
            segments.append(Segment("".join(cells[:now_column]), axis))
            segments.append(Segment("▼", today))
            segments.append(Segment("".join(cells[now_column + 1 :]), axis))
        return Strip(segments).apply_style(self.rich_style).crop_extend(0, width, self.rich_style)

    def _row(
        self, entry: TimelineEntry, label_width: int, bar_width: int, start: datetime, end: datetime, width: int
    ) -> Strip:
        days = days_until(entry.not_after, self._now)
        bar_style = self.get_component_rich_style(f"timeline--{urgency(days)}")
        today = self.get_component_rich_style("timeline--today")
        label_style = self.get_component_rich_style("timeline--label")
        if entry.key == self.highlighted:
            label_style += self.get_component_rich_style("timeline--highlight")
        label = entry.label if len(entry.label) <= label_width else entry.label[: label_width - 1] + "…"
        segments = [Segment(label.ljust(label_width), label_style), Segment(" ")]
        first, last, cut_left, cut_right = bar_span(entry, start, end, bar_width)
        now_column = column_of(self._now, start, end, bar_width)
        # Across a bar the marker is a notch of the background: the bar's colour is readable on the
        # background, so the notch is readable on the bar (the marker's own colour was not, on green).
        on_bar = Style(color=self.rich_style.bgcolor, bgcolor=bar_style.color, bold=True)
        blank = Style()
        run_text, run_style = "", blank
        for column in range(bar_width):
            inside = first <= column <= last
            if column == now_column:
                glyph, style = TODAY, on_bar if inside else today
            elif inside:
                glyph = "◀" if cut_left and column == first else "▶" if cut_right and column == last else BAR
                style = bar_style
            else:
                glyph, style = " ", blank
            if style is not run_style and run_text:
                segments.append(Segment(run_text, run_style))
                run_text = ""
            run_text += glyph
            run_style = style
        if run_text:
            segments.append(Segment(run_text, run_style))
        segments.append(Segment(days_left_label(days).rjust(DAYS_WIDTH)[-DAYS_WIDTH:], bar_style))
        return Strip(segments).apply_style(self.rich_style).crop_extend(0, width, self.rich_style)


__all__ = [
    "Timeline",
    "TimelineEntry",
    "bar_span",
    "column_of",
    "days_left_label",
    "days_left_text",
    "time_window",
    "urgency",
    "year_labels",
]
