"""The TUI's one choke point for text from files: no control character reaches the terminal.

``Text`` objects and ``markup=False`` stop markup injection, but Rich keeps ``ESC``, the C1 controls and
the bidi overrides in a cell's text, and Textual writes them out as they are: a subject holding
``ESC [ 31 m`` recoloured the screen. This line filter runs over every rendered line of every widget
(tables, trees, details, toasts) and drops those characters; they are zero-width to Rich, so the layout
does not move.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from certbench.core.safe_text import UNSAFE_CHARACTERS


class ControlCharacterFilter(LineFilter):
    """Remove control, bidi-override and separator characters from the text of rendered segments."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(segment.control is None and UNSAFE_CHARACTERS.search(segment.text) for segment in segments):
            return segments  # the usual case: nothing to drop, nothing allocated
        return [
            Segment(UNSAFE_CHARACTERS.sub("", segment.text), segment.style) if segment.control is None else segment
            for segment in segments
        ]
