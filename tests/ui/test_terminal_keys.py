"""Alt+digit as a terminal sends it (``ESC digit``) switches screens, from a list and from a text field."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual._xterm_parser import XTermParser
from textual.widgets import Input

from certbench.ui.app import make_app
from certbench.ui.terminal_keys import read_escape_digit_as_alt
from conftest import FIXED_NOW
from pilot_support import burst, until


def parsed_keys(data: str) -> list[str]:
    """What Textual's terminal parser makes of ``data`` (the bytes a terminal would send)."""
    parser = XTermParser(debug=False)
    tokens = [*parser.feed(data), *parser.feed("")]
    return [token.key for token in tokens if isinstance(token, events.Key)]


def test_escape_digit_is_read_as_alt_digit() -> None:
    read_escape_digit_as_alt()
    assert parsed_keys("\x1b5") == ["alt+5"]  # was 'infinity' (a macOS Option character)
    assert parsed_keys("\x1b6tpp") == ["alt+6", "t", "p", "p"]
    assert parsed_keys("\x1b[A") == ["up"]  # real escape sequences are untouched
    assert parsed_keys("\x1b9") == ["ª"]  # only the job digits are taken


async def test_alt_digit_from_a_text_field_switches_screens(tmp_path: Path) -> None:
    """On Inspect the path field has the focus; the bytes ESC 5 reach the app as a terminal sends them."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.focused, Input))
        field = app.focused
        assert isinstance(field, Input)
        for key in parsed_keys("\x1b5"):  # as the terminal driver posts it: alt+5 carrying the character "5"
            app.post_message(events.Key(key, key.removeprefix("alt+")))
        await until(pilot, lambda: app.current_mode == "truststore")
        assert field.value == ""  # the 5 was not typed into Inspect's path field


async def test_field_editing_keys_run_in_the_order_they_were_typed(tmp_path: Path) -> None:
    """Ctrl+U then a path in one burst (tmux: the bytes arrive in one read) cleared the path just typed,
    because Textual ran the field's Ctrl+U binding after the characters queued behind it; likewise
    ``abc Backspace d`` gave ``abc``."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.focused, Input))
        field = app.focused
        assert isinstance(field, Input)
        field.value = "old text"
        burst(pilot, "ctrl+u", *"/tmp/x")
        await until(pilot, lambda: field.value == "/tmp/x", why=lambda: field.value)
        burst(pilot, "ctrl+u", *"abc", "backspace", "d")
        await until(pilot, lambda: field.value == "abd", why=lambda: field.value)
