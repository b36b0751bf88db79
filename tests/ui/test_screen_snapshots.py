"""Every job screen over the demo workspace at 80x24, 120x36 and 200x50 (issue 14: layouts that fit any
terminal). Deterministic: fixed clock, the demo set (packaged keys, serials from names), relative paths,
no cursor blink.

You should see, at every size: the header naming the workspace ("~/ws"), the tab bar with the screen's tab
marked, the screen's titled panes (stacked below 100 columns, side by side above, in proportion) and a footer
that lists only this screen's actions plus f1 Help, never cut. At 80x24 nothing is cut at the right.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, make_app
from conftest import FIXED_NOW, home_at_workspace

#: The screens with committed snapshots (a screen added to JOBS gets its own when it lands).
MODES = ("workspace", "inspect", "create", "keystore", "truststore", "bindings", "probe")
SIZES = ((80, 24), (120, 36), (200, 50))
KEYS = {mode: key for mode, key, _title in JOBS}


async def _settle(pilot: Pilot[None]) -> None:
    app = pilot.app
    for _ in range(3):
        await pilot.pause(0.2)
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "_directory_tree"])
    for field in app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.2)


async def _prepare(mode: str, pilot: Pilot[None]) -> None:
    """Each screen in the state its job is about (the same states as ``make screenshots``)."""
    screen = pilot.app.screen
    if mode == "inspect":
        screen.open_paths(["partner-chain.pem"])  # type: ignore[attr-defined]
    elif mode == "keystore":
        table = screen.query_one("#keystore-items", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("tpp1"))
    elif mode == "truststore":
        screen.action_add_workspace()  # type: ignore[attr-defined]
    elif mode == "create":
        screen.query_one("#create-name", Input).value = "tpp3"
        screen.query_one("#create-subject", Input).value = "/C=US/O=AXWAY/CN=tpp3.demo.axway.com"
        screen.query_one("#create-sans", Input).value = "DNS:tpp3.demo.axway.com"


@pytest.fixture
def demo_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(Path("ws"))
    build_demo(workspace, now=FIXED_NOW)
    root = workspace.load_certificate(workspace.get("axway-root-ca"))
    leaf = workspace.load_certificate(workspace.get("tpp1"))
    Path("partner-chain.pem").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (root, leaf)))
    return tmp_path


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
def test_screen_snapshot(snap_compare, demo_cwd: Path, mode: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause(0.2)
        await pilot.press("escape", KEYS[mode])
        await _settle(pilot)
        await _prepare(mode, pilot)
        await _settle(pilot)

    app = home_at_workspace(make_app(Path("ws"), now=FIXED_NOW))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
