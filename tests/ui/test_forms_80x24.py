"""What a real tmux run at 80x24 found on the form screens (issue 14): keys sent in one burst reach an
opened drop-down list, unticked checkboxes look unticked, the Keystore verdict never contradicts itself
and fits 80x24, Truststore's texts are not cut, every pane is titled, the tab bar names the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Select

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.screens.truststore import TruststoreScreen
from conftest import FIXED_NOW
from pilot_support import burst, until


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CertbenchApp:
    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
    return make_app(Path("ws"), now=FIXED_NOW)


async def test_keys_sent_in_one_burst_pick_from_the_opened_list(demo_app: CertbenchApp) -> None:
    """``Enter Down Enter`` in one write: the list opens, moves to JKS and picks it (the old Select routed
    the keys queued behind Enter to itself, so the list stayed open on PEM)."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
        select = app.screen.query_one("#truststore-format", Select)
        select.focus()
        await until(pilot, lambda: app.focused is select)
        burst(pilot, "enter", "down", "enter")
        picked = lambda: select.value == "jks" and not select.expanded  # noqa: E731
        await until(pilot, picked, why=lambda: f"{select.value}, {select.expanded=}")
        await until(pilot, lambda: app.focused is select)


async def test_an_unticked_checkbox_shows_no_tick(demo_app: CertbenchApp) -> None:
    """Textual's Checkbox draws an X when off as well: in tmux ``▐X▌ Key without password`` read as ticked."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("4", "5", "7"):
            await pilot.press(key)
            await pilot.pause(0.2)
            boxes = list(app.screen.query(Checkbox))
            assert boxes
            for box in boxes:
                box.value = False
                await pilot.pause()
                off = box.render().plain
                assert "X" not in off and "✓" not in off, off
                box.value = True
                await pilot.pause()
                assert "✓" in box.render().plain
                box.value = False
