"""What a tester found driving the TUI in real tmux at 80x24 (issue 14): Screenshot from the palette saved
nowhere, a theme switch left Inspect's colours behind, Bindings scrolled its table out of view, Inspect's
status line lost the file name, and the help listed Esc twice. (Alt+key bursts: test_terminal_keys.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, CertbenchApp, make_app
from certbench.ui.modals.help import HelpModal
from conftest import FIXED_NOW
from pilot_support import until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


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
            await until(pilot, lambda mode=mode: app.current_mode == mode and app.focused is not None)
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


async def test_palette_screenshot_saves_in_artifacts_and_never_overwrites(
    demo_app: CertbenchApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Palette -> Screenshot ran Textual's delivery to ~/Downloads ("Failed to save screenshot" when it does
    not exist), past certbench's screenshot action. Two shots in the same second (the fixed clock) get two
    files; each notification names the absolute path."""
    home = tmp_path / "home"  # Textual's old target: no Downloads folder there
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    app = demo_app
    artifacts = app.workspace.artifacts_dir
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        for count in (1, 2):
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"Screenshot")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(
                pilot, lambda n=count: len(list(artifacts.glob("certbench-*.svg"))) == n, why=lambda: str(messages(app))
            )
        shots = sorted(artifacts.glob("certbench-*.svg"))
        stamp = f"{FIXED_NOW:%Y%m%dT%H%M%S}"
        assert [shot.name for shot in shots] == [f"certbench-{stamp}-2.svg", f"certbench-{stamp}.svg"]
        assert all(shot.read_text(encoding="utf-8").startswith("<svg") for shot in shots)
        await until(pilot, lambda: all(any(str(shot.absolute()) in m for m in messages(app)) for shot in shots))
        assert not list(home.rglob("*.svg"))
