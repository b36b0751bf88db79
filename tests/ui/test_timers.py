"""call_once_after: a delayed call that happens once, also when every timer starts late (a busy machine)."""

from __future__ import annotations

import sys
import types

import pytest
import textual.timer
from textual.app import App

from certbench.ui.timers import call_once_after
from pilot_support import until


@pytest.fixture
def late_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock reading after a timer's start is 50 ms late, as when the machine is busy in between:
    Textual's one-shot set_timer then skips its only tick (Keystore's plan stayed 'Checking...')."""
    real = textual.timer._time

    def late() -> float:
        caller = sys._getframe(1)
        return real.get_time() + (0.05 if "start" in caller.f_locals else 0.0)

    monkeypatch.setattr(textual.timer, "_time", types.SimpleNamespace(get_time=late))


@pytest.mark.usefixtures("late_timers")
async def test_the_call_happens_once_when_timers_start_late() -> None:
    calls: list[str] = []
    app: App[None] = App()
    async with app.run_test() as pilot:
        call_once_after(app, 0.02, lambda: calls.append("called"))
        await until(pilot, lambda: calls == ["called"], timeout=10)
        await pilot.pause(0.2)  # several intervals later: still once
        assert calls == ["called"]


async def test_a_stopped_call_never_happens() -> None:
    calls: list[str] = []
    app: App[None] = App()
    async with app.run_test() as pilot:
        call_once_after(app, 0.1, lambda: calls.append("called")).stop()
        await pilot.pause(0.3)
        assert calls == []
