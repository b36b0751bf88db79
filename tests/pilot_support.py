"""Waiting in Pilot tests for work that runs in thread workers."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


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
