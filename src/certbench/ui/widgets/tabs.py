"""The tab bar under the header: every job screen by key and title, the current one marked, clickable
(k9s and posting show where you are the same way; the header names the workspace).

One widget drawing every tab: a widget per tab cost the first frame a twentieth of its time (eight more
widgets to style and lay out); each tab is a click action of the text, highlighted under the mouse.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static


class JobTabs(Static):
    """The jobs of ``jobs`` ``(mode, key, title)``; :meth:`mark` marks the current one."""

    DEFAULT_CSS = """
    JobTabs {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        link-color: $text-muted;
        link-background: $panel;
        link-style: none;
        link-color-hover: $text;
        link-background-hover: $boost;
        link-style-hover: none;
    }
    """

    def __init__(self, jobs: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(id="job-tabs")
        self._jobs = list(jobs)
        self.current: str | None = None
        self.tooltip = "Click a tab or press its number (Alt+number in a text field)"
        self.update(self._content())

    def mark(self, mode: str) -> None:
        """Mark ``mode``'s tab as the current screen."""
        if mode != self.current:
            self.current = mode
            self.update(self._content())

    def tab_span(self, mode: str) -> tuple[int, int]:
        """The columns ``(start, end)`` of ``mode``'s tab (clicks land there)."""
        start = 0
        for tab_mode, key, title in self._jobs:
            width = len(self._label(key, title))
            if tab_mode == mode:
                return start, start + width
            start += width
        raise KeyError(mode)

    @staticmethod
    def _label(key: str, title: str) -> str:
        return f" {key} {title} "

    def _content(self) -> Content:
        tabs = []
        for mode, key, title in self._jobs:
            # The titles are the app's own words, safe as markup.
            if mode == self.current:
                tabs.append(Content.from_markup(f"[bold $text on $primary] {key} {title} [/]"))
            else:
                tabs.append(Content.from_markup(f"[@click=app.job_anywhere('{mode}')] [b]{key}[/b] {title} [/]"))
        return Content("").join(tabs)
