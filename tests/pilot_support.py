"""Waiting in Pilot tests for work that runs in thread workers."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from certbench.ui.app import JOBS, CertbenchApp


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 30.0, why: Callable[[], str] = str
) -> None:
    """Let the app run until ``condition()`` holds. ``timeout`` only guards against a hang (it is no speed
    assertion: a loaded CI machine may be slow); ``why()`` adds context to the failure."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {timeout} s {why()}".rstrip())
        await pilot.pause(0.02)


def burst(pilot: Pilot[None], *keys: str) -> None:
    """Queue ``keys`` at once, as a terminal delivers keys sent in one write (tmux send-keys, a fast
    typist): unlike ``Pilot.press`` nothing runs between two of them. Single characters type themselves."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        character = key if len(key) == 1 else {"enter": "\r", "space": " "}.get(key)
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, character)
        event.set_sender(pilot.app)
        driver.send_message(event)


#: The key of each job screen, by mode.
KEYS = {mode: key for mode, key, _title in JOBS}


async def go(app: CertbenchApp, pilot: Pilot[None], mode: str) -> None:
    """Switch to ``mode`` from wherever the focus is and wait until its screen has the focus."""
    await pilot.press("escape", KEYS[mode])
    await until(pilot, lambda: app.current_mode == mode and app.focused is not None)
    await pilot.pause(0.3)
