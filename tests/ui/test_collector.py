"""certbench.ui.collector: the cycle collector's pause while a worker builds a big result."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from certbench.ui.collector import collector_paused, end_start_up_pause, pause_for_start_up


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_enabled_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_in_the_block_still_ends_the_pause() -> None:
    with pytest.raises(ValueError, match="bad file"), collector_paused():
        raise ValueError("bad file")
    assert gc.isenabled()


def test_concurrent_blocks_share_one_pause() -> None:
    """Two workers analysing at once: collections resume when the last one is done, not the first."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        with collector_paused():
            first_in.wait(10)
            second_in.set()
            first_out.wait(10)
            seen.append(gc.isenabled())  # the first block ended; this one still runs

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_start_up_pause_lasts_until_ended_and_outlives_a_worker_pause() -> None:
    """The CLI pauses collections before importing the app; a worker's pause ending meanwhile does not
    end it; the app ends it after its first frame, keeping what exists out of later collections."""
    gc.unfreeze()
    pause_for_start_up()
    try:
        assert not gc.isenabled()
        pause_for_start_up()  # a second call is no second pause
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        end_start_up_pause()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    end_start_up_pause()  # nothing begun: nothing changes
    assert gc.isenabled() and gc.get_freeze_count() == 0
