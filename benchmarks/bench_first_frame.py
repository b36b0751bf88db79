"""Benchmark: time to the first painted frame, certbench against a bare Textual app with the same chrome.

Each app runs in a fresh process (interpreter start-up and imports included, as a person sees it),
headless at 80x24, and exits right after the first refresh that shows its content; the process's wall
time is what is compared. The bare app has what certbench's first screen has around its data: Header, a
one-line bar, a DataTable and a Footer. certbench opens an empty workspace in a temporary folder, and its
content is the welcome panel (shown once the workspace was listed). The two apps run alternately, so a
load change on the machine hits both. Issue 14's target: certbench within 1.25x of the bare app. Prints
the median and best of N runs and the ratio of the medians; exit 1 when the target is missed.

Wall-clock figures belong here, not in tests (a loaded 2-core CI machine fails timed tests). In a real
terminal, compare the two side by side in tmux as well: the headless run leaves out terminal output.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 9
TARGET = 1.25

BARE = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static("1 Workspace  2 Inspect  3 Create")
        yield DataTable()
        yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.exit)
Bare().run(headless=True, size=(80, 24))
"""

CERTBENCH = """
import sys
from pathlib import Path
from certbench.ui.app import make_app
app = make_app(Path(sys.argv[1]) / "ws")
def exit_once_shown():
    welcome = app.screen.query("#workspace-welcome")
    if welcome and not welcome.first().has_class("-hidden"):
        app.exit()
    else:
        app.call_after_refresh(exit_once_shown)
app.call_after_refresh(exit_once_shown)
app.run(headless=True, size=(80, 24))
"""


def timed(code: str, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    bare: list[float] = []
    certbench: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            bare.append(timed(BARE))
            certbench.append(timed(CERTBENCH, tmp))
    ratio = statistics.median(certbench) / statistics.median(bare)
    print(
        f"first frame, median (best) of {RUNS}: bare Textual {statistics.median(bare):.3f} s ({min(bare):.3f}), "
        f"certbench {statistics.median(certbench):.3f} s ({min(certbench):.3f}); ratio of medians {ratio:.2f}, "
        f"of bests {min(certbench) / min(bare):.2f} (target {TARGET})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
