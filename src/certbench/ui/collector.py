"""Keeping Python's cycle collector from stalling the UI thread while big results are built and shown.

A collection runs in whichever thread allocates when a threshold is crossed, and holds the GIL throughout.
While a worker builds the analysis of a 5,000-certificate file, the heap grows by hundreds of thousands of
objects, and each full collection on the way walks all of them (and the whole app): 0.3-1 s during which
the UI thread cannot run, although the work is in a thread. So a worker that builds a big result does it
with automatic collections paused (:func:`collector_paused`), then moves what exists by then out of the
collector's reach (:func:`keep_out_of_collections`): those objects live as long as they are shown, and
reference counting still frees them when they are dropped. :func:`give_back_to_collections` undoes the
latter when the screen lets its results go (cycles among them are then collected as usual).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """The one pause shared by every thread: nested and concurrent blocks end it when the last one ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = True


_pause = _Pause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while the block runs (in any thread); the collector's previous state
    (enabled or not) is restored when the last concurrent block ends, also on an error."""
    with _pause.lock:
        if _pause.depth == 0:
            _pause.was_enabled = gc.isenabled()
            gc.disable()
        _pause.depth += 1
    try:
        yield
    finally:
        with _pause.lock:
            _pause.depth -= 1
            if _pause.depth == 0 and _pause.was_enabled:
                gc.enable()


def keep_out_of_collections() -> None:
    """Every object alive now is left out of future collections (``gc.freeze``): call it once a big
    result is built, before collections resume, so the first one does not walk it all."""
    gc.freeze()


def give_back_to_collections() -> None:
    """Undo :func:`keep_out_of_collections` (``gc.unfreeze``) when big results are let go."""
    gc.unfreeze()
