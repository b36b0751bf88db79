"""run_task: results, project errors and bugs all come back to the UI thread as notifications, never a crash."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from certbench.core.errors import FormatError
from certbench.ui.tasks import run_task


class TaskApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("host", id="host")


async def _settle(app: App[None], pilot: object) -> None:
    await app.workers.wait_for_complete()
    for _ in range(20):
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def test_result_reaches_on_done_on_the_ui_thread() -> None:
    app = TaskApp()
    results: list[int] = []
    async with app.run_test() as pilot:
        worker = run_task(
            app.query_one("#host"), lambda: 6 * 7, description="answer", group="t", on_done=results.append
        )
        await _settle(app, pilot)
        assert results == [42]
        assert worker.description == "answer"


async def test_project_error_in_work_is_a_notification() -> None:
    app = TaskApp()

    def work() -> int:
        raise FormatError("not a certificate", path="junk.pem")

    async with app.run_test() as pilot:
        run_task(app.query_one("#host"), work, description="load", group="t", on_done=lambda _r: None)
        await _settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert messages == ["junk.pem: not a certificate"] or any("not a certificate" in m for m in messages)
        assert app.is_running


async def test_error_raised_by_on_done_is_reported_not_lost() -> None:
    app = TaskApp()

    def fail_in_ui(_result: int) -> None:
        raise FormatError("cannot show this", path="x.pem")

    def bug_in_ui(_result: int) -> None:
        raise KeyError("oops")

    async with app.run_test() as pilot:
        host = app.query_one("#host")
        run_task(host, lambda: 1, description="first", group="a", on_done=fail_in_ui)
        run_task(host, lambda: 2, description="second", group="b", on_done=bug_in_ui)
        await _settle(app, pilot)
        messages = " | ".join(n.message for n in app._notifications)
        assert "cannot show this" in messages
        assert "internal error (a bug in certbench): KeyError" in messages
        assert app.is_running
