"""Keeping Python's cycle collector from stalling the UI thread while big results are built and shown.

A collection runs in whichever thread allocates when a threshold is crossed, and holds the GIL throughout.
While a worker builds the analysis of a 5,000-certificate file, the heap grows by hundreds of thousands of
objects, and each full collection on the way walks all of them (and the whole app): 0.3-1 s during which
the UI thread cannot run, although the work is in a thread. So a worker that builds a big result does it
with automatic collections paused (:func:`collector_paused`), then moves what exists by then out of the
collector's reach (:func:`keep_out_of_collections`): those objects live as long as they are shown, and
reference counting still frees them when they are dropped. :func:`give_back_to_collections` undoes the
latter when the screen lets its results go (cycles among them are then collected as usual).

Start-up gets the same treatment (:func:`pause_for_start_up`, :func:`end_start_up_pause`): importing Textual
and the app and building the first screen allocate a few hundred thousand objects and free almost none, so
the collections on the way (one of them full, 10-20 ms) found nothing, and cost the first frame a tenth of
its time. After the first frame what exists (modules, classes, the first screen) is kept out of later
collections, which then walk only what the app made since.
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
        self.start_up = False


_pause = _Pause()


def _begin_pause() -> None:
    with _pause.lock:
        if _pause.depth == 0:
            _pause.was_enabled = gc.isenabled()
            gc.disable()
        _pause.depth += 1


def _end_pause() -> None:
    with _pause.lock:
        _pause.depth -= 1
        if _pause.depth == 0 and _pause.was_enabled:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while the block runs (in any thread); the collector's previous state
    (enabled or not) is restored when the last concurrent block ends, also on an error."""
    _begin_pause()
    try:
        yield
    finally:
        _end_pause()


def pause_for_start_up() -> None:
    """No automatic collection from now until :func:`end_start_up_pause` (called before the app is
    imported; the app ends the pause after its first frame)."""
    with _pause.lock:
        if _pause.start_up:
            return
        _pause.start_up = True
    _begin_pause()


def end_start_up_pause() -> None:
    """End the start-up pause (if one was begun), keeping what exists now out of later collections."""
    with _pause.lock:
        if not _pause.start_up:
            return
        _pause.start_up = False
    gc.freeze()
    _end_pause()


def keep_out_of_collections() -> None:
    """Every object alive now is left out of future collections (``gc.freeze``): call it once a big
    result is built, before collections resume, so the first one does not walk it all."""
    gc.freeze()


def give_back_to_collections() -> None:
    """Undo :func:`keep_out_of_collections` (``gc.unfreeze``) when big results are let go."""
    gc.unfreeze()
