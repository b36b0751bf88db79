"""Ask where to write something: one question, a path field with a default, OK and Cancel; with ``check``,
the path is checked as it is typed (ui/widgets/output_path.py) and OK stays off while it cannot be written."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from certbench.ui.modals.typeahead import TypeAheadModal
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.output_path import HINT_CLASS, OutputCheck, show_output_check


class SavePathModal(TypeAheadModal[str | None]):
    """Dismisses with the typed path (stripped), or None when cancelled or left empty."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save-path.cancel")]
    DEFAULT_CSS = """
    SavePathModal {
        align: center middle;
    }
    """

    def __init__(
        self,
        question: str,
        default: str,
        *,
        ok_label: str = "Save",
        placeholder: str = "file path",
        check: Callable[[str], OutputCheck] | None = None,
    ) -> None:
        super().__init__()
        self._check = check
        self._question = question
        self._default = default
        self._ok_label = ok_label
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog"):
            yield Label(Text(self._question), classes="modal-question")
            yield Input(value=self._default, id="save-path", placeholder=self._placeholder)
            yield Static(id="save-path-hint", classes=HINT_CLASS)
            with Horizontal(classes="modal-buttons"):
                yield Button(self._ok_label, id="save-ok", variant="primary")
                yield Button("Cancel", id="save-cancel")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._writable(event.value)

    def _writable(self, value: str) -> bool:
        """Check ``value`` (when the dialog has a check): show why it cannot be written, and turn OK off."""
        if self._check is None:
            return True
        check = self._check(value)
        show_output_check(self.query_one("#save-path-hint", Static), check)
        self.query_one("#save-ok", Button).disabled = not check.ok
        return check.ok

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._writable(event.value):
            self.dismiss(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-ok":
            self.dismiss(self.query_one("#save-path", Input).value.strip() or None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
