"""The help screen (``?`` or F1): every key of the current screen, then the keys that work everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from certbench.ui.widgets.footer import JobFooter


def screen_keys(screen: Screen[object]) -> list[tuple[str, str]]:
    """``(keys, description)`` of the screen's own bindings, in declaration order, shown or not."""
    rows: list[tuple[str, str]] = []
    for cls in type(screen).__mro__:
        if not cls.__module__.startswith("certbench."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.description:
                rows.append((_keys(screen, binding), binding.tooltip or binding.description))
    return rows


def types_in_fields(screen: Screen[object]) -> bool:
    """Whether one of the screen's own keys is a printable one (a letter, ``/``), which a text field would
    type instead: the help says so where it lists such keys."""
    keys = [
        key.strip()
        for cls in type(screen).__mro__
        if cls.__module__.startswith("certbench.")
        for binding in cls.__dict__.get("BINDINGS", ())
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    ]
    return any(len(key) == 1 or key == "slash" for key in keys)


def _keys(screen: Screen[object], binding: Binding) -> str:
    return " / ".join(screen.app.get_key_display(Binding(key.strip(), "")) for key in binding.key.split(","))


class HelpModal(ModalScreen[None]):
    """Lists ``sections`` of ``(keys, what it does)``; any of Esc, ``?``, F1 or q closes it."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpModal {
        align: center middle;
    }
    HelpModal #help-dialog {
        width: 90%;
        max-width: 100;
        height: 90%;
    }
    """

    def __init__(self, title: str, sections: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> None:
        super().__init__()
        self._title = title
        self.sections = [(heading, list(rows)) for heading, rows in sections]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog", id="help-dialog") as dialog:
            dialog.border_title = f"Keys: {self._title}"
            dialog.border_subtitle = "Esc closes"
            with VerticalScroll(id="help-body"):
                for heading, rows in self.sections:
                    table = Table(box=None, show_header=False, expand=True, padding=(0, 2, 0, 0))
                    table.add_column(style="bold", no_wrap=True, ratio=1)
                    table.add_column(ratio=3)
                    for keys, what in rows:
                        table.add_row(Text(keys), Text(what))
                    yield Static(Text(heading, style="bold underline"), classes="help-heading")
                    yield Static(table, classes="help-table")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def action_close(self) -> None:
        self.dismiss(None)
