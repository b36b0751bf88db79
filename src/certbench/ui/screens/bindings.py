"""The Bindings screen: which certificate belongs to which client_id (RFC 8705, seed 004).

The table lists the registry (client_id, days left coloured by urgency, not-after, newer/older during a
rotation, SHA-256, subject, note). The form on the right picks a certificate, from a file path (any
format certbench reads; a password is asked for when the file needs one) or from a workspace item, and
adds it to a client_id or checks it against one. Remove asks first; export writes the registry JSON a
gateway loads, never over an existing file without a confirmation. Every core call runs in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.validation import Failure, ValidationResult, Validator
from textual.widgets import Button, DataTable, Input, Select, Static

from certbench.core import bindings as core_bindings
from certbench.core.actions import bindings as actions
from certbench.core.bindings import CheckResult, Registry
from certbench.core.describe import serial_from_int
from certbench.core.errors import CertbenchError, OutputExistsError, PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.workspace import Item, Workspace
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.output_path import check_output_path
from certbench.ui.widgets.tables import FitTable, fill_table
from certbench.ui.widgets.timeline import days_left_text
from certbench.ui.widgets.toggles import TypeAheadSelect

T = TypeVar("T")

EXPORT_NAME = "bindings-export.json"
BINDING_COLUMNS = (
    ("Client ID", "client_id"),
    ("Expires", "expires"),
    ("Role", "role"),
    ("SHA-256", "sha256"),
    ("Subject", "subject"),
    ("Note", "note"),
)


def short_fingerprint(sha256: str) -> str:
    """The first 6 bytes of a colon SHA-256, enough to tell certificates apart on screen."""
    return sha256[:17] + "…" if len(sha256) > 17 else sha256


class ExistingFile(Validator):
    """A path to an existing regular file (relative paths from the current directory)."""

    def validate(self, value: str) -> ValidationResult:
        problem = path_problem(value)
        return self.success() if problem is None else ValidationResult.failure([Failure(self, value, problem)])


def path_problem(value: str) -> str | None:
    """Why ``value`` is not a certificate file path we can read, or None."""
    text = value.strip()
    if not text:
        return "give a certificate file path or pick a workspace item"
    path = Path(text).expanduser()
    if path.is_dir():
        return f"{text} is a directory, not a file"
    if not path.is_file():
        return f"{text} does not exist"
    return None


@dataclass(frozen=True)
class Source:
    """Where the certificate to bind or check comes from: a file, or a workspace item."""

    path: str | None = None
    item: str | None = None

    @property
    def label(self) -> str:
        return f"workspace item {self.item}" if self.item else str(self.path)

    def leaf(self, workspace: Workspace, password: bytes | None) -> x509.Certificate:
        """The certificate to use (the leaf when the file holds a chain). Runs in a worker."""
        if self.item is not None:
            item = workspace.get(self.item)
            return workspace.load_certificate(item)
        if self.path is None:
            raise UsageError("give a certificate file or a workspace item")
        material = load_file(Path(self.path).expanduser(), password)
        return core_bindings.leaf_of(material.certificates, path=self.path)


@dataclass(frozen=True)
class Loaded:
    """What a refresh reads: the registry (or why it cannot be read) and the workspace certificates."""

    registry: Registry | None
    error: CertbenchError | None
    items: list[Item]


class BindingsScreen(CertbenchScreen):
    """The client_id <-> certificate registry: list, add, check, remove, export."""

    PALETTE_GROUP = "Bindings"
    PANE_TITLES = {"#bindings-table": "Bindings", "#bindings-about": "Details", "#bindings-form": "Bind or check"}
    PRIMARY_FOCUS = "#bindings-table"
    FIELD_ENTER = "Add the binding (an incomplete form says what is missing and goes there)"
    BINDINGS = [
        Binding("a,ctrl+s", "add", "Add", id="bindings.add", tooltip="Bind the chosen certificate to the client_id"),
        Binding("c", "check", "Check", id="bindings.check", tooltip="Check a certificate against the client_id"),
        Binding(
            "delete",
            "remove",
            "Remove",
            id="bindings.remove",
            tooltip="Remove the highlighted binding (asks first)",
        ),
        Binding("x", "export", "Export", id="bindings.export", tooltip="Write the registry as JSON for a gateway"),
        Binding("r,f5", "refresh", "Refresh", id="bindings.refresh", tooltip="Reload the registry from disk"),
        Binding(
            "slash",
            "focus_form",
            "Form",
            id="bindings.form",
            tooltip="Type a client_id (the form's first field)",
            priority=True,  # before the next key is handed on (CertbenchScreen.jump_to_field)
        ),
    ]

    DEFAULT_CSS = """
    BindingsScreen #bindings-body {
        height: 1fr;
    }
    BindingsScreen #bindings-left {
        width: 1fr;
        height: 1fr;
    }
    BindingsScreen #bindings-table {
        height: 1fr;
    }
    BindingsScreen #bindings-about {
        height: 12;
        border-top: solid $primary;
        padding: 0 1;
    }
    BindingsScreen #bindings-form {
        width: 42;
        height: 1fr;
        border-left: solid $primary;
    }
    BindingsScreen #bindings-buttons {
        height: auto;
        margin-top: 1;
    }
    BindingsScreen #bindings-buttons Button {
        margin-right: 1;
    }
    BindingsScreen #bindings-result {
        margin-top: 1;
        height: auto;
    }
    BindingsScreen #bindings-result.-match {
        color: $success;
        text-style: bold;
    }
    BindingsScreen #bindings-result.-mismatch {
        color: $error;
        text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._registry: Registry | None = None
        self._rows: dict[str, core_bindings.Binding] = {}
        self._last_result: CheckResult | None = None

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with Horizontal(id="bindings-body"):
            with Vertical(id="bindings-left"):
                yield FitTable(id="bindings-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="bindings-about", can_focus=False):  # Tab: table -> form
                    yield Static(Text("Select a binding to see its details."), id="bindings-details")
            with VerticalScroll(id="bindings-form"):  # one line a field: at 80x24 all fits, nothing scrolls
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Client ID")
                    yield Input(id="bindings-client", placeholder="the TPP's OAuth client_id", compact=True)
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Certificate file")
                    yield Input(
                        id="bindings-path",
                        placeholder="PEM, DER, PKCS#7, PKCS#12...",
                        validators=[ExistingFile()],
                        validate_on=["changed", "submitted"],
                        compact=True,
                    )
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Or workspace item")
                    yield TypeAheadSelect[str]([], id="bindings-item", prompt="none: use the file", compact=True)
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Note")
                    yield Input(id="bindings-note", placeholder="optional, kept with it", compact=True)
                with Horizontal(id="bindings-buttons"):
                    yield Button("Add", id="bindings-add-button", variant="primary")
                    yield Button("Check", id="bindings-check-button")
                yield Static(Text(""), id="bindings-result")
        yield Static(id="bindings-status", classes="status-line")
        yield JobFooter()

    def on_mount(self) -> None:
        fill_table(self.query_one("#bindings-table", DataTable), BINDING_COLUMNS, [])
        self.watch(self.app, "theme", self._theme_changed, init=False)
        # No load here: a mode's screen gets ScreenResume on first display too (one load, not two).

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def primary_focus(self) -> str | None:
        """The client_id field while there is no binding to act on (the form is the screen's job then), else
        the table. Decided on arrival, before the registry is read: a stat, so keys typed at once go where
        the focus will stay (an existing but empty registry hands the focus over when first loaded)."""
        empty = not self._rows if self._registry is not None else not self.workspace.bindings_path.exists()
        return "#bindings-client" if empty else self.PRIMARY_FOCUS

    def action_focus_form(self) -> None:
        """``/``: to the client_id field from anywhere on the screen."""
        self.jump_to_field(self.query_one("#bindings-client", Input))

    def _theme_changed(self) -> None:
        if self._registry is not None:
            self._fill_table(self._registry)

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _workspace(self) -> Workspace:
        workspace: Workspace = self.workspace
        return workspace

    def _now(self) -> datetime:
        now: datetime = self.now()
        return now

    def _status(self, message: str) -> None:
        self.query_one("#bindings-status", Static).update(Text(message))

    def _form_value(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value.strip()

    def _source(self) -> Source | None:
        """The chosen certificate source, or None after telling the user what is missing."""
        select = self.query_one("#bindings-item", Select)
        if not select.is_blank():
            return Source(item=str(select.value))
        path = self._form_value("#bindings-path")
        problem = path_problem(path)
        if problem is not None:
            self.notify(problem, title="Certificate", severity="warning", markup=False)
            self.query_one("#bindings-path", Input).focus()
            return None
        return Source(path=path)

    def _client_id(self) -> str | None:
        client_id = self._form_value("#bindings-client")
        if not client_id:
            self.notify("type the client_id first", title="Client ID", severity="warning", markup=False)
            self.query_one("#bindings-client", Input).focus()
            return None
        return client_id

    def _with_certificate(
        self,
        source: Source,
        then: Callable[[x509.Certificate], T],
        *,
        description: str,
        on_done: Callable[[T], None],
        password: bytes | None = None,
    ) -> None:
        """Load the source's certificate and run ``then`` in one worker; ask for a password if needed."""
        workspace = self._workspace

        def work() -> T:
            return then(source.leaf(workspace, password))

        def failed(error: CertbenchError) -> None:
            if isinstance(error, PasswordError) and source.path is not None:
                wrong = None if error.missing else "Wrong password, try again."

                def answered(value: str | None) -> None:
                    if value is None:
                        self.notify("cancelled: no password given", severity="warning", markup=False)
                        return
                    self._with_certificate(
                        source, then, description=description, on_done=on_done, password=value.encode()
                    )

                self.app.push_screen(PasswordModal(f"Password for {source.path}", error=wrong), answered)
                return
            self.notify(str(error), title="Error", severity="error", markup=False, timeout=8)

        # Not exclusive: a change already written must still report back (and refresh the table).
        run_task(
            self,
            work,
            description=description,
            group="bindings-change",
            on_done=on_done,
            on_error=failed,
            exclusive=False,
        )

    # -- refresh -----------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        workspace = self._workspace

        def work() -> Loaded:
            items = [item for item in workspace.list_items() if item.not_after is not None]
            try:
                return Loaded(Registry.load(workspace.bindings_path), None, items)
            except CertbenchError as error:
                return Loaded(None, error, items)

        run_task(self, work, description="bindings: load registry", group="bindings-load", on_done=self._loaded)

    def _loaded(self, loaded: Loaded) -> None:
        select = self.query_one("#bindings-item", Select)
        current = select.value
        names = [item.name for item in loaded.items]
        select.set_options([(Text(name), name) for name in names])
        if current in names:
            select.value = current
        if loaded.error is not None:
            self._registry = None
            self.query_one("#bindings-table", DataTable).clear()
            self._rows = {}
            self._status(f"The registry cannot be read: {loaded.error}")
            self.notify(str(loaded.error), title="Bindings registry", severity="error", markup=False, timeout=10)
            return
        if loaded.registry is None:
            return
        first_load = self._registry is None
        self._registry = loaded.registry
        self._fill_table(loaded.registry)
        table = self.query_one("#bindings-table", DataTable)
        if first_load and not self._rows and self.focused is table:  # nothing to act on: the form's turn
            self.query_one("#bindings-client", Input).focus()

    def _fill_table(self, registry: Registry) -> None:
        now = self._now()
        colors = self.app.get_css_variables()
        table = self.query_one("#bindings-table", DataTable)
        previous = self._highlighted_key()
        self._rows = {}
        rows = []
        for binding in registry.bindings:
            rotating = len(registry.for_client(binding.client_id)) > 1
            role = ("newer" if registry.is_newer(binding) else "older") if rotating else "-"
            expires = Text(binding.not_after.strftime("%Y-%m-%d "))
            expires.append_text(days_left_text(binding.days_left(now), colors))
            cells = (
                Text(binding.client_id),
                expires,
                Text(role, style="bold" if role == "newer" else ""),
                Text(short_fingerprint(binding.sha256)),
                Text(binding.subject),
                Text(binding.note),
            )
            rows.append((binding.sha256, cells))
            self._rows[binding.sha256] = binding
        fill_table(table, BINDING_COLUMNS, rows, flex=("note", "subject", "sha256", "client_id"))
        if previous in self._rows:
            table.move_cursor(row=table.get_row_index(previous))
        self._show_details(self._highlighted_key())
        clients = len({b.client_id for b in registry.bindings})
        if self._rows:
            self._status(f"{len(self._rows)} binding(s) for {clients} client_id(s) in the workspace's bindings.json")
        else:
            self._status("No bindings yet: type a client_id, pick a certificate, press Add")

    def _highlighted_key(self) -> str | None:
        table = self.query_one("#bindings-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(str(event.row_key.value) if event.row_key.value is not None else None)

    def _show_details(self, key: str | None) -> None:
        details = self.query_one("#bindings-details", Static)
        binding = self._rows.get(key or "")
        if binding is None:
            details.update(Text("Select a binding to see its details."))
            return
        text = Text()
        rows = [  # what the binding is (the fingerprints) first: at 80x24 the pane shows about 7 lines
            ("Client ID", binding.client_id),
            ("SHA-256", binding.sha256),
            ("x5t#S256", binding.x5t_s256),
            ("Subject", binding.subject),
            ("Issuer", binding.issuer),
            ("Serial", colon_serial(binding.serial)),
            ("Added", binding.added_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("Note", binding.note or "-"),
        ]
        for label, value in rows:
            text.append(f"{label:<10}", style="bold")
            text.append(f"{value}\n")
        details.update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        binding = self._rows.get(str(event.row_key.value))
        if binding is not None:
            self.query_one("#bindings-client", Input).value = binding.client_id

    # -- form events -------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the form adds the binding; an incomplete form says what is missing and focuses it (so
        Enter in the client_id field of an empty form leads on to the certificate)."""
        if event.input.id in ("bindings-client", "bindings-path", "bindings-note"):
            event.stop()
            self.action_add()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "bindings-path" and event.value.strip():
            self.query_one("#bindings-item", Select).clear()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "bindings-item" and event.value != Select.NULL:
            self.query_one("#bindings-path", Input).value = ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bindings-add-button":
            self.action_add()
        elif event.button.id == "bindings-check-button":
            self.action_check()

    # -- add ---------------------------------------------------------------------------------------
    def action_add(self) -> None:
        client_id = self._client_id()
        source = self._source() if client_id else None
        if client_id is None or source is None:
            return
        note = self._form_value("#bindings-note")
        workspace, now = self._workspace, self._now()

        def add(certificate: x509.Certificate) -> core_bindings.Binding:
            try:
                return actions.bind_add(workspace, client_id, certificate, now=now, note=note)
            except CertbenchError as error:
                raise (error.with_path(source.path) if source.path else error) from None

        def done(binding: core_bindings.Binding) -> None:
            self.notify(f"Bound {short_fingerprint(binding.sha256)} to {binding.client_id}", markup=False)
            self._clear_result()
            self.query_one("#bindings-note", Input).value = ""
            self.action_refresh()
            if isinstance(self.focused, Input):
                self.return_to_list()  # added from the form: the table's keys (c, del, x) work at once

        self._with_certificate(source, add, description="bindings: add", on_done=done)

    # -- check -------------------------------------------------------------------------------------
    def action_check(self) -> None:
        client_id = self._client_id()
        source = self._source() if client_id else None
        if client_id is None or source is None:
            return
        workspace, now = self._workspace, self._now()

        def check(certificate: x509.Certificate) -> CheckResult:
            return Registry.load(workspace.bindings_path).check(client_id, certificate, now=now)

        def done(result: CheckResult) -> None:
            self._last_result = result
            shown = self.query_one("#bindings-result", Static)
            shown.set_class(result.matched, "-match")
            shown.set_class(not result.matched, "-mismatch")
            verdict = (
                f"match: {source.label} is bound to {client_id}" if result.matched else f"no match: {result.reason}"
            )
            path = Path(source.path).expanduser() if source.path else None
            self.report_made("#bindings-result", verdict, item=source.item, path=path)
            # The form's end is below the fold at 80x24: bring the verdict into view and say it in a toast too.
            shown.scroll_visible(animate=False)
            self.notify(
                verdict, title="Check", severity="information" if result.matched else "error", markup=False, timeout=8
            )

        self._with_certificate(source, check, description="bindings: check", on_done=done)

    def _clear_result(self) -> None:
        """The registry changed: the last check's verdict no longer holds."""
        self.forget_report("#bindings-result")
        shown = self.query_one("#bindings-result", Static)
        shown.remove_class("-match", "-mismatch")
        shown.update(Text(""))

    @property
    def last_result(self) -> CheckResult | None:
        """The verdict of the last check (for tests and the palette)."""
        return self._last_result

    # -- remove ------------------------------------------------------------------------------------
    def action_remove(self) -> None:
        key = self._highlighted_key()
        binding = self._rows.get(key or "")
        if binding is None:
            self.notify("No binding selected", severity="warning", markup=False)
            return
        workspace, now = self._workspace, self._now()

        def remove() -> list[core_bindings.Binding]:
            return actions.bind_remove(workspace, binding.client_id, binding.sha256, now=now)

        def done(removed: list[core_bindings.Binding]) -> None:
            self.notify(f"Removed {short_fingerprint(binding.sha256)} from {binding.client_id}", markup=False)
            self._clear_result()
            self.action_refresh()

        def confirmed(answer: bool | None) -> None:
            if answer:
                run_task(
                    self, remove, description="bindings: remove", group="bindings-change", on_done=done, exclusive=False
                )

        self.app.push_screen(
            ConfirmModal(
                f"Remove the binding of certificate {short_fingerprint(binding.sha256)} ({binding.subject}) "
                f"from client_id {binding.client_id!r}? A gateway using an export will refuse it afterwards.",
                confirm_label="Remove",
            ),
            confirmed,
        )

    # -- export ------------------------------------------------------------------------------------
    def action_export(self) -> None:
        default = EXPORT_NAME  # relative: in the workspace's artifacts/

        def chosen(path: str | None) -> None:
            if path:
                self._export(path, overwrite=False)

        question = (
            f"Export the bindings registry (JSON a gateway loads) to (relative: in {self._workspace.artifacts_dir}):"
        )
        check = partial(check_output_path, self._workspace)
        self.app.push_screen(SavePathModal(question, default, ok_label="Export", check=check), chosen)

    def _export(self, path: str, *, overwrite: bool) -> None:
        workspace, now = self._workspace, self._now()
        target = workspace.output_path(path)

        def export() -> Path:
            return actions.bind_export(workspace, target, now=now, overwrite=overwrite)

        def done(written: Path) -> None:
            self.notify(f"Wrote {written}", title="Export", markup=False)

        def failed(error: CertbenchError) -> None:
            if isinstance(error, OutputExistsError) and not overwrite:

                def confirmed(answer: bool | None) -> None:
                    if answer:
                        self._export(path, overwrite=True)

                self.app.push_screen(
                    ConfirmModal(f"{target} already exists. Overwrite it?", confirm_label="Overwrite"), confirmed
                )
                return
            self.notify(str(error), title="Export", severity="error", markup=False, timeout=8)

        run_task(self, export, description="bindings: export", group="bindings-export", on_done=done, on_error=failed)


def colon_serial(serial: str) -> str:
    """A stored serial (plain hex) shown like everywhere else: colon upper-case hex."""
    try:
        number = int(serial.replace(":", ""), 16)
    except ValueError:
        return serial
    return "-" + serial_from_int(-number) if number < 0 else serial_from_int(number)
