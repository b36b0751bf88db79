"""Benchmark: how long the TUI's UI thread is busy in one step while a 5,000-row table fills.

A step is one turn of the event loop: while a step runs, no key is handled and nothing is drawn. The
script opens the Truststore screen and adds a PEM bundle of 5,000 CA certificates, then does the same
on the Inspect screen, and prints the longest step seen while the work ran and the table filled (a
watcher task that sleeps 5 ms measures the gaps between its turns, in UI-thread CPU time and in
wall-clock time), the time until the table was complete, and the slowest calls of the screen's own
UI-thread methods. Target: no UI-thread step over 50 ms of CPU. Exit 1 when a table misses it.

Wall-clock figures belong here, not in tests (a loaded 2-core CI machine fails timed tests).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_truststore import COUNT, make_certificates

from certbench.core.workspace import Workspace
from certbench.ui.app import make_app

TARGET_STEP_SECONDS = 0.050


@dataclass
class Steps:
    """Per turn of the event loop: wall-clock time, and CPU time of the UI thread itself. On a busy
    machine the wall-clock figure also holds other processes' time (and a worker thread's collection
    holding the GIL); the CPU figure is the UI thread's own work, which the target is about."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def timed_methods(target: object, names: tuple[str, ...], record: dict[str, list[float]]) -> None:
    """Wrap ``target``'s methods so each call's duration is recorded under its name."""
    for name in names:
        original: Callable[..., Any] = getattr(target, name)

        def wrapper(*args: Any, _original: Callable[..., Any] = original, _name: str = name, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                record.setdefault(_name, []).append(time.perf_counter() - started)

        setattr(target, name, wrapper)


async def watch(until_done: Callable[[], bool], steps: Steps, timeout: float = 120.0) -> float:
    """Record the event loop's turns until ``until_done()``; returns the elapsed time."""
    started = last_wall = time.perf_counter()
    last_cpu = time.thread_time()
    while not until_done():
        await asyncio.sleep(0.005)
        wall, cpu = time.perf_counter(), time.thread_time()
        steps.wall.append(wall - last_wall)
        steps.cpu.append(cpu - last_cpu)
        last_wall, last_cpu = wall, cpu
        if wall - started > timeout:
            raise TimeoutError("the table did not fill")
    return time.perf_counter() - started


async def truststore(workspace: Path, bundle: Path) -> tuple[Steps, float, dict[str, list[float]]]:
    from textual.widgets import DataTable, Input

    from certbench.ui.screens.truststore import TruststoreScreen

    app = make_app(workspace)
    calls: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("5")
        while not isinstance(app.screen, TruststoreScreen):
            await pilot.pause(0.02)
        screen = app.screen
        timed_methods(screen, ("_next_batch", "_recompute", "_update_status", "_append_sources"), calls)
        table = screen.query_one("#truststore-table", DataTable)
        path = screen.query_one("#truststore-path", Input)
        path.value = str(bundle)
        steps = Steps()
        path.focus()
        await pilot.press("enter")
        elapsed = await watch(lambda: table.row_count == COUNT and not screen._filling, steps)
    return steps, elapsed, calls


async def inspect(workspace: Path, bundle: Path) -> tuple[Steps, float, dict[str, list[float]]]:
    from textual.widgets import DataTable

    from certbench.ui.screens.inspect import InspectScreen

    app = make_app(workspace)
    calls: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")
        while not isinstance(app.screen, InspectScreen):
            await pilot.pause(0.02)
        screen = app.screen
        table = screen.query_one("#inspect-certs", DataTable)
        steps = Steps()
        screen.open_paths([str(bundle)])
        elapsed = await watch(lambda: table.row_count == COUNT and not table.loading, steps)
    return steps, elapsed, calls


def report(title: str, steps: Steps, elapsed: float, calls: dict[str, list[float]]) -> bool:
    worst_cpu, worst_wall = max(steps.cpu), max(steps.wall)
    met = worst_cpu <= TARGET_STEP_SECONDS
    print(
        f"{title}: {COUNT} rows in {elapsed:.2f} s, {len(steps.cpu)} turns; longest UI-thread step "
        f"{worst_cpu * 1000:.0f} ms CPU (median {statistics.median(steps.cpu) * 1000:.1f} ms), "
        f"{worst_wall * 1000:.0f} ms wall-clock; target {TARGET_STEP_SECONDS * 1000:.0f} ms CPU: "
        f"{'met' if met else 'MISSED'}"
    )
    for name, durations in sorted(calls.items(), key=lambda item: -max(item[1])):
        print(
            f"    {name}: {len(durations)} calls, median {statistics.median(durations) * 1000:.1f} ms, "
            f"slowest {max(durations) * 1000:.1f} ms"
        )
    return met


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-tui-fill-") as tmp:
        directory = Path(tmp)
        bundle = directory / "bundle.pem"
        bundle.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in make_certificates(COUNT)))
        Workspace.open(directory / "ws")
        results = [
            report("Truststore table", *asyncio.run(truststore(directory / "ws", bundle))),
            report("Inspect table", *asyncio.run(inspect(directory / "ws", bundle))),
        ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
