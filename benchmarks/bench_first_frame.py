"""Benchmark: time to the first painted frame, certbench against a bare Textual app with the same chrome.

certbench is started the way a person starts it, through the ``certbench`` command's entry point
(``certbench.cli.main``), on an empty workspace, so its first screen shows the welcome panel. The bare
app has what that screen has around its content: Header, a one-line bar, a DataTable and a Footer. Each
start is a fresh process (interpreter start-up and imports included). Two measurements, each app
alternately so a load change on the machine hits both:

- headless at 80x24: the process exits right after the first refresh showing its content (certbench:
  the welcome panel; an import hook makes its app run headless and exit then); its wall time counts;
- in tmux at 80x24 (when tmux is installed), as issue 14 asks: the time from starting the command in a
  pane until ``tmux capture-pane`` shows its content and its footer, the real terminal driver included.

Before timing, the sources are compiled to bytecode as ``pip install`` does (an editable install under
PYTHONDONTWRITEBYTECODE would otherwise compile certbench on every start while Textual's bytecode is
ready). Issue 14's target: certbench within 1.25x of the bare app. Prints the median and best of N
runs and the ratio of the medians; exit 1 when the target is missed.

Wall-clock figures belong here, not in tests (a loaded 2-core CI machine fails timed tests).
"""

from __future__ import annotations

import argparse
import compileall
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import certbench

TARGET = 1.25

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static("1 Workspace  2 Inspect  3 Create")
        yield DataTable()
        yield Footer()
    def on_mount(self):
        if HEADLESS:
            self.call_after_refresh(self.exit)
Bare().run(headless=HEADLESS, size=(80, 24) if HEADLESS else None)
"""

#: The ``certbench`` command, its app made to run headless and exit once the welcome panel is painted.
CERTBENCH_HEADLESS = """
import importlib.abc, importlib.util, sys

def exit_after_first_content(module):
    run = module.CertbenchApp.run
    def headless_run(app, **_options):
        def exit_once_shown():
            welcome = app.screen.query("#workspace-welcome")
            if welcome and not welcome.first().has_class("-hidden"):
                app.exit()
            else:
                app.call_after_refresh(exit_once_shown)
        app.call_after_refresh(exit_once_shown)
        return run(app, headless=True, size=(80, 24))
    module.CertbenchApp.run = headless_run

class PatchAppModule(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "certbench.ui.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module
        def exec_and_patch(module):
            exec_module(module)
            exit_after_first_content(module)
        spec.loader.exec_module = exec_and_patch
        return spec

sys.meta_path.insert(0, PatchAppModule())
from certbench.cli import main
sys.exit(main(["--workspace", sys.argv[1]]))
"""

CERTBENCH_COMMAND = "from certbench.cli import main; import sys; sys.exit(main(['--workspace', sys.argv[1]]))"

#: What each app shows once its first screen is painted (tmux): its content and its footer.
BARE_SHOWN = ("1 Workspace  2 Inspect", "palette")
CERTBENCH_SHOWN = ("This workspace is empty", "palette")


def compile_sources() -> None:
    """Bytecode for certbench's sources, as an install makes it (Textual's is in site-packages)."""
    compileall.compile_dir(Path(certbench.__file__).parent, quiet=1)


def headless(code: str, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    return time.perf_counter() - start


class TmuxPane:
    """One detached 80x24 tmux session whose pane is restarted with each command."""

    def __init__(self) -> None:
        self.session = f"certbench-first-frame-{time.monotonic_ns()}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.session, "-x", "80", "-y", "24", "sleep 600"], check=True
        )
        subprocess.run(["tmux", "set-option", "-t", self.session, "remain-on-exit", "on"], check=True)

    def time_until_shown(self, argv: list[str], shown: tuple[str, ...], timeout: float = 30.0) -> float:
        command = shlex.join(argv)
        start = time.perf_counter()
        subprocess.run(["tmux", "respawn-pane", "-k", "-t", self.session, command], check=True)
        while time.perf_counter() - start < timeout:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True, check=True
            ).stdout
            if all(text in screen for text in shown):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"not shown within {timeout} s: {shown}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], check=False)


def compare(name: str, runs: int, bare: Callable[[], float], certbench_start: Callable[[], float]) -> float:
    bare(), certbench_start()  # warm the file cache
    bare_times: list[float] = []
    certbench_times: list[float] = []
    for _ in range(runs):
        bare_times.append(bare())
        certbench_times.append(certbench_start())
    ratio = statistics.median(certbench_times) / statistics.median(bare_times)
    print(
        f"{name}, median (best) of {runs}: bare Textual {statistics.median(bare_times):.3f} s "
        f"({min(bare_times):.3f}), certbench {statistics.median(certbench_times):.3f} s "
        f"({min(certbench_times):.3f}); ratio of medians {ratio:.2f}, of bests "
        f"{min(certbench_times) / min(bare_times):.2f} (target {TARGET})",
        flush=True,
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-tmux", action="store_true", help="only the headless measurement")
    options = parser.parse_args()
    compile_sources()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        workspace = str(Path(tmp) / "ws")
        ratios.append(
            compare(
                "headless first frame",
                options.runs,
                lambda: headless("HEADLESS = True\n" + BARE_APP),
                lambda: headless(CERTBENCH_HEADLESS, workspace),
            )
        )
        if not options.no_tmux and shutil.which("tmux"):
            pane = TmuxPane()
            try:
                ratios.append(
                    compare(
                        "tmux 80x24 first frame",
                        options.runs,
                        lambda: pane.time_until_shown(
                            [sys.executable, "-c", "HEADLESS = False\n" + BARE_APP], BARE_SHOWN
                        ),
                        lambda: pane.time_until_shown(
                            [sys.executable, "-c", CERTBENCH_COMMAND, workspace], CERTBENCH_SHOWN
                        ),
                    )
                )
            finally:
                pane.close()
    return 0 if all(ratio <= TARGET for ratio in ratios) else 1


if __name__ == "__main__":
    sys.exit(main())
