"""What the TUI does before its first paint: only what the first screen (Workspace) needs.

Behaviour, not timing (figures are in benchmarks/bench_first_frame.py and the README).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet

from certbench.ui.app import make_app
from conftest import FIXED_NOW
from pilot_support import until


def test_first_screen_loads_no_cryptography() -> None:
    """Listing the workspace reads item.json files only: cryptography loads when a certificate is parsed."""
    code = "import sys, certbench.ui.app; print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


async def test_start_up_parses_the_styles_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app starts in the Workspace mode: switching to it from Textual's blank default screen re-parsed
    every style rule of the app twice before the first paint."""
    reparses: list[int] = []
    original = Stylesheet.reparse

    def counting(self: Stylesheet) -> None:
        reparses.append(1)
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.screen.query_one("#workspace-welcome").has_class("-hidden"))
        assert type(app.screen).__name__ == "WorkspaceScreen"
        assert app.current_mode == "workspace"
        assert len(reparses) <= 1
