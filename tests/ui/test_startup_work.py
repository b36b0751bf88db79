"""What the TUI does before its first paint: only what the first screen (Workspace) needs.

Behaviour, not timing (figures are in benchmarks/bench_first_frame.py and the README).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.app import App

from certbench.core.workspace import DamagedItem, Item, Workspace
from certbench.ui.app import make_app
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
