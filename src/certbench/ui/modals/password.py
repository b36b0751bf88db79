"""Masked password entry. The value is handed back to the caller and never logged or stored."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from certbench.ui.modals.typeahead import TypeAheadModal
from certbench.ui.widgets.footer import JobFooter


class PasswordModal(TypeAheadModal[str | None]):
    """Dismisses with the typed password, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="password.cancel")]

    def __init__(self, prompt: str, *, error: str | None = None) -> None:
        super().__init__()
        self._prompt = prompt
        self._error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog"):
            yield Label(Text(self._prompt), classes="modal-question")
            if self._error:
                yield Label(Text(self._error), classes="modal-error")
            yield Input(password=True, id="password-input", placeholder="password")
            with Horizontal(classes="modal-buttons"):
                yield Button("OK", id="password-ok", variant="primary")
                yield Button("Cancel", id="password-cancel")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#password-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "password-ok":
            self.dismiss(self.query_one("#password-input", Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
