"""Text from files, made safe to print on a terminal.

Subjects, SANs, aliases, friendly names and file names come from whoever made the file. Printed raw, an
``ESC ] 0 ; ... BEL`` retitles the terminal, ``ESC [ 31 m`` recolours it, and a carriage return or a
newline forges output lines. :func:`terminal_safe` shows every such character as a visible escape
(``\\x1b``, ``\\n``, ``\\u202e``) so a person sees what the file holds and the terminal does nothing.
JSON output needs none of this: its own escaping applies (see :func:`json_terminal_safe`).
"""

from __future__ import annotations

import re

#: C0 controls (newline, carriage return and tab included: a value is one line), DEL and the C1
#: controls (U+0080-U+009F: 8-bit CSI/OSC on some terminals), the bidirectional overrides, embeddings
#: and isolates that reorder what follows them (U+202E shows ``cba`` for ``abc``), the invisible
#: direction marks, and the line/paragraph separators some terminals break lines on.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


#: The escapes a person reads at a glance; the other characters show as ``\\xNN`` / ``\\uNNNN``.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def terminal_safe(text: str) -> str:
    """``text`` with every control, bidi-override and line-separator character shown as an escape."""
    return UNSAFE_CHARACTERS.sub(_escape, text)


#: What JSON leaves raw with ``ensure_ascii=False`` that a terminal may still act on: json.dumps
#: escapes U+0000-U+001F itself, not DEL, the C1 controls or the bidi characters.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_terminal_safe(document: str) -> str:
    """A JSON text with the characters JSON leaves raw written as ``\\uXXXX`` (the same JSON value).

    Those characters can only occur inside JSON strings, where ``\\uXXXX`` is the standard escape.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
