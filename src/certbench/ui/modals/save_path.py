"""Ask where to write something: one question, a path field with a default, OK and Cancel."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from certbench.ui.modals.typeahead import TypeAheadModal


class SavePathModal(TypeAheadModal[str | None]):
    """Dismisses with the typed path (stripped), or None when cancelled or left empty."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save-path.cancel")]
    DEFAULT_CSS = """
    SavePathModal {
        align: center middle;
    }
    """

    def __init__(self, question: str, default: str, *, ok_label: str = "Save", placeholder: str = "file path") -> None:
        super().__init__()
        self._question = question
        self._default = default
        self._ok_label = ok_label
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog"):
            yield Label(Text(self._question), classes="modal-question")
            yield Input(value=self._default, id="save-path", placeholder=self._placeholder)
            with Horizontal(classes="modal-buttons"):
                yield Button(self._ok_label, id="save-ok", variant="primary")
                yield Button("Cancel", id="save-cancel")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-ok":
            self.dismiss(self.query_one("#save-path", Input).value.strip() or None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
