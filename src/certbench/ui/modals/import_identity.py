"""The import dialog: a PKCS#12/PFX, a keystore entry or PEM/DER files into a workspace item, key included.

It reads the file(s) with their password, offers the private-key entries when there are several, and
calls :func:`certbench.core.actions.identity.import_identity` (the same as ``certbench import``) in a
worker. Passwords stay in the masked fields and are handed to the core only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from certbench.core.actions import identity as actions
from certbench.core.errors import CertbenchError
from certbench.core.formats.material import Material
from certbench.core.subject import format_subject
from certbench.core.workspace import ITEM_NAME_PATTERN, Workspace
from certbench.ui.tasks import run_task
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.toggles import TickBox, TypeAheadSelect


def _split_paths(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _suggested_name(text: str) -> str:
    """An item name from an alias or a file stem: the characters item names allow."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "-" for c in text).strip("-._")[:64]
    return cleaned if ITEM_NAME_PATTERN.fullmatch(cleaned) else ""


class ImportModal(ModalScreen[str | None]):
    """Dismisses with the name of the imported item, or None when cancelled."""

    DEFAULT_CSS = """
    ImportModal { align: center middle; }
    ImportModal .modal-dialog { width: 76; max-height: 100%; }
    ImportModal .import-row { height: auto; }
    ImportModal .import-label { width: 16; }
    ImportModal Input, ImportModal Select { width: 1fr; }
    ImportModal #import-alias-row { display: none; }
    ImportModal #import-alias-row.-shown { display: block; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="import.cancel")]

    def __init__(self, workspace: Workspace, now: datetime, *, paths: str = "") -> None:
        super().__init__()
        self._workspace = workspace
        self._now = now
        self._paths = paths
        self._materials: list[Material] | None = None
        self._read_paths: str | None = None
        self._suggested = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-dialog"):
            yield Label(Text("Import a PKCS#12/PFX, JKS/JCEKS/BKS entry or PEM/DER files (a;b)"))
            with Horizontal(classes="import-row"):
                yield Label("File(s)", classes="import-label")
                yield Input(self._paths, id="import-file", compact=True, placeholder="customer.pfx")
            with Horizontal(classes="import-row"):
                yield Label("File password", classes="import-label")
                yield Input(id="import-file-password", password=True, compact=True, placeholder="Enter reads")
            with Horizontal(classes="import-row", id="import-alias-row"):
                yield Label("Entry (alias)", classes="import-label")
                yield TypeAheadSelect[str]([], id="import-alias", compact=True, prompt="choose the key entry")
            with Horizontal(classes="import-row"):
                yield Label("Item name", classes="import-label")
                yield Input(id="import-name", compact=True, placeholder="new workspace item")
            with Horizontal(classes="import-row"):
                yield Label("Key password", classes="import-label")
                yield Input(id="import-key-password", password=True, compact=True, placeholder="stored key's")
            with Horizontal(classes="import-row"):
                yield Label("Again", classes="import-label")
                yield Input(id="import-key-repeat", password=True, compact=True)
            yield TickBox("Store the key without a password", id="import-no-password", compact=True)
            yield Label(Text("Give the file and its password, then Read."), id="import-status")
            with Horizontal(classes="modal-buttons"):
                yield Button("Read", id="import-read")
                yield Button("Import", id="import-ok", variant="primary")
                yield Button("Cancel", id="import-cancel")
        yield JobFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#import-file-password" if self._paths else "#import-file", Input).focus()

    def _status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#import-status", Label)
        label.set_class(error, "modal-error")
        label.update(Text(message))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("import-file", "import-file-password"):
            self.action_read()
        else:
            self.action_import()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-read":
            self.action_read()
        elif event.button.id == "import-ok":
            self.action_import()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_read(self) -> None:
        paths_text = self.query_one("#import-file", Input).value
        paths = _split_paths(paths_text)
        if not paths:
            self._status("Give the file to import", error=True)
            return
        password = self.query_one("#import-file-password", Input).value.encode() or None
        self._status("Reading...")

        def read() -> list[Material]:
            return actions.load_inputs(paths, password)

        def done(materials: list[Material]) -> None:
            self._materials, self._read_paths = materials, paths_text
            self._show_contents(materials, paths)

        run_task(
            self,
            read,
            description="import: read",
            group="import-read",
            on_done=done,
            on_error=lambda error: self._status(str(error), error=True),
        )

    def _show_contents(self, materials: list[Material], paths: list[str]) -> None:
        aliases = actions.aliases_of(materials)
        row = self.query_one("#import-alias-row")
        select = self.query_one("#import-alias", Select)
        select.set_options([(alias, alias) for alias in aliases])
        row.set_class(len(aliases) > 1, "-shown")
        keys = actions.key_choices(materials)
        certificates = [c for m in materials for c in m.certificates]
        name_input = self.query_one("#import-name", Input)
        if name_input.value in ("", self._suggested):
            self._suggested = _suggested_name(aliases[0] if len(aliases) == 1 else Path(paths[0]).stem)
            name_input.value = self._suggested
        if len(aliases) > 1:
            self._status(f"{len(aliases)} key entries: choose one ({', '.join(aliases)})")
            select.focus()
        elif certificates:
            what = "a private key and " if keys else "no private key; "
            self._status(f"Read {what}{len(certificates)} certificate(s): {format_subject(certificates[0].subject)}")
            self.query_one("#import-key-password" if keys else "#import-name", Input).focus()
        else:
            self._status("No certificate in the file(s)", error=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        """The chosen entry's alias becomes the item name, unless a name was typed."""
        name_input = self.query_one("#import-name", Input)
        if isinstance(event.value, str) and name_input.value in ("", self._suggested):
            self._suggested = _suggested_name(event.value)
            name_input.value = self._suggested

    def action_import(self) -> None:
        if self._materials is None or self._read_paths != self.query_one("#import-file", Input).value:
            self._status("Read the file first (Read, or Enter in the password field)", error=True)
            return
        materials = self._materials
        select = self.query_one("#import-alias", Select)
        alias = select.value if isinstance(select.value, str) else None
        if alias is None and len(actions.aliases_of(materials)) > 1:
            self._status("Choose the key entry to import (Entry)", error=True)
            select.focus()
            return
        name = self.query_one("#import-name", Input).value.strip()
        has_key = bool(actions.key_choices(materials))
        key_password: bytes | None = None
        if has_key and not self.query_one("#import-no-password", Checkbox).value:
            first = self.query_one("#import-key-password", Input).value
            if not first:
                self._status("Give a key password (twice), or tick 'without a password'", error=True)
                return
            if first != self.query_one("#import-key-repeat", Input).value:
                self._status("The two key passwords differ", error=True)
                return
            key_password = first.encode()
        workspace, now = self._workspace, self._now

        def work() -> str:
            return actions.import_identity(
                workspace, name, materials, now=now, key_password=key_password, alias=alias
            ).item.name

        def failed(error: CertbenchError) -> None:
            self._status(str(error), error=True)

        def done(imported: str) -> None:
            self.dismiss(imported)

        run_task(self, work, description="import: write", group="import-write", on_done=done, on_error=failed)
