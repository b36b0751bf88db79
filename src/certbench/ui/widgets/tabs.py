"""The tab bar under the header: every job screen by key and title, the current one marked, clickable
(k9s and posting show where you are the same way; the header names the workspace)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.widgets import Static


class JobTab(Static):
    """One job: ``key title``; a click switches to it."""

    def __init__(self, mode: str, key: str, title: str) -> None:
        super().__init__(Text.assemble((key, "bold"), f" {title}"), id=f"tab-{mode}", classes="job-tab")
        self.mode = mode
        self.tooltip = f"Go to the {title} screen (key {key})"

    def on_click(self, event: Click) -> None:
        event.stop()
        self.app.switch_mode(self.mode)


class JobTabs(Horizontal):
    """The jobs of ``jobs`` ``(mode, key, title)``; :meth:`mark` marks the current one."""

    DEFAULT_CSS = """
    JobTabs {
        height: 1;
        width: 1fr;
        background: $panel;
    }
    JobTabs .job-tab {
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    JobTabs .job-tab:hover {
        background: $boost;
        color: $text;
    }
    JobTabs .job-tab.-current {
        background: $primary;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, jobs: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(id="job-tabs")
        self._jobs = list(jobs)
        self._current: str | None = None

    def compose(self) -> ComposeResult:
        for mode, key, title in self._jobs:
            tab = JobTab(mode, key, title)
            tab.set_class(mode == self._current, "-current")
            yield tab

    def mark(self, mode: str) -> None:
        """Mark ``mode``'s tab as the current screen (now, or when the tabs are composed)."""
        self._current = mode
        for tab in self.query(JobTab):
            tab.set_class(tab.mode == mode, "-current")
