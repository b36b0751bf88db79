"""Regenerate ``screenshots/*.svg``: every screen of the app over the demo workspace, fixed clock.

Run with ``make screenshots``. The demo workspace is deterministic for a given clock (packaged demo
keys, serials derived from item names), so the SVGs only change when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from certbench.core.demo import build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, LIGHT_THEME, make_app

FIXED_NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
SIZE = (120, 36)
OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def capture(mode: str, key: str, target: Path, *, theme: str | None = None, palette: bool = False) -> None:
    app = make_app(Path("ws"), now=FIXED_NOW, **({"theme": theme} if theme else {}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press(key)
        await pilot.pause(0.5)
        if palette:
            await pilot.press("ctrl+p")
            await pilot.pause(0.5)
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "_directory_tree"])
        await pilot.pause(0.3)
        target.write_text(app.export_screenshot(title=f"certbench - {target.stem}"), encoding="utf-8")
    print(f"wrote {target.relative_to(OUT.parent)}")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
        for index, (mode, key, _title) in enumerate(JOBS, start=1):
            await capture(mode, key, OUT / f"{index}-{mode}.svg")
        await capture("workspace", "1", OUT / "7-workspace-light.svg", theme=LIGHT_THEME)
        await capture("workspace", "1", OUT / "8-command-palette.svg", palette=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
