"""Alt+digit from a real terminal.

An xterm-style terminal sends Alt+5 (and Esc then 5 typed fast) as ``ESC 5``. Textual 8.2.8's table of
escape sequences maps ``ESC 1`` ... ``ESC 0`` to the characters WezTerm on macOS types with Option
(``¡ ™ £ ¢ ∞ § ¶``), so in tmux, xterm or a Linux console the app's ``alt+1``-``alt+7`` screen keys never
fired and a text field received ``∞`` instead. Taking the digit entries for the job keys out of that table
lets Textual's parser read ``ESC digit`` as ``alt+digit``, its rule for every other ``ESC`` + character
(``tests/ui/test_terminal_keys.py`` feeds the parser, so a Textual upgrade that changes this is seen).
"""

from __future__ import annotations

from typing import Any, cast

from textual import _ansi_sequences

#: The digits of the job keys (``alt+1``-``alt+7``).
JOB_DIGITS = "1234567"


def read_escape_digit_as_alt() -> None:
    """Make Textual's parser read ``ESC`` + a job digit as ``alt+digit`` (idempotent)."""
    table = cast(dict[str, Any], _ansi_sequences.ANSI_SEQUENCES_KEYS)  # typed as a Mapping, built as a dict
    for digit in JOB_DIGITS:
        table.pop(f"\x1b{digit}", None)
