"""Keys as a real terminal delivers them: Alt+digit, and bursts that outrun a focus change.

An xterm-style terminal sends Alt+5 (and Esc then 5 typed fast) as ``ESC 5``. Textual 8.2.8's table of
escape sequences maps ``ESC 1`` ... ``ESC 0`` to the characters WezTerm on macOS types with Option
(``¡ ™ £ ¢ ∞ § ¶``), so in tmux, xterm or a Linux console the app's ``alt+1``-``alt+7`` screen keys never
fired and a text field received ``∞`` instead. Taking the digit entries for the job keys out of that table
lets Textual's parser read ``ESC digit`` as ``alt+digit``, its rule for every other ``ESC`` + character
(``tests/ui/test_terminal_keys.py`` feeds the parser, so a Textual upgrade that changes this is seen).
"""

from __future__ import annotations

from typing import Any, cast

from textual import _ansi_sequences, events
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

#: The digits of the job keys (``alt+1``-``alt+7``).
JOB_DIGITS = "1234567"


def read_escape_digit_as_alt() -> None:
    """Make Textual's parser read ``ESC`` + a job digit as ``alt+digit`` (idempotent)."""
    table = cast(dict[str, Any], _ansi_sequences.ANSI_SEQUENCES_KEYS)  # typed as a Mapping, built as a dict
    for digit in JOB_DIGITS:
        table.pop(f"\x1b{digit}", None)


#: Attribute a key event gets when the app hands it on: the focused widget then, and how many priority keys
#: had run by then.
ROUTED_TO = "certbench_routed_to"


def note_routing(event: events.Key, focused: Widget | None, priority_keys_run: int) -> None:
    """Remember which widget the app hands ``event`` to (the one with the focus as the key arrives)."""
    setattr(event, ROUTED_TO, (focused, priority_keys_run))


def stale_target(event: events.Key, focused: Widget | None, priority_keys_run: int) -> Widget | None:
    """The widget ``event`` was handed to, if a priority key typed after it has moved the focus since
    (None: look the key up from the focus as Textual does).

    Textual hands a key to the focused widget's queue, and the widget bindings of a key that comes back
    up unhandled are looked up from whatever has the focus by then. A priority key typed later in the same
    burst (Tab, a screen digit) runs first and moves the focus: a drop-down list's Down and Enter, typed
    before the Tab, then ran the output field's Enter, which wrote a truststore nobody asked for. A focus
    change made by the key's own widget (an Enter that opens a list or a dialog) is not one of those: keys
    typed behind it belong to what it opened."""
    routed, runs_then = getattr(event, ROUTED_TO, (None, priority_keys_run))
    if isinstance(routed, Widget) and routed is not focused and runs_then < priority_keys_run:
        return routed
    return None


async def run_bindings_of(app: App[Any], routed: Widget, event: events.Key) -> None:
    """Run ``event``'s binding as looked up from ``routed`` (where it was typed) up to the app; a key for
    a widget gone from the current screen is dropped."""
    if not routed.is_attached or routed.screen is not app.screen:
        return
    for node in routed.ancestors_with_self:
        # DOMNode._bindings: the node's own BindingsMap (Textual 8.2.8 has no public accessor).
        for binding in node._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await app.run_action(binding.action, node):
                return


def field_edit_action(focused: Widget | None, key: str, screen: Screen[Any]) -> str | None:
    """The text field's own action for ``key`` (Backspace, Ctrl+U, Enter, the arrows...), unless a priority
    binding takes the key first.

    Textual runs a field's key bindings only once the key has come back up to the app, after the field has
    typed the characters queued behind it: ``Ctrl+U`` then a path in one burst cleared the path just typed,
    ``abc Backspace d`` gave ``abc``. The app runs such an action in the field's own queue instead, in
    the order the keys were typed."""
    if not isinstance(focused, Input):
        return None
    if any(
        binding.priority
        for _node, bindings in screen._binding_chain
        for binding in bindings.key_to_bindings.get(key, ())
    ):
        return None
    own = focused._bindings.key_to_bindings.get(key, ())
    return own[0].action if own else None
