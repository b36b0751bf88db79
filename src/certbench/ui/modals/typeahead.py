"""Modals with a text field that must not lose what is typed while they open.

A modal is pushed at once but composed and focused a moment later; keys typed in between (a fast typist
answering a password prompt) reached the screen with no focused widget, went to the app's bindings
(a digit switched screens) or were lost. Here they go to the modal's field instead.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.screen import ModalScreen
from textual.widgets import Input

ResultType = TypeVar("ResultType")


class TypeAheadModal(ModalScreen[ResultType]):
    """A modal whose :attr:`TYPE_AHEAD` field receives every printable key nothing else took: those typed
    before the modal had the focus, and those typed while another of its widgets (a list) has it."""

    #: Selector of the field that takes type-ahead (and that is focused on arrival).
    TYPE_AHEAD = "Input"

    def on_key(self, event: events.Key) -> None:
        if not event.is_printable or event.character is None:
            return
        bound = self.active_bindings.get(event.key)
        if bound is not None and bound.node is not self.app:
            return  # a key bound inside the modal (space on a tree) keeps its meaning; the app's do not
        self.type_ahead(event.character)
        event.stop()
        event.prevent_default()

    def type_ahead(self, character: str) -> None:
        """Type ``character`` into the field (focusing it), whatever has the focus now."""
        field = self.query(self.TYPE_AHEAD).first(Input)
        if self.focused is not field:
            field.select_on_focus = False  # selecting on focus would let the next key replace this one
            field.focus()
        field.insert_text_at_cursor(character)
