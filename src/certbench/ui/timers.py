"""A delayed call that is not lost on a busy machine.

Textual 8.2.8's one-shot ``set_timer`` skips its only tick when its task starts later than its delay (the
machine was busy between the timer's start and its first look at the clock): the call never happens, and a
debounced check (Keystore's plan, Create's issuer password) stayed "Checking..." for good. An interval
timer skips a late tick and goes on to the next one, so :func:`call_once_after` uses one and stops it at
its first tick.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


def call_once_after(owner: MessagePump, delay: float, callback: Callable[[], object]) -> Timer:
    """Call ``callback`` once, ``delay`` seconds from now (later if the machine is busy, never not at all);
    ``stop()`` on the returned timer cancels it."""
    timer: Timer | None = None

    def tick() -> None:
        if timer is not None:
            timer.stop()
        callback()

    timer = owner.set_interval(delay, tick)
    return timer
