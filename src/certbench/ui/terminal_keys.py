"""Keys as a real terminal delivers them: Alt+key, and bursts that outrun a focus change.

An xterm-style terminal sends Alt+5 (and Esc then 5 typed fast) as ``ESC 5``. Textual 8.2.8's table of
escape sequences maps ``ESC 0`` ... ``ESC 9``, ``ESC -``, ``ESC =`` and ``ESC §`` to the characters WezTerm
on macOS types with Option (``º ¡ ™ £ ¢ ∞ § ¶``), so in tmux, xterm or a Linux console the app's
``alt+1``-``alt+7`` screen keys never fired and a text field received ``∞`` instead. Those entries are
taken out of the table, and an ``ESC`` + printable character is read as ``alt+`` that key as soon as the
character arrives. Textual's parser waited for the byte after it instead (an ``ESC x`` could start a
longer sequence), and when that byte was the ``ESC`` of the next Alt key in the same burst (tmux
``send-keys M-4 M-5``) it re-read the pending bytes as typed text: the field got ``^4``. The terminal's
own sequences start with ``ESC [`` or ``ESC O`` (replies with ``ESC ]``, ``ESC P``, ``ESC _``) and are
parsed as before (``tests/ui/test_terminal_keys.py`` feeds the parser, so a Textual upgrade that changes
this is seen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from textual import _ansi_sequences, events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.keys import KEY_NAME_REPLACEMENTS, _character_to_key
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

ESC = "\x1b"
#: Characters that follow ESC at the start of a terminal's own sequences and replies (CSI, SS3, OSC, DCS,
#: APC): after them the parser must wait for the rest, they are no Alt+key.
SEQUENCE_INTRODUCERS = "[O]P_"
#: Marks the parser method once wrapped.
ALT_AT_ONCE = "certbench_alt_at_once"


def read_escape_digit_as_alt() -> None:
    """Make Textual's parser read ``ESC`` + a digit (or any printable character) as ``alt+`` that key, at
    once (idempotent)."""
    table = cast(dict[str, Any], _ansi_sequences.ANSI_SEQUENCES_KEYS)  # typed as a Mapping, built as a dict
    for sequence, keys in list(table.items()):
        if len(sequence) == 2 and sequence[0] == ESC and isinstance(keys, str):  # a macOS Option character
            del table[sequence]
    original = XTermParser._sequence_to_key_events
    if not getattr(original, ALT_AT_ONCE, False):
        XTermParser._sequence_to_key_events = _alt_key_at_once(original)  # type: ignore[method-assign]


def _alt_key_at_once(original: Callable[..., Iterable[events.Key]]) -> Callable[..., Iterable[events.Key]]:
    """``XTermParser._sequence_to_key_events`` that reads ``ESC`` + a printable character as ``alt+`` its key
    (``alt+4``, ``alt+c``, ``alt+shift+c``, ``alt+slash``), so the parser stops there rather than waiting
    for a byte that could continue the sequence (see the module's docstring)."""

    def sequence_to_key_events(parser: XTermParser, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        if (
            len(sequence) == 2
            and sequence[0] == ESC
            and sequence[1].isprintable()
            and sequence[1] not in SEQUENCE_INTRODUCERS
            and sequence not in _ansi_sequences.ANSI_SEQUENCES_KEYS  # ESC b, ESC f: word left and right
        ):
            for key in original(parser, sequence[1], alt=True):  # Textual's Alt rule for a late ESC
                name = key.key if key.key.startswith("alt+") else f"alt+{key.key}"  # it skips alt+slash...
                yield events.Key(name, key.character)
            return
        yield from original(parser, sequence, alt)

    setattr(sequence_to_key_events, ALT_AT_ONCE, True)
    return sequence_to_key_events


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


def unbound_alt_key(event: events.Key, screen: Screen[Any]) -> events.Key | None:
    """The key typed after Esc, when ``event`` is Alt + a printable character that no binding takes (None:
    handle ``event`` as it is).

    A terminal sends Esc then a letter typed fast (``Escape c`` in one tmux send-keys) as it sends Alt+c:
    ``ESC c``. certbench binds no Alt+letter, so such a key is Esc then the letter: it leaves the text
    field and runs the letter's action, where a field took the ``c`` it carries and typed it."""
    character = event.character
    if not event.key.startswith("alt+") or character is None or not character.isprintable():
        return None
    keys = set(event.aliases)
    if any(keys & bindings.key_to_bindings.keys() for _node, bindings in screen._binding_chain):
        return None
    name = character if character.isalnum() else _character_to_key(character)
    return events.Key(KEY_NAME_REPLACEMENTS.get(name, name), character)


async def escape_at_once(app: App[Any]) -> None:
    """Run Esc now, before the key typed after it is handed on, as Textual runs it once it comes back up
    unhandled: its bindings from the focus up (leave a field, close a dialog). Esc in a field whose screen
    binds Esc to an action that is off now (Probe's Cancel while nothing runs) still leaves the field."""
    # App._check_bindings: Textual's own lookup of a key's bindings (no public equivalent in 8.2.8).
    if await app._check_bindings("escape", priority=True) or await app._check_bindings("escape"):
        return
    await app.run_action("leave_field", app.screen)
