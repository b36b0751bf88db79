"""What a tester found driving the TUI in real tmux at 80x24 (issue 14): Screenshot from the palette saved
nowhere, a theme switch left Inspect's colours behind, Bindings scrolled its table out of view, Inspect's
status line lost the file name, and the help listed Esc twice. (Alt+key bursts: test_terminal_keys.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, CertbenchApp, make_app
from certbench.ui.modals.help import HelpModal
from conftest import FIXED_NOW
from pilot_support import until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CertbenchApp:
    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
    return make_app(Path("ws"), now=FIXED_NOW)


async def test_help_lists_each_key_once(demo_app: CertbenchApp) -> None:
    """The help of every screen listed ``esc Leave field`` among the screen's keys and again under "Text
    fields"; Probe's Esc (abandon a running probe, leave a field) is one row saying both."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        for mode, _key, _title in JOBS:
            await app.switch_mode(mode)
            await until(pilot, lambda: app.current_mode == mode and app.focused is not None)
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpModal))
            assert isinstance(app.screen, HelpModal)
            keys = [keys.casefold() for _heading, rows in app.screen.sections for keys, _what in rows]
            assert len(keys) == len(set(keys)), (mode, sorted(k for k in keys if keys.count(k) > 1))
            if mode == "probe":
                [esc] = [what for _h, rows in app.screen.sections for keys, what in rows if keys.casefold() == "esc"]
                assert "probe" in esc and "leave the field" in esc
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, HelpModal))
