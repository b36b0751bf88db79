"""Alt+digit as a terminal sends it (``ESC digit``) switches screens, from a list and from a text field, also
several in one burst; Esc then a letter typed fast (the same bytes as Alt+letter) leaves the field and runs
the letter's action."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.widgets import Input

from certbench.ui.app import make_app
from certbench.ui.modals.open_file import OpenFileModal
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.terminal_keys import read_escape_digit_as_alt
from conftest import FIXED_NOW
from pilot_support import burst, until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


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
    assert parsed_keys("\x1b9") == ["alt+9"]  # was 'ª': no Option character for any digit
    assert parsed_keys("\x1bOP") == ["f1"]  # SS3 sequences too
    assert parsed_keys("\x1bf") == ["ctrl+right"]  # Textual's word moves stay


def test_alt_keys_in_one_burst_are_all_alt_keys() -> None:
    """tmux ``send-keys M-4 M-5 M-2`` writes the bytes at once: Textual read each ESC digit but the last as
    ``^`` and the digit (typed into the focused field), waiting after ``ESC 4`` for a longer sequence."""
    read_escape_digit_as_alt()
    assert parsed_keys("\x1b4\x1b5\x1b2") == ["alt+4", "alt+5", "alt+2"]
    assert parsed_keys("\x1b4\x1b5\x1b2\x1b3\x1b6") == ["alt+4", "alt+5", "alt+2", "alt+3", "alt+6"]
    assert parsed_keys("\x1bc\x1bC\x1b/x") == ["alt+c", "alt+shift+c", "alt+slash", "x"]


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


def send_bytes(pilot: Pilot[None], data: str) -> None:
    """Queue the keys the terminal parser makes of ``data`` at once, as the driver does with one read."""
    read_escape_digit_as_alt()
    parser = XTermParser(debug=False)
    keys = [token for token in [*parser.feed(data), *parser.feed("")] if isinstance(token, events.Key)]
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        key.set_sender(pilot.app)
        driver.send_message(key)


async def test_alt_digits_in_one_burst_leave_no_junk_in_fields(tmp_path: Path) -> None:
    """On Inspect with the path field empty, ``M-4 M-5 M-2`` in one send-keys ended on Inspect with ``^4^5``
    in the path field; on Create ``M-4 M-5`` left ``^4`` in Item name."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and isinstance(app.focused, Input))
        inspect = app.screen
        send_bytes(pilot, "\x1b4\x1b5\x1b2")
        await until(pilot, lambda: app.current_mode == "inspect" and app.screen is inspect)
        await pilot.pause(0.1)
        assert inspect.query_one("#inspect-path", Input).value == ""
        send_bytes(pilot, "\x1b3")
        await until(pilot, lambda: isinstance(app.screen, CreateScreen) and isinstance(app.focused, Input))
        create = app.screen
        send_bytes(pilot, "\x1b4\x1b5\x1b3")
        await until(pilot, lambda: app.current_mode == "create")
        await pilot.pause(0.1)
        assert create.query_one("#create-name", Input).value == ""
        assert inspect.query_one("#inspect-path", Input).value == ""


async def test_escape_then_a_letter_typed_fast_leaves_the_field_and_runs_the_letter(tmp_path: Path) -> None:
    """Bindings: ``/ Tab C-u path Escape c`` in one burst typed ``c`` onto the path (``leaf.pemc``): the
    terminal sends Esc c as Alt+c. It is Esc then c: the path stays, and c runs Check (which asks for the
    missing client_id)."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen) and isinstance(app.focused, Input))
        screen = app.screen
        path_field = screen.query_one("#bindings-path", Input)
        path = str(MATERIAL / "leaf.pem")
        burst(pilot, "slash", "tab", "ctrl+u", *path)
        send_bytes(pilot, "\x1bc")
        notes = lambda: [str(n.message) for n in app._notifications]  # noqa: E731
        await until(
            pilot, lambda: any("client_id" in m for m in notes()), why=lambda: f"{path_field.value!r} {notes()}"
        )
        assert path_field.value == path


async def test_escape_then_a_letter_on_inspect_opens_the_picker_not_types(tmp_path: Path) -> None:
    """Inspect: a path, then Esc o typed fast: the field keeps its text and ``o`` opens the file picker."""
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen) and isinstance(app.focused, Input))
        field = app.screen.query_one("#inspect-path", Input)
        burst(pilot, *"abc")
        send_bytes(pilot, "\x1bo")
        await until(pilot, lambda: isinstance(app.screen, OpenFileModal), why=lambda: f"{field.value!r} {app.screen}")
        assert field.value == "abc"
