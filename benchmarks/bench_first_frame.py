"""Benchmark: time to the first painted frame, certbench against a bare Textual app with the same chrome.

Each app runs in a fresh process (interpreter start-up and imports included, as a person sees it),
headless at 80x24, and exits right after its first refresh; the process's wall time is what is
compared. The bare app has what certbench's first screen has around its data: Header, a one-line bar,
a DataTable and a Footer. certbench opens an empty workspace (the welcome panel) in a temporary folder.
Issue 14's target: certbench within 1.25x of the bare app. Prints best-of-N seconds and the ratio.

Wall-clock figures belong here, not in tests (a loaded 2-core CI machine fails timed tests). In a real
terminal, compare the two side by side in tmux as well: the headless run leaves out terminal output.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

RUNS = 5

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
app.call_after_refresh(lambda: app.call_after_refresh(app.exit))
app.run(headless=True, size=(80, 24))
"""


def best(code: str, *args: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bare = best(BARE)
        certbench = best(CERTBENCH, tmp)
    ratio = certbench / bare
    print(f"first frame, best of {RUNS}: bare Textual {bare:.3f} s, certbench {certbench:.3f} s, ratio {ratio:.2f}")
    return 0 if ratio <= 1.25 else 1


if __name__ == "__main__":
    sys.exit(main())
