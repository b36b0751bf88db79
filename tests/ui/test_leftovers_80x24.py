"""The last things a tmux run at 80x24 found (issue 14): Create's Tab order follows its form from the item
name down and Shift+Tab never wraps to the button, a create empties the item's own fields, Truststore's
columns fit their content, Keystore's whole checklist shows while the form is filled, the timeline labels
every year."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, CertbenchApp, make_app
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from conftest import FIXED_NOW
from pilot_support import until

KEYS = {mode: key for mode, key, _title in JOBS}


@pytest.fixture
def empty_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path("ws")


@pytest.fixture
def demo_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
    return Path("ws")


async def go(app: CertbenchApp, pilot: Pilot[None], mode: str) -> None:
    """Switch to ``mode`` and wait until its screen has the focus."""
    await pilot.press("escape", KEYS[mode])
    await until(pilot, lambda: app.current_mode == mode and app.focused is not None)
    await pilot.pause(0.3)


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
