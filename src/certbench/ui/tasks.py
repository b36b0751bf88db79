"""Running core work off the UI thread, safely.

:func:`run_task` starts a thread worker that never quits the app on error, never exposes its
arguments in its description (passwords!), and hands its result or error back on the UI thread.
A :class:`CertbenchError` goes to ``on_error`` (default: an error notification); anything else is a
bug, reported as such in a notification rather than a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from certbench.core.errors import CertbenchError

T = TypeVar("T")


def run_task(
    node: Widget,
    work: Callable[[], T],
    *,
    description: str,
    group: str,
    on_done: Callable[[T], None],
    on_error: Callable[[CertbenchError], None] | None = None,
    exclusive: bool = True,
) -> Worker[None]:
    """Run ``work()`` in a thread worker named ``description``; results come back on the UI thread."""
    app = node.app

    def report_error(error: CertbenchError) -> None:
        if on_error is not None:
            on_error(error)
        else:
            app.notify(str(error), title="Error", severity="error", markup=False, timeout=8)

    def report_bug(exc: Exception) -> None:
        app.log.error(f"bug in {description}: {exc!r}")
        app.notify(
            f"internal error (a bug in certbench): {type(exc).__name__}: {exc}",
            title="Bug",
            severity="error",
            markup=False,
            timeout=12,
        )

    def deliver(result: T) -> None:
        # Runs on the UI thread. An error raised here would otherwise travel back into the worker thread
        # and vanish as a worker failure (exit_on_error=False), so it is reported like one from work().
        try:
            on_done(result)
        except CertbenchError as error:
            report_error(error)
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the TUI
            report_bug(exc)

    def runner() -> None:
        try:
            result = work()
        except CertbenchError as error:
            app.call_from_thread(report_error, error)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the TUI
            app.call_from_thread(report_bug, exc)
            return
        if not get_current_worker().is_cancelled:
            app.call_from_thread(deliver, result)

    return node.run_worker(
        runner,
        name=description,
        group=group,
        description=description,
        thread=True,
        exclusive=exclusive,
        exit_on_error=False,
    )
