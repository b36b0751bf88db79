"""The validity timeline widget (geometry, colours, speed) and its place on the Workspace screen."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bindings_material import fill_workspace
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.screens.workspace import WorkspaceScreen
from certbench.ui.widgets.timeline import (
    MAX_FUTURE,
    MAX_PAST,
    MIN_MARGIN,
    Timeline,
    TimelineEntry,
    bar_span,
    column_of,
    days_left_label,
    time_window,
    urgency,
)
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)


def entry(key: str, start: datetime | None, end: datetime) -> TimelineEntry:
    return TimelineEntry(key=key, label=key, not_before=start, not_after=end)


def test_column_of_known_dates() -> None:
    start, end = JAN1, JAN1 + timedelta(days=10)
    assert column_of(start, start, end, 10) == 0
    assert column_of(JAN1 + timedelta(days=5), start, end, 10) == 5
    assert column_of(JAN1 + timedelta(days=9, hours=23), start, end, 10) == 9
    assert column_of(end, start, end, 10) == 9  # the last instant stays on the axis
    assert column_of(JAN1 - timedelta(days=400), start, end, 10) == 0
    assert column_of(end + timedelta(days=400), start, end, 10) == 9
    assert column_of(JAN1 + timedelta(days=5), start, end, 100) == 50
    assert column_of(JAN1, start, start, 10) == 0 and column_of(JAN1, start, end, 0) == 0


def test_bar_span_and_cut_ends() -> None:
    start, end = JAN1, JAN1 + timedelta(days=100)
    assert bar_span(entry("a", JAN1 + timedelta(days=20), JAN1 + timedelta(days=60)), start, end, 50) == (
        10,
        30,
        False,
        False,
    )
    # A one-day certificate still gets one cell.
    assert bar_span(entry("b", JAN1 + timedelta(days=50), JAN1 + timedelta(days=51)), start, end, 50)[:2] == (25, 25)
    # Runs off both ends: clamped to the axis, flagged for the arrows.
    assert bar_span(entry("c", JAN1 - timedelta(days=5), JAN1 + timedelta(days=500)), start, end, 50) == (
        0,
        49,
        True,
        True,
    )
    # No not-before: a bar of one cell at the not-after.
    assert bar_span(entry("d", None, JAN1 + timedelta(days=80)), start, end, 50)[:2] == (40, 40)


def test_time_window_covers_the_data_and_is_clamped() -> None:
    now = FIXED_NOW
    near = [entry("x", now - timedelta(days=100), now + timedelta(days=200))]
    assert time_window(near, now) == (now - timedelta(days=100), now + timedelta(days=200))
    tiny = [entry("y", now - timedelta(days=1), now + timedelta(days=2))]
    assert time_window(tiny, now) == (now - MIN_MARGIN, now + MIN_MARGIN)  # today never sits on an edge
    wide = [entry("root", now - timedelta(days=20 * 365), now + timedelta(days=30 * 365))]
    assert time_window(wide, now) == (now - MAX_PAST, now + MAX_FUTURE)
    assert time_window([], now) == (now - MIN_MARGIN, now + MIN_MARGIN)


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (None, None),
        (-400, "error"),
        (-1, "error"),
        (0, "error"),
        (6, "error"),
        (7, "warning"),
        (29, "warning"),
        (30, "success"),
    ],
)
def test_urgency_thresholds(days: int | None, level: str | None) -> None:
    assert urgency(days) == level


def test_days_left_label() -> None:
    assert (days_left_label(-16), days_left_label(0), days_left_label(44), days_left_label(None)) == (
        "expired 16d",
        "0d",
        "44d",
        "-",
    )


class TimelineApp(App[None]):
    def __init__(self, entries: list[TimelineEntry]) -> None:
        super().__init__()
        self._entries = entries

    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")

    def on_mount(self) -> None:
        self.query_one(Timeline).set_entries(self._entries, FIXED_NOW)


async def test_rendered_rows_put_bars_and_today_where_the_dates_say() -> None:
    now = FIXED_NOW
    entries = [
        entry("late", now - timedelta(days=30), now + timedelta(days=60)),  # 60 days left
        entry("soon", now - timedelta(days=60), now + timedelta(days=3)),  # 3 days left
    ]
    app = TimelineApp(entries)
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        assert [e.key for e in timeline.entries] == ["soon", "late"]  # soonest expiry first
        label_width, bar_width = timeline._layout()
        start, end = time_window(entries, now)
        offset = label_width + 1
        axis = timeline.render_line(0).text
        assert axis[offset + column_of(now, start, end, bar_width)] == "▼" and axis[:label_width].strip() == "today"
        assert str(now.year) in axis  # the current year is labelled, not hidden by the marker
        soon = timeline.render_line(1)
        text = soon.text
        first, last, _, _ = bar_span(entries[1], start, end, bar_width)
        assert text.startswith("soon") and text[offset + first] == "█" and text[offset + last] == "█"
        assert text[offset + first - 1] == " " if first else True
        assert text[offset + column_of(now, start, end, bar_width)] == "│"
        assert text.rstrip().endswith("3d")
        # Colours come from the theme: $error for 3 days left, $success for 60.
        colors = app.get_css_variables()
        bar_colors = {seg.style.color.name for seg in soon if set(seg.text) == {"█"} and seg.style and seg.style.color}
        assert bar_colors == {colors["error"].lower()}
        late = timeline.render_line(2)
        assert {seg.style.color.name for seg in late if set(seg.text) == {"█"} and seg.style and seg.style.color} == {
            colors["success"].lower()
        }
        assert timeline.render_line(3).text.strip() == ""


async def test_thousands_of_certificates_render_only_what_is_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    now = FIXED_NOW
    entries = [
        entry(f"cert-{n:05d}", now - timedelta(days=n % 700), now + timedelta(days=n % 900 - 30)) for n in range(5000)
    ]
    app = TimelineApp(entries)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        assert timeline.virtual_size.height == 5001
        # Rendering a screenful builds the rows shown and no others (no timing: work counted, not measured).
        built: list[str] = []
        build_row = timeline._row

        def counting_row(entry: TimelineEntry, *args: object) -> object:
            built.append(entry.key)
            return build_row(entry, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(timeline, "_row", counting_row)
        for y in range(20):
            timeline.render_line(y)
        monkeypatch.undo()
        assert 0 < len(built) <= 20
        timeline.scroll_end(animate=False)
        await pilot.pause()
        last_row = timeline.render_line(timeline.scrollable_content_region.height - 1).text
        assert last_row.startswith(timeline.entries[-1].label[:10])
        assert timeline.render_line(0).text.strip().startswith("today")  # the axis stays on top


# -- the Workspace screen -----------------------------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    fill_workspace(Workspace.open(Path("ws")))
    return Path("ws")


async def loaded(app: CertbenchApp, pilot: Pilot[None]) -> WorkspaceScreen:
    deadline = time.monotonic() + 15  # generous: the suite may share a loaded machine
    while not (
        isinstance(app.screen, WorkspaceScreen)
        and app.screen.query_one("#items-table").row_count
        and not any(w.group == "workspace-load" and not w.is_finished for w in app.workers)
    ):
        assert time.monotonic() < deadline, "workspace did not load"
        await pilot.pause(0.02)
    assert isinstance(app.screen, WorkspaceScreen)
    return app.screen


async def test_workspace_timeline_follows_items_and_selection(ws: Path) -> None:
    app = make_app(ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await loaded(app, pilot)
        timeline = screen.query_one(Timeline)
        assert [e.key for e in timeline.entries] == ["old", "tpp2", "tpp3-weird", "tpp1", "tpp1-next", "root-ca"]
        table = screen.query_one("#items-table", DataTable)
        table.focus()
        await pilot.press("down", "down")
        await until(pilot, lambda: timeline.highlighted == "tpp1")
        # Days left in the table use the theme's colours and follow a theme switch.
        dark_error = app.get_css_variables()["error"].lower()
        cell = table.get_cell("tpp2", "left")
        assert str(cell) == "4d" and cell.style.color.name == dark_error
        app.theme = "nord"  # its $error differs from textual-dark's
        nord_error = app.get_css_variables()["error"].lower()
        assert nord_error != dark_error
        await until(pilot, lambda: table.get_cell("tpp2", "left").style.color.name == nord_error)
        await pilot.press("f2")
        await until(pilot, lambda: table.get_cell("tpp2", "left").style.color.name == dark_error)
        assert app.theme != "nord"
        assert str(table.get_cell("old", "left")) == "expired 16d"


def test_snapshot_workspace_with_timeline(snap_compare, ws: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see six items, days left coloured (old expired 16d and tpp2 4d in $error, tpp3-weird 20d
    in $warning, the rest in $success), and below them the validity timeline: one bar per certificate,
    soonest expiry first, a ▼ today marker on the axis and a │ line through the bars, root-ca running off
    the right edge (▶)."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CertbenchApp)
        await loaded(app, pilot)
        await pilot.pause(0.1)

    assert snap_compare(home_at_workspace(make_app(ws, now=FIXED_NOW)), terminal_size=(120, 36), run_before=run_before)


def test_snapshot_demo_workspace_timeline(
    snap_compare, demo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """You should see the demo workspace (certbench demo at the fixed clock): its items with days left
    coloured and the validity timeline below, soonest expiry first, with the today marker."""
    monkeypatch.chdir(demo_workspace.root.parent)  # a relative workspace path: nothing machine-specific on screen

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CertbenchApp)
        screen = await loaded(app, pilot)
        timeline = screen.query_one(Timeline)
        dated = [item for item in demo_workspace.list_items() if item.not_after is not None]
        assert len(timeline.entries) == len(dated)
        await pilot.pause(0.1)

    app = make_app(Path(demo_workspace.root.name), now=FIXED_NOW)
    assert snap_compare(home_at_workspace(app), terminal_size=(120, 36), run_before=run_before)


def test_stored_serials_are_shown_as_colon_hex() -> None:
    from certbench.ui.screens.bindings import colon_serial

    assert colon_serial("7921B000AC006A551C508C3D654FE67") == "07:92:1B:00:0A:C0:06:A5:51:C5:08:C3:D6:54:FE:67"
    assert colon_serial("-0A") == "-0A" and colon_serial("not hex") == "not hex"
