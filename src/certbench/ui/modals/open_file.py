"""Choosing what to open: a file from a directory tree or a typed path, or a workspace item."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList
from textual.widgets.option_list import Option


class OpenFileModal(ModalScreen[str | None]):
    """Pick a file: a directory tree of the current folder, or a typed path."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="inspect-open.cancel")]
    DEFAULT_CSS = """
    OpenFileModal {
        align: center middle;
    }
    OpenFileModal #inspect-open-dialog {
        width: 90;
        height: 30;
    }
    OpenFileModal #inspect-open-tree {
        height: 1fr;
    }
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self._root = root

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog", id="inspect-open-dialog"):
            yield Label(
                Text("Open a file (any format: PEM, DER, p7b, p12/pfx, JKS, keys, CSRs)"), classes="modal-question"
            )
            yield DirectoryTree(self._root, id="inspect-open-tree")
            yield Input(placeholder="or type a path and press Enter", id="inspect-open-path")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="inspect-open-cancel")

    def on_mount(self) -> None:
        tree = self.query_one("#inspect-open-tree", DirectoryTree)
        tree.show_root = False
        tree.focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

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

    def on_mount(self) -> None:
        self.query_one("#inspect-ws-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
