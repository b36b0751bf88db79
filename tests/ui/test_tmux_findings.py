"""What a tester found driving the TUI in real tmux at 80x24 (issue 14): Screenshot from the palette saved
nowhere, a theme switch left Inspect's colours behind, Bindings scrolled its table out of view, Inspect's
status line lost the file name, and the help listed Esc twice. (Alt+key bursts: test_terminal_keys.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from certbench.core.validity import days_left
from certbench.ui.app import JOBS, CertbenchApp
from certbench.ui.modals.help import HelpModal
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.themes import DARK_THEME, LIGHT_THEME
from certbench.ui.widgets.timeline import urgency
from conftest import FIXED_NOW
from pilot_support import until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


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


def cell_colours(table: DataTable[Text], column: str) -> list[str]:
    """The colour of each cell of ``column`` (a style given as a string or a Style)."""
    colours = []
    for row_key in table.rows:
        style = table.get_cell(row_key, column).style
        color = (Style.parse(style) if isinstance(style, str) else style).color
        colours.append(color.triplet.hex.upper() if color is not None and color.triplet is not None else "")
    return colours


def theme_colours(app: CertbenchApp, levels: list[str]) -> list[str]:
    variables = app.get_css_variables()
    return [Color.parse(variables[level]).hex.upper() for level in levels]


async def test_inspect_recolours_days_left_and_severities_on_a_theme_switch(demo_app: CertbenchApp) -> None:
    """F2 left Inspect's days left (and the findings' severities) in the dark theme's colours on the light
    background (green at about 1.7:1); they take the light theme's colours now, cursor kept."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and isinstance(app.focused, Input))
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        await pilot.press(*str(MATERIAL / "soon-chain.pem"), "enter")
        certs = screen.query_one("#inspect-certs", DataTable)
        findings = screen.query_one("#inspect-findings", DataTable)
        await until(pilot, lambda: screen.analysis is not None and certs.row_count == 3 and findings.row_count > 0)
        assert screen.analysis is not None
        report = screen.analysis.report
        levels = [str(urgency(days_left(report.entry(str(key.value)).certificate, FIXED_NOW))) for key in certs.rows]
        assert "warning" in levels and "success" in levels, levels  # two colours to follow
        severity_levels = [f.severity.replace("info", "primary") for f in report.findings]  # finding_rows' colours
        assert findings.row_count == len(severity_levels)
        certs.move_cursor(row=2)
        assert app.theme == DARK_THEME
        assert cell_colours(certs, "left") == theme_colours(app, levels)
        await pilot.press("f2")
        await until(pilot, lambda: app.theme == LIGHT_THEME)
        await until(pilot, lambda: cell_colours(certs, "left") == theme_colours(app, levels))
        assert cell_colours(findings, "severity") == theme_colours(app, severity_levels)
        assert certs.cursor_row == 2
        await pilot.press("f2")  # and back
        await until(pilot, lambda: cell_colours(certs, "left") == theme_colours(app, levels))
        assert cell_colours(findings, "severity") == theme_colours(app, severity_levels)


async def test_inspect_status_line_names_a_long_file_within_80_columns(demo_app: CertbenchApp, tmp_path: Path) -> None:
    """``3 cert(s), 0 key(s): 0 error(s), 0 warning(s) | open:`` was cut at 80 columns before the file name;
    the name comes first now, cut in the middle when long, the counts after it."""
    long_name = tmp_path / "customer-shuffled-chain-for-partner-bank-ag-2026-production.pem"
    shutil.copyfile(MATERIAL / "reversed.pem", long_name)
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and isinstance(app.focused, Input))
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        await pilot.press(*str(long_name), "enter")
        await until(pilot, lambda: screen.analysis is not None)
        status = screen.query_one("#inspect-status", Static)
        text = str(status.render())
        assert len(text) <= status.content_region.width, text
        assert text.startswith("open: customer-") and "…" in text and "production.pem | " in text, text
        assert text.endswith("3 certs, 0 keys, 1 error, 0 warnings"), text


async def test_bindings_at_80x24_keeps_the_focused_widget_in_view(demo_app: CertbenchApp) -> None:
    """The whole Bindings screen scrolled at 80x24: after Esc in the file field the focused table was out of
    view (only the form showed) while the footer showed the table's keys. The table, its details and the
    form fit now: nothing scrolls, through typing, Esc and a check whose verdict is shown."""
    app = demo_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen) and app.focused is not None)
        screen = app.screen
        body = screen.query_one("#bindings-body")
        table = screen.query_one("#bindings-table", DataTable)
        await until(pilot, lambda: table.row_count == 2)

        def in_view(widget: Widget) -> bool:
            region = widget.region
            return region.height > 0 and body.region.y <= region.y and region.bottom <= body.region.bottom

        fields = [*screen.query("#bindings-form Input"), screen.query_one("#bindings-item"), table]
        await pilot.press("slash", *"axway-tpp-1", "tab", *str(MATERIAL / "leaf.pem"))
        await pilot.pause(0.2)
        assert all(in_view(field) for field in fields), [(f.id, f.region) for f in fields]
        await pilot.press("escape", "c")
        await until(pilot, lambda: screen.last_result is not None and app.focused is table)
        await pilot.pause(0.2)
        result = screen.query_one("#bindings-result", Static)
        assert in_view(table) and in_view(result) and body.scroll_y == 0, (table.region, result.region)
        assert all(in_view(field) for field in fields), [(f.id, f.region) for f in fields]
