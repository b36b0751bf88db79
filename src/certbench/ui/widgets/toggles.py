"""Form controls that read the same at a glance in every terminal and theme.

Textual's Checkbox draws its "X" whether it is ticked or not (only the colour changes), so in tmux, on a
monochrome terminal or in the light theme an unticked box read as ticked. :class:`TickBox` draws an
empty box when off and a tick when on. :class:`TypeAheadSelect` gives its drop-down list the focus at
once, so keys typed right after opening it (``Enter Down Enter`` sent in one burst) move and pick in
the list instead of reaching the closed Select.
"""

from __future__ import annotations

from typing import TypeVar

from textual.content import Content
from textual.widgets import Checkbox, Select
from textual.widgets._select import SelectOverlay

SelectType = TypeVar("SelectType")


class TickBox(Checkbox):
    """A Checkbox whose box is empty when off and shows ``✓`` when on."""

    def render(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()


class TypeAheadSelect(Select[SelectType]):
    """A Select whose list takes the focus in the same step that opens it (Textual defers that focus to
    a later callback, after keys that are already queued have been routed to the closed Select)."""

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        if expanded:
            self.screen.set_focus(self.query_one(SelectOverlay), scroll_visible=False)
