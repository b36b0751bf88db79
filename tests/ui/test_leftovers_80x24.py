"""The last things a tmux run at 80x24 found (issue 14): Create's Tab order follows its form from the item
name down and Shift+Tab never wraps to the button, a create empties the item's own fields, Truststore's
columns fit their content, Keystore's whole checklist shows while the form is filled, the timeline labels
every year."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from certbench.ui.widgets.timeline import MAX_FUTURE, MAX_PAST, Timeline, column_of, year_labels
from conftest import FIXED_NOW
from pilot_support import go, until

# -- Create ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("workspace", ["empty", "demo"])
async def test_create_tab_order_runs_down_the_form_from_the_item_name(
    workspace: str, empty_ws: Path, tmp_path: Path
) -> None:
    """The focus starts on the item name, the form's first field; Tab goes down the form row by row, and
    Shift+Tab from the item name stays there. The old form had Role above the item name: with Profile and
    Issuer off (Root CA, an empty workspace), Shift+Tab went to Role and then wrapped to the end."""
    if workspace == "demo":
        build_demo(Workspace.open(empty_ws), now=FIXED_NOW)
    app = make_app(empty_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "create")
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        role = "root" if workspace == "empty" else "leaf"
        await until(pilot, lambda: screen.query_one("#create-role", Select).value == role)
        name = screen.query_one("#create-name", Input)
        assert app.focused is name
        form = screen.query_one("#create-form")
        fields = [widget for widget in screen.focus_chain if form in widget.ancestors]
        assert fields[0] is name
        rows = [next(w for w in (widget, *widget.ancestors) if w.parent is form).virtual_region.y for widget in fields]
        assert rows == sorted(rows), [widget.id for widget in fields]
        visited = []
        for _ in fields[1:]:
            await pilot.press("tab")
            visited.append(app.focused)
        assert visited == fields[1:]
        for _ in fields[1:]:
            await pilot.press("shift+tab")
        assert app.focused is name
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is name


async def test_create_empties_the_item_fields_and_keeps_the_choices(demo_ws: Path) -> None:
    """After a create the next form starts without the last item's name, subject, SANs, passwords or "No
    password" tick (the subject stayed: the next Enter made an item with the same subject), and keeps its
    role, profile, issuer, key type and validity."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "create")
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        await until(pilot, lambda: screen.query_one("#create-issuer", Select).value == "axway-root-ca")
        screen.query_one("#create-profile", Select).value = "server"
        screen.query_one("#create-key", Select).value = "ec:p256"
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.pause()
        values = {
            "name": "api-one",
            "issuer-password": "certbench-demo",
            "subject": "/CN=api.example.com/O=Partner",
            "sans": "DNS:api.example.com",
            "days": "200",
        }
        for field, value in values.items():
            screen.query_one(f"#create-{field}", Input).value = value
        await until(pilot, lambda: screen._plan is not None)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
        assert Workspace.open(demo_ws).get("api-one").subject == "O=Partner,CN=api.example.com"
        await go(app, pilot, "create")
        assert app.screen is screen
        emptied = ("name", "subject", "sans", "password", "password-repeat", "issuer-password")
        assert {field: screen.query_one(f"#create-{field}", Input).value for field in emptied} == dict.fromkeys(
            emptied, ""
        )
        assert not screen.query_one("#create-no-password", Checkbox).value
        kept = {key: screen.query_one(f"#create-{key}", Select).value for key in ("role", "profile", "issuer", "key")}
        assert kept == {"role": "leaf", "profile": "server", "issuer": "axway-root-ca", "key": "ec:p256"}
        assert screen.query_one("#create-days", Input).value == "200"
        await pilot.press("enter")  # Enter in the empty name field: nothing is made twice
        await pilot.pause(0.3)
        assert [item.name for item in Workspace.open(demo_ws).list_items()].count("api-one") == 1
        assert screen._plan is None


# -- Keystore -------------------------------------------------------------------------------------------


async def test_keystore_whole_checklist_shows_while_the_form_is_filled(demo_ws: Path) -> None:
    """At 80x24 the item list, the form, the chain and the checklist are stacked: a field taking the focus
    brings the form's first row to the top, and the whole checklist is on screen below the form and the
    chain while a password is typed (only four rows showed; the rest needed the key ``c``)."""
    app = make_app(demo_ws, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(app, pilot, "keystore")
        screen = app.screen
        checklist = screen.query_one("#keystore-checklist")
        await until(pilot, lambda: "Item key unlocked" in str(checklist.render()))
        await pilot.press("tab", "tab", "tab")
        field = screen.query_one("#keystore-item-password", Input)
        assert app.focused is field
        await pilot.press(*"certbench-demo")
        await until(pilot, lambda: "✓ Item key unlocked" in str(checklist.render()))
        await pilot.pause(0.2)
        body = screen.query_one("#keystore-body")
        assert body.max_scroll_y > 0  # stacked: the body is taller than the screen
        for widget in (field, screen.query_one("#keystore-kind"), screen.query_one("#keystore-chain"), checklist):
            assert body.can_view_entire(widget), widget
        assert str(checklist.render()).count("\n") >= 8


# -- Timeline -------------------------------------------------------------------------------------------

AXIS_NOW = datetime(2026, 12, 2, 3, 15, tzinfo=UTC)  # where the tmux run saw a year missing


def axis_years(axis: str) -> list[int]:
    return [int(year) for year in re.findall(r"\b\d{4}\b", axis)]


async def test_timeline_axis_names_every_year_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo workspace made in December, at 80x24: the axis read "2025 ▼2026  2028": the current year was
    written after the marker, where the next one begins, and that one was left out."""
    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=AXIS_NOW)
    app = make_app(Path("ws"), now=AXIS_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        timeline = app.screen.query_one(Timeline)
        await until(pilot, lambda: len(timeline.entries) > 0)
        await pilot.pause(0.1)
        axis = timeline.render_line(0).text
        years = axis_years(axis)
        assert years == list(range(years[0], years[0] + len(years))), axis
        assert {2026, 2027} <= set(years) and "▼" in axis


@pytest.mark.parametrize("width", [12, 24, 30, 41, 60, 120])
@pytest.mark.parametrize("now", [AXIS_NOW, FIXED_NOW, datetime(2026, 6, 30, tzinfo=UTC)])
def test_year_labels_skip_evenly_keep_the_current_year_and_never_cover_the_marker(width: int, now: datetime) -> None:
    """However narrow the axis, the labels are in order, apart, off the marker, each inside its own year,
    the current year among them when any fits, and the years between two labels evenly spaced."""
    start, end = now - MAX_PAST, now + MAX_FUTURE
    labels = year_labels(start, end, now, width)
    marker = column_of(now, start, end, width)
    years = [int(text) for _column, text in labels]
    for (column, text), (next_column, _next) in itertools.pairwise(labels):
        assert column + len(text) < next_column
    for column, text in labels:
        assert not column <= marker < column + len(text) and column + len(text) <= width
        year_end = datetime(int(text) + 1, 1, 1, tzinfo=UTC)
        assert year_end > end or column < column_of(year_end, start, end, width)
    if labels:
        assert now.year in years
        assert len({b - a for a, b in itertools.pairwise(years)}) <= 1, years
    if width >= 41:
        assert years == list(range(years[0], years[-1] + 1)) and len(years) >= 7, labels
