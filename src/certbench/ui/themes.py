"""certbench's two themes: Textual's dark and light ones with status colours that can be read as text.

Textual's themes draw ``$success``, ``$warning`` and ``$error`` text at contrast ratios down to 1.3:1
(green and orange on the light theme's grey) and 2.5:1 (dark red on the dark panel). These keep every
other colour and pick, in the same hue, the lightness that reaches WCAG's 4.5:1 against the background,
surface and panel colours that text is drawn on (tests/ui/test_daily_tool.py computes the ratios).
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

DARK_THEME = "certbench-dark"
LIGHT_THEME = "certbench-light"

THEMES: tuple[Theme, ...] = (
    replace(BUILTIN_THEMES["textual-dark"], name=DARK_THEME, error="#D57D93"),
    replace(
        BUILTIN_THEMES["textual-light"],
        name=LIGHT_THEME,
        success="#246438",
        warning="#824B00",
        error="#9B324C",
        variables=dict(BUILTIN_THEMES["textual-light"].variables),
    ),
)
