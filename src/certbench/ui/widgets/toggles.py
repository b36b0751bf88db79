"""Form controls that read the same at a glance in every terminal and theme.

Textual's Checkbox draws its "X" whether it is ticked or not (only the colour changes), so in tmux, on a
monochrome terminal or in the light theme an unticked box read as ticked. :class:`TickBox` draws an
empty box when off and a tick when on. :class:`TypeAheadSelect` gives its drop-down list the focus at
once, so keys typed right after opening it (``Enter Down Enter`` sent in one burst) move and pick in
the list instead of reaching the closed Select, and takes the pick at once, so the keys typed after it
(``Tab``, a note, ``Enter`` that adds) find the value picked and the focus back on the Select.
"""

from __future__ import annotations

from typing import Self, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Checkbox, Select
from textual.widgets._select import SelectCurrent, SelectOverlay

SelectType = TypeVar("SelectType")


class TickBox(Checkbox):
    """A Checkbox whose box is empty when off and shows ``✓`` when on."""

    def render(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()


#: The open list's keys and what they do: run by the widget that receives them, in the order typed. As
#: bindings they ran only once the key came back up to the app, behind every key of the burst.
_LIST_KEYS = {
    "down": "cursor_down",
    "up": "cursor_up",
    "home": "first",
    "end": "last",
    "pagedown": "page_down",
    "pageup": "page_up",
    "enter": "select",
    "escape": "dismiss",
}


def _run_list_key(overlay: SelectOverlay, event: events.Key) -> bool:
    """Run ``event`` on the open list ``overlay`` now; False when it is no list key."""
    action = _LIST_KEYS.get(event.key)
    if action is None:
        return False
    event.stop()
    event.prevent_default()
    getattr(overlay, f"action_{action}")()
    return True


class _PickAtOnceOverlay(SelectOverlay):
    """The list of a :class:`TypeAheadSelect`: Enter hands the pick to the Select in the same step, and a
    focus Textual asked for when the list opened, arriving after the pick, leaves the focus where it is."""

    def focus(self, scroll_visible: bool = True) -> Self:
        def focus_while_open() -> None:
            select = self.parent
            if isinstance(select, Select) and select.expanded and self.screen.focused in (select, None):
                self.screen.set_focus(self, scroll_visible=scroll_visible)

        self.app.call_later(focus_while_open)
        return self

    def on_key(self, event: events.Key) -> None:
        _run_list_key(self, event)

    def action_select(self) -> None:
        select = self.parent
        if isinstance(select, TypeAheadSelect) and self.highlighted is not None:
            select.pick(self.highlighted)
        else:
            super().action_select()


class TypeAheadSelect(Select[SelectType]):
    """A Select whose list takes the focus in the same step that opens it, and whose pick is taken in
    the same step as its Enter. Textual defers both (the focus to a later callback, the pick through two
    messages), after keys already queued: ``Tab Tab Enter Down Enter Tab note Enter`` on Bindings added
    the binding before the picked item was the Select's value, with the file typed earlier."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield _PickAtOnceOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    def on_key(self, event: events.Key) -> None:
        """Keys typed before the list had the focus (``Enter Down Enter`` in one burst) are the list's."""
        if self.expanded:
            _run_list_key(self.query_one(SelectOverlay), event)
        elif event.key in ("enter", "down", "up", "space"):
            event.stop()
            event.prevent_default()
            self.action_show_overlay()

    def pick(self, index: int) -> None:
        """Take option ``index`` as the value, close the list and focus the Select, all now."""
        value = self._options[index][1]
        if value != self.value:
            self.value = value
        if self.screen.focused in (self.query_one(SelectOverlay), None):
            self.screen.set_focus(self, scroll_visible=False)  # else a Tab typed after the pick has moved on
        self.expanded = False

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        if expanded and self.screen.focused in (self, None):  # a Tab typed after the Enter has moved on
            self.screen.set_focus(self.query_one(SelectOverlay), scroll_visible=False)
