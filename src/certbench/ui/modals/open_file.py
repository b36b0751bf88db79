"""Choosing what to open: a file from a folder listing or a typed path, or a workspace item."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from certbench.ui.modals.typeahead import TypeAheadModal
from certbench.ui.widgets.footer import JobFooter

#: Entries listed per folder; a folder with more shows the first ones and says how many are left out.
MAX_ENTRIES = 2000
PARENT = ".."


def list_folder(folder: Path) -> tuple[list[tuple[str, bool]], int]:
    """``(name, is_folder)`` of ``folder``'s entries, folders first, hidden ones last; and how many were cut."""
    entries: list[tuple[str, bool]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                entries.append((entry.name, entry.is_dir()))
            except OSError:
                continue
    entries.sort(key=lambda e: (not e[1], e[0].startswith("."), e[0].lower()))
    return entries[:MAX_ENTRIES], max(0, len(entries) - MAX_ENTRIES)


class OpenFileModal(TypeAheadModal[str | None]):
    """Pick a file: the entries of one folder (``..`` first), or a typed path.

    Enter on a folder (or a typed folder) goes into it; Enter on a file (or a typed file) opens it. Typing
    anywhere goes to the path field; a relative typed path is relative to the folder shown.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="inspect-open.cancel")]
    DEFAULT_CSS = """
    OpenFileModal {
        align: center middle;
    }
    OpenFileModal #inspect-open-dialog {
        width: 90%;
        max-width: 100;
        height: 90%;
        max-height: 32;
    }
    OpenFileModal #inspect-open-list {
        height: 1fr;
    }
    OpenFileModal #inspect-open-folder {
        color: $text-muted;
    }
    """

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.folder = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog", id="inspect-open-dialog") as dialog:
            dialog.border_title = "Open a file"
            yield Label(Text("Any format: PEM, DER, p7b, p12/pfx, JKS, keys, CSRs"), classes="modal-question")
            yield Label(Text(""), id="inspect-open-folder")
            yield OptionList(id="inspect-open-list")
            yield Label(Text(""), id="inspect-open-error", classes="modal-error")
            yield Input(placeholder="or type a file or folder and press Enter", id="inspect-open-path")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="inspect-open-cancel")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.show_folder(self.folder)
        self.query_one("#inspect-open-list", OptionList).focus()

    def show_folder(self, folder: Path) -> None:
        """List ``folder`` (``..`` first); an unreadable folder keeps the current listing and says why."""
        try:
            entries, cut = list_folder(folder)
        except OSError as exc:
            self._error(f"Cannot list {folder}: {exc.strerror or exc}")
            return
        self.folder = folder
        options = [Option(Text(".. (parent folder)"), id=PARENT)] if folder.parent != folder else []
        options += [Option(Text(name + ("/" if is_dir else "")), id=name) for name, is_dir in entries]
        listing = self.query_one("#inspect-open-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        listing.highlighted = 0 if options else None
        listing.border_title = f"{len(entries)} entries" + (f" (first {MAX_ENTRIES}, {cut} more)" if cut else "")
        self.query_one("#inspect-open-folder", Label).update(Text(f"In {folder}"))
        self._error("")

    def _error(self, message: str) -> None:
        self.query_one("#inspect-open-error", Label).update(Text(message))

    def _go(self, target: Path) -> None:
        if target.is_dir():
            self.show_folder(target)
            self.query_one("#inspect-open-path", Input).value = ""
            self.query_one("#inspect-open-list", OptionList).focus()
        elif target.exists():
            self.dismiss(str(target))
        else:
            self._error(f"No such file or folder: {target}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = event.option.id or ""
        self._go(self.folder.parent if name == PARENT else self.folder / name)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed:
            self._go(self.folder / Path(typed).expanduser())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class WorkspacePickModal(ModalScreen[str | None]):
    """Pick a workspace item; dismisses with its files to open (certificate and chain), one per line."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="inspect-workspace.cancel")]
    DEFAULT_CSS = """
    WorkspacePickModal {
        align: center middle;
    }
    WorkspacePickModal #inspect-ws-list {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, options: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._options = list(options)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog"):
            yield Label(Text("Open a workspace item"), classes="modal-question")
            yield OptionList(*[Option(Text(label), id=path) for label, path in self._options], id="inspect-ws-list")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="inspect-ws-cancel")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#inspect-ws-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
