"""What the TUI does before its first paint: only what the first screen (Workspace) needs.

Behaviour, not timing (figures are in benchmarks/bench_first_frame.py and the README).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.css.stylesheet import Stylesheet
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from certbench.core.workspace import DamagedItem, Item, Workspace
from certbench.ui.app import make_app
from certbench.ui.collector import end_start_up_pause, pause_for_start_up
from certbench.ui.screens.workspace import WorkspaceScreen
from certbench.ui.themes import DARK_THEME, LIGHT_THEME
from certbench.ui.widgets.footer import JobFooter
from conftest import FIXED_NOW
from pilot_support import until


def test_first_screen_loads_no_cryptography() -> None:
    """Listing the workspace reads item.json files only: cryptography loads when a certificate is parsed."""
    code = "import sys, certbench.ui.app; print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


async def test_start_up_switches_no_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app starts in the Workspace mode: switching to it from Textual's blank default screen re-parsed
    every style rule of the app (twice, headless) before the first paint."""
    switches: list[str] = []
    original = App.switch_mode

    def recording(self: App[None], mode: str) -> object:
        switches.append(mode)
        return original(self, mode)

    monkeypatch.setattr(App, "switch_mode", recording)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.screen.query_one("#workspace-welcome").has_class("-hidden"))
        assert type(app.screen).__name__ == "WorkspaceScreen"
        assert app.current_mode == "workspace"
        assert switches == []


@pytest.mark.parametrize("with_item", [False, True])
async def test_first_frame_has_the_right_panel_before_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_item: bool
) -> None:
    """The welcome panel (empty workspace) or the item list shows from the first frame, while the
    listing still runs in its worker: it no longer waits for the listing to lay the screen out again."""
    workspace = Workspace.open(tmp_path / "ws")
    if with_item:
        (workspace.items_dir / "root-ca").mkdir()
    release = threading.Event()
    scan = Workspace.scan_items

    def held(self: Workspace) -> tuple[list[Item], list[DamagedItem]]:
        release.wait(timeout=30)
        return scan(self)

    monkeypatch.setattr(Workspace, "scan_items", held)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "WorkspaceScreen")
            await pilot.pause(0.1)
            welcome = app.screen.query_one("#workspace-welcome")
            body = app.screen.query_one("#workspace-body")
            assert welcome.has_class("-hidden") is with_item
            assert body.has_class("-hidden") is not with_item
            release.set()
    finally:
        release.set()


def test_looks_empty_reads_no_item(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    assert workspace.looks_empty()
    (workspace.items_dir / ".half-written.tmp").mkdir()  # a writer's hidden staging folder is no item
    assert workspace.looks_empty()
    (workspace.items_dir / "leaf").mkdir()
    assert not workspace.looks_empty()


async def test_the_app_ends_the_start_up_pause_after_its_first_frame(tmp_path: Path) -> None:
    gc.unfreeze()
    pause_for_start_up()
    try:
        app = make_app(tmp_path / "ws", now=FIXED_NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, gc.isenabled)
            assert gc.get_freeze_count() > 0
    finally:
        end_start_up_pause()
        gc.unfreeze()


async def test_styles_are_parsed_once_for_the_theme_and_every_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting the app's theme in __init__ and Textual's first visit to each screen re-parsed every style
    rule from scratch (a third of the time to the first frame); the theme's variables are set before the
    first parse, and a new screen is up to date. A theme switch still re-parses (the colours change)."""
    reparses: list[str] = []
    original = Stylesheet.reparse

    def recording(self: Stylesheet) -> None:
        reparses.append("reparse")
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", recording)
    app = make_app(tmp_path / "ws", now=FIXED_NOW, theme=LIGHT_THEME)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.screen.query_one("#workspace-welcome").has_class("-hidden"))
        for key in "2345":
            await pilot.press(key)
            await until(pilot, lambda: type(app.screen).__name__ != "WorkspaceScreen")
            await pilot.press("escape", "alt+1")
            await until(pilot, lambda: type(app.screen).__name__ == "WorkspaceScreen")
        assert reparses == []
        assert app.has_class("-light-mode", f"-theme-{LIGHT_THEME}")
        started = (app.screen.styles.background, app.screen.query_one(Footer).styles.background)
        await pilot.press("f2")
        await until(pilot, lambda: app.theme == DARK_THEME)
        await pilot.pause()
        assert reparses and app.has_class("-dark-mode") and not app.has_class("-light-mode")
        assert app.screen.styles.background != started[0]
        await pilot.press("f2")
        await until(pilot, lambda: app.theme == LIGHT_THEME)
        await pilot.pause()
        # Styled at start-up as after a real switch to the theme.
        assert (app.screen.styles.background, app.screen.query_one(Footer).styles.background) == started


@pytest.mark.parametrize(("width", "breakpoint"), [(80, "-narrow"), (120, "-wide")])
async def test_a_screen_is_styled_for_its_width_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int, breakpoint: str
) -> None:
    """The breakpoint class is there when the screen is composed: Textual adds it at the first resize,
    which restyled every widget once more before the first frame. Later resizes still switch it."""
    seen: list[set[str]] = []
    compose = WorkspaceScreen.compose

    def recording(self: WorkspaceScreen) -> ComposeResult:
        seen.append(set(self.classes))
        return compose(self)

    monkeypatch.setattr(WorkspaceScreen, "compose", recording)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(width, 30)) as pilot:
        await until(pilot, lambda: bool(seen))
        assert breakpoint in seen[0]
        await pilot.resize_terminal(200 - width, 30)
        await until(pilot, lambda: not app.screen.has_class(breakpoint))


async def test_the_footer_is_rebuilt_once_per_burst_of_binding_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's Footer rebuilt its keys after every binding change: five times before the first frame.
    Changes within one frame now make one rebuild, showing the bindings as they are by then."""
    builds: list[int] = []
    compose = JobFooter.compose

    def counting(self: JobFooter) -> ComposeResult:
        builds.append(1)
        return compose(self)

    monkeypatch.setattr(JobFooter, "compose", counting)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.screen.query_one("#workspace-welcome").has_class("-hidden"))
        await pilot.pause(0.2)
        keys = {key.description for key in app.screen.query(FooterKey)}
        assert "Load demo" in keys
        builds.clear()
        for _ in range(5):
            app.screen.refresh_bindings()
        await pilot.pause(0.2)
        assert builds == [1]


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_the_first_screen_text_has_the_theme_colour(tmp_path: Path, theme: str) -> None:
    """Start-up styles the app before its first screen: the welcome text measured itself before the app
    had its colours and was drawn in no colour at all (invisible) once start-up stopped re-styling
    everything. Its colour is the app's text colour, opaque, in both themes."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW, theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.screen.query_one("#workspace-welcome").has_class("-hidden"))
        await pilot.pause()
        text = app.screen.query_one("#workspace-welcome-text").visual_style.foreground
        assert text is not None and text.a == 1
        assert text == app.styles.color
