"""The Truststore screen: assemble a truststore (PEM, JKS, PKCS#12) from files and workspace CAs.

Sources are added from a file path (any format certbench reads; a password is asked for when the
file needs one), from the workspace's CA items, or from the system bundle. Every certificate becomes a
row: tick column, alias, subject, expiry, CA or not, source, and what happens to it (added, duplicate,
expired, non-CA, filtered, unticked). Filters (CA only, drop expired, include/exclude substrings) only
change the status of rows; the tick column lets a person leave out individual certificates. Loading
and writing run in workers. Rows go into the DataTable in batches, so a 5,000-certificate bundle
keeps the screen responsive while it fills.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from certbench.core import truststore as ts
from certbench.core.actions.trust import build_truststore
from certbench.core.errors import CertbenchError, OutputExistsError, PasswordError
from certbench.core.formats.load import load_file
from certbench.core.workspace import Workspace
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.output_path import HINT_CLASS, OutputCheck, check_output_path, show_output_check
from certbench.ui.widgets.tables import FitTable, widen_columns
from certbench.ui.widgets.toggles import TickBox, TypeAheadSelect
from certbench.ui.widgets.trust_cells import (
    COLUMN_KEYS,
    COLUMNS,
    chosen,
    fit_to_labels,
    row_cells,
    split_substrings,
    status_cell,
    status_line,
    tick_cell,
)

#: Rows added to the table per step; the table measures each new row, so smaller steps keep keys flowing.
ROW_BATCH = 50
DEFAULT_NAME = "truststore"


@dataclass(frozen=True)
class Loaded:
    """Sources read by a worker, ready to append."""

    sources: tuple[ts.Source, ...]
    what: str


def default_output(workspace: Workspace, fmt: ts.TrustFormat) -> Path:
    return workspace.artifacts_dir / f"{DEFAULT_NAME}.{fmt.value}"


class TruststoreScreen(CertbenchScreen):
    """Collect candidates, filter and tick them, write PEM / JKS / PKCS#12."""

    PALETTE_GROUP = "Truststore"
    PANE_TITLES = {"#truststore-table": "Certificates"}
    AUTO_FOCUS = "#truststore-table"
    PRIMARY_FOCUS = "#truststore-table"
    BINDINGS = [
        Binding(
            "slash",
            "focus_path",
            "Path",
            id="truststore.path",
            tooltip="Type a file to add (the path field)",
            show=False,
            priority=True,  # before the next key is handed on (CertbenchScreen.jump_to_field)
        ),
        Binding(
            "a",
            "add_file",
            "Add file",
            id="truststore.add_file",
            tooltip="Add the file named in the path box",
            show=False,
        ),
        Binding("w", "add_workspace", "Workspace CAs", id="truststore.add_workspace", tooltip="Add every CA item"),
        Binding(
            "y",
            "add_system",
            "System CAs",
            id="truststore.add_system",
            tooltip="Add the operating system's CA bundle",
        ),
        Binding(
            "space",
            "toggle_row",
            "Tick",
            id="truststore.toggle",
            tooltip="Tick or untick the highlighted row",
            show=False,
        ),
        Binding(
            "t", "toggle_all", "Tick all", id="truststore.toggle_all", tooltip="Tick or untick every row", show=False
        ),
        Binding("ctrl+l", "clear", "Clear", id="truststore.clear", tooltip="Remove every source and row"),
        Binding("ctrl+s", "write", "Write", id="truststore.write", tooltip="Write the ticked certificates"),
    ]

    DEFAULT_CSS = """
    TruststoreScreen .truststore-bar { margin-bottom: 0; padding-right: 1; }
    TruststoreScreen #truststore-path { width: 1fr; }
    TruststoreScreen .truststore-bar Button { width: auto; min-width: 0; margin-left: 1; }
    TruststoreScreen .truststore-bar Checkbox { width: auto; }
    TruststoreScreen #truststore-include, TruststoreScreen #truststore-exclude { width: 1fr; }
    TruststoreScreen #truststore-table { height: 1fr; }
    TruststoreScreen #truststore-format { width: 13; }
    TruststoreScreen #truststore-out { width: 2fr; }
    TruststoreScreen #truststore-password { width: 1fr; max-width: 24; }
    TruststoreScreen #truststore-status { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._sources: list[ts.Source] = []
        self._candidates: list[ts.Candidate] = []
        self._decisions: list[ts.Decision] = []
        self._unticked: set[int] = set()
        self._rendered = 0
        self._generation = 0
        self._filling = False

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with FormRow(classes="truststore-bar"):
            yield FieldLabel("Add")
            yield Input(placeholder="PEM bundle, p7b, p12, JKS... then Enter", id="truststore-path", compact=True)
            yield Button("Add file", id="truststore-add-file", compact=True)
            yield Button("Workspace CAs", id="truststore-add-workspace", compact=True)
            yield Button("System CAs", id="truststore-add-system", compact=True)
        with FormRow(classes="truststore-bar"):
            yield TickBox("CA only", id="truststore-ca-only", compact=True)
            yield TickBox("Drop expired", id="truststore-drop-expired", compact=True)
            yield FieldLabel("Include")
            yield Input(placeholder="subject has (a, b)", id="truststore-include", compact=True)
            yield FieldLabel("Exclude")
            yield Input(placeholder="subject has (a, b)", id="truststore-exclude", compact=True)
        yield FitTable(id="truststore-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="truststore-row", markup=False)
        with FormRow(classes="truststore-bar"):
            yield FieldLabel("Format")
            yield TypeAheadSelect(
                [("PEM", "pem"), ("JKS", "jks"), ("PKCS#12", "p12")],
                value="pem",
                allow_blank=False,
                id="truststore-format",
                compact=True,
            )
            yield FieldLabel("File")
            yield Input(placeholder=f"{DEFAULT_NAME}.pem", id="truststore-out", compact=True)
            yield FieldLabel("Password")
            yield Input(placeholder="JKS, p12", password=True, id="truststore-password", compact=True)
            yield Button("Write", id="truststore-write", variant="primary", compact=True)
        yield Static(id="truststore-out-hint", classes=HINT_CLASS)
        yield Static(Text("Add files or workspace CAs to start."), id="truststore-status")
        yield JobFooter()

    def on_mount(self) -> None:
        table = self.query_one("#truststore-table", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=len(label))
        fit_to_labels(table)

    # -- adding sources -----------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "truststore-path":
            self.action_add_file()
        elif event.input.id in ("truststore-out", "truststore-password"):
            self.action_write()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions: dict[str, Callable[[], None]] = {
            "truststore-add-file": self.action_add_file,
            "truststore-add-workspace": self.action_add_workspace,
            "truststore-add-system": self.action_add_system,
            "truststore-write": self.action_write,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_focus_path(self) -> None:
        """``/``: to the path field from anywhere on the screen; an absolute path typed at once lands there."""
        self.jump_to_field(self.query_one("#truststore-path", Input))

    def action_add_file(self, password: bytes | None = None) -> None:
        path_input = self.query_one("#truststore-path", Input)
        value = path_input.value.strip()
        if not value:
            path_input.focus()  # type the path, then Enter adds it
            return
        path = Path(value).expanduser()

        def work() -> Loaded:
            material = load_file(path, password=password)
            return Loaded(sources=(ts.source_from_material(material, label=value),), what=value)

        def done(loaded: Loaded) -> None:
            self.certbench_app.remember_folder_of(path)
            if path_input.value.strip() == value:
                path_input.value = ""
            self.query_one("#truststore-table", DataTable).focus()
            self._append_sources(loaded)

        def failed(error: CertbenchError) -> None:
            if isinstance(error, PasswordError):
                self._ask_password(value, error)
                return
            self._report_error(error)

        self._set_status(f"Reading {value}...")
        run_task(
            self,
            work,
            description="truststore: read a file",
            group="truststore-load",
            on_done=done,
            on_error=failed,
            exclusive=False,
        )

    def add_source_file(self, path: str) -> None:
        """Add ``path`` as if typed in the path box (the Probe screen hands over a server's root this way)."""
        self.query_one("#truststore-path", Input).value = path
        self.action_add_file()

    def _ask_password(self, value: str, error: PasswordError) -> None:
        prompt = f"Password for {value}"
        message = None if error.missing else "Wrong password, try again"

        def answered(password: str | None) -> None:
            if password is None:
                self._set_status(f"Skipped {value}: no password given")
                return
            self.query_one("#truststore-path", Input).value = value
            self.action_add_file(password=password.encode())

        self.app.push_screen(PasswordModal(prompt, error=message), answered)

    def action_add_workspace(self) -> None:
        workspace: Workspace = self.workspace
        known = {source.label for source in self._sources}

        def work() -> Loaded:
            items = ts.workspace_ca_items(workspace)
            sources = [ts.source_from_item(workspace, item) for item in items]
            return Loaded(sources=tuple(s for s in sources if s.label not in known), what="workspace CAs")

        run_task(
            self,
            work,
            description="truststore: read workspace CAs",
            group="truststore-load",
            on_done=self._append_sources,
            on_error=self._report_error,
            exclusive=False,
        )

    def action_add_system(self) -> None:
        from certbench.core.system_bundle import system_bundle_path

        bundle = system_bundle_path()
        if bundle is None:
            self.notify("No system CA bundle found on this machine", severity="warning", markup=False)
            return

        def work() -> Loaded:
            return Loaded(
                sources=(ts.source_from_material(load_file(bundle), label="system"),),
                what=f"system bundle {bundle}",
            )

        run_task(
            self,
            work,
            description="truststore: read the system bundle",
            group="truststore-load",
            on_done=self._append_sources,
            on_error=self._report_error,
            exclusive=False,
        )

    def _append_sources(self, loaded: Loaded) -> None:
        if not loaded.sources:
            self.notify(f"Nothing new to add from {loaded.what}", severity="warning", markup=False)
            self._update_status()
            return
        self._sources.extend(loaded.sources)
        for source in loaded.sources:
            for problem in source.problems:
                self.notify(f"{source.label}: {problem}", severity="warning", markup=False)
        # Said per load, now: two loads in one burst (w y) share one collection below, the later one's.
        added = sum(len(source.certificates) for source in loaded.sources)
        self.notify(f"Added {added} certificate(s) from {loaded.what}", markup=False)
        sources = list(self._sources)
        generation = self._generation

        def work() -> list[ts.Candidate]:
            return ts.collect_candidates(sources)

        def collected(candidates: list[ts.Candidate]) -> None:
            if generation != self._generation:
                return
            self._candidates = candidates
            self._recompute()
            self._fill_table()

        run_task(
            self,
            work,
            description="truststore: collect candidates",
            group="truststore-collect",
            on_done=collected,
            on_error=self._report_error,
        )

    # -- the table ----------------------------------------------------------------------------------

    def _filters(self) -> ts.Filters:
        return ts.Filters(
            ca_only=self.query_one("#truststore-ca-only", Checkbox).value,
            drop_expired=self.query_one("#truststore-drop-expired", Checkbox).value,
            include=split_substrings(self.query_one("#truststore-include", Input).value),
            exclude=split_substrings(self.query_one("#truststore-exclude", Input).value),
        )

    def _recompute(self) -> list[int]:
        """Re-decide every candidate; returns the indices whose decision changed."""
        now = self.now()
        plan = ts.select_entries(self._candidates, self._filters(), now=now)
        decisions = list(plan.decisions)
        changed = [
            index
            for index, decision in enumerate(decisions)
            if index >= len(self._decisions) or self._decisions[index].status is not decision.status
        ]
        self._decisions = decisions
        return changed

    def _fill_table(self) -> None:
        """Append the rows not in the table yet, ROW_BATCH at a time, yielding between batches."""
        if self._filling:
            return
        self._filling = True
        self._next_batch(self._generation)

    def _next_batch(self, generation: int) -> None:
        if generation != self._generation:
            return
        table = self.query_one("#truststore-table", DataTable)
        end = min(self._rendered + ROW_BATCH, len(self._candidates))
        colors = self.app.get_css_variables()
        rows = [self._row_cells(index, colors) for index in range(self._rendered, end)]
        for index, cells in enumerate(rows, start=self._rendered):
            table.add_row(*cells, key=str(index))
        widen_columns(table, ((key, cell) for cells in rows for key, cell in zip(COLUMN_KEYS, cells, strict=True)))
        self._rendered = end
        self._update_status()
        # The rows just added live as long as the table: out of the cycle collector's reach, a full
        # collection no longer rescans the growing table (at 5,000 rows each one held the UI thread
        # 0.15-0.5 s). Refcounting still frees them; action_clear and unmounting hand them back.
        gc.freeze()
        if self._rendered < len(self._candidates):
            # After the next frame, not on a timer: Textual skips a one-shot timer whose task starts late,
            # which on a loaded machine left the table half filled for good.
            self.call_after_refresh(self._next_batch, generation)
        else:
            self._filling = False

    def _row_cells(self, index: int, colors: dict[str, str]) -> tuple[Text, ...]:
        return row_cells(self._decisions[index], unticked=index in self._unticked, now=self.now(), colors=colors)

    def _refresh_rows(self, indices: Sequence[int]) -> None:
        table = self.query_one("#truststore-table", DataTable)
        colors, now = self.app.get_css_variables(), self.now()
        for index in indices:
            if index >= self._rendered:
                continue
            decision, unticked = self._decisions[index], index in self._unticked
            table.update_cell(str(index), "tick", tick_cell(decision, unticked=unticked))
            table.update_cell(str(index), "status", status_cell(decision, unticked=unticked, now=now, colors=colors))
        widen_columns(table, (("status", table.get_cell(str(i), "status")) for i in indices if i < self._rendered))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._apply_filters()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("truststore-include", "truststore-exclude"):
            self._apply_filters()
        elif event.input.id == "truststore-out":
            if named := ts.format_for_path(event.value.strip()):
                self.query_one("#truststore-format", Select).value = named.value  # a typed extension picks the format
            self._check_out()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "truststore-format":
            self.query_one("#truststore-out", Input).placeholder = f"{DEFAULT_NAME}.{event.value}"
            self._check_out()

    def _apply_filters(self) -> None:
        if not self._candidates:
            return
        self._refresh_rows(self._recompute())
        self._update_status()

    def _highlighted_index(self) -> int | None:
        table = self.query_one("#truststore-table", DataTable)
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def action_toggle_row(self) -> None:
        if (index := self._highlighted_index()) is not None:
            self._toggle(index)

    def _toggle(self, index: int) -> None:
        decision = self._decisions[index]
        if decision.status is not ts.Status.ADDED:
            self.notify(
                f"{decision.candidate.alias} is not offered: {decision.reason or decision.status}", markup=False
            )
            return
        self._unticked.symmetric_difference_update({index})
        self._refresh_rows([index])
        self._update_status()

    def on_data_table_row_highlighted(self) -> None:
        """The details line: the highlighted row's full alias and subject (the table cuts both)."""
        if (index := self._highlighted_index()) is not None and index < len(self._candidates):
            row = self._candidates[index]
            self.query_one("#truststore-row", Static).update(Text.assemble((row.alias, "bold"), f"  {row.subject}"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter toggles the row it was pressed on: with ``Enter Down`` typed in one burst, the cursor has
        moved on by the time this message is handled (the next row was toggled)."""
        if event.row_key.value is not None:
            self._toggle(int(event.row_key.value))

    def action_toggle_all(self) -> None:
        offered = [i for i, d in enumerate(self._decisions) if d.status is ts.Status.ADDED]
        if not offered:
            return
        if any(i in self._unticked for i in offered):
            changed = [i for i in offered if i in self._unticked]
            self._unticked.difference_update(offered)
        else:
            changed = offered
            self._unticked.update(offered)
        self._refresh_rows(changed)
        self._update_status()

    def on_unmount(self) -> None:
        gc.unfreeze()

    def action_clear(self) -> None:
        """Ctrl+L: remove every source and row, after asking when there is anything to lose."""
        if not self._sources:
            self._clear()
            return
        rows = len(self._candidates)
        self.app.push_screen(
            ConfirmModal(
                f"Remove all {len(self._sources)} source(s) and their {rows} certificate(s) from the list? "
                "No file is touched.",
                confirm_label="Clear",
            ),
            lambda answer: self._clear() if answer else None,
        )

    def _clear(self) -> None:
        gc.unfreeze()
        self._generation += 1
        self._filling = False
        self._sources.clear()
        self._candidates = []
        self._decisions = []
        self._unticked.clear()
        self._rendered = 0
        fit_to_labels(self.query_one("#truststore-table", DataTable).clear())
        self.query_one("#truststore-row", Static).update("")
        self._set_status("Add files or workspace CAs to start.")

    # -- status -------------------------------------------------------------------------------------

    def selected_entries(self) -> list[ts.Candidate]:
        """The certificates the Write action puts in the store, in table order."""
        return chosen(self._decisions, self._unticked)

    def _update_status(self) -> None:
        if not self._candidates:
            self._set_status("Add files or workspace CAs to start.")
            return
        self._set_status(
            status_line(self._decisions, self._unticked, self.now(), sources=len(self._sources), shown=self._rendered)
        )

    def _set_status(self, text: str) -> None:
        self.query_one("#truststore-status", Static).update(Text(text))

    def _report_error(self, error: CertbenchError) -> None:
        self.notify(str(error), title="Error", severity="error", markup=False, timeout=8)
        self._update_status()

    # -- writing ------------------------------------------------------------------------------------

    def _check_out(self) -> OutputCheck:
        """Check the output path as typed (empty: the default); Write is off while it cannot be written."""
        fmt = ts.TrustFormat(str(self.query_one("#truststore-format", Select).value))
        typed = self.query_one("#truststore-out", Input).value
        check = check_output_path(self.workspace, typed, default=default_output(self.workspace, fmt).absolute())
        named = ts.format_for_path(typed.strip())
        if check.ok and named is not None and named is not fmt:
            # The format list and the name disagree (picked in one burst, the list's choice can land after
            # the typed name's): writing a PKCS#12 file named .jks nobody asked for is worse than asking.
            problem = f"{Path(typed.strip()).name} names {named.name}, the format is {fmt.name}: change one"
            check = OutputCheck(check.target, problem, "", check.shown)
        show_output_check(self.query_one("#truststore-out-hint", Static), check)
        self.query_one("#truststore-write", Button).disabled = not check.ok
        return check

    def action_write(self, overwrite: bool = False) -> None:
        entries = self.selected_entries()
        if not entries:
            self.notify("Nothing to write: add sources and tick some certificates", severity="warning", markup=False)
            return
        fmt = ts.TrustFormat(str(self.query_one("#truststore-format", Select).value))
        password_text = self.query_one("#truststore-password", Input).value
        if fmt is not ts.TrustFormat.PEM and not password_text:
            self.query_one("#truststore-password", Input).focus()
            self.notify(f"A {fmt.value.upper()} truststore needs a password", severity="warning", markup=False)
            return
        workspace: Workspace = self.workspace
        check = self._check_out()
        if check.target is None or check.problem is not None:
            self.notify(check.problem or "type a file name", title="Output", severity="error", markup=False)
            return
        out = check.target
        password = password_text.encode() if fmt is not ts.TrustFormat.PEM else None
        now = self.now()
        inputs = [source.label for source in self._sources]

        def work() -> Path:
            return build_truststore(
                out, entries, fmt, password=password, now=now, overwrite=overwrite, workspace=workspace, inputs=inputs
            )

        def done(path: Path) -> None:
            self.notify(f"Wrote {len(entries)} certificate(s) to {path} ({fmt.value})", markup=False)
            self._update_status()
            self.return_to_list()  # the job is done: the next digit switches screens, not types a password

        def failed(error: CertbenchError) -> None:
            if isinstance(error, OutputExistsError) and not overwrite:

                def confirmed(answer: bool | None) -> None:
                    if answer:
                        self.action_write(overwrite=True)
                    else:  # not written: the status said "Writing ..." for good
                        self._update_status()

                self._update_status()  # nothing is being written while the question waits
                self.app.push_screen(
                    ConfirmModal(f"{out} already exists. Replace it?", confirm_label="Replace"), confirmed
                )
                return
            self._report_error(error)

        self._set_status(f"Writing {len(entries)} certificate(s)...")
        run_task(
            self,
            work,
            description=f"truststore: write {fmt.value}",
            group="truststore-write",
            on_done=done,
            on_error=failed,
        )
