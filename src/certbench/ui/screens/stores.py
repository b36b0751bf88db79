"""The Stores screen: open an existing keystore or truststore (JKS, JCEKS, PKCS#12, PEM bundle), see its
entries (alias, type, subject, expiry, days left), and add, remove, rename, change the password or
convert, each saved after a confirmation. Reached from the Keystore screen (ctrl+o); Esc goes back.

Edits go through :mod:`certbench.core.store_edit` in a worker, exactly as ``certbench store`` does: the
file is replaced atomically and its previous version kept as ``FILE.bak``. The store password typed
once is kept in memory for the next saves, never shown, logged or stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from certbench.core import store_edit as se
from certbench.core.actions.stores import StoreEdit, convert_store, save_store_edit
from certbench.core.errors import CertbenchError, PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.open_file import OpenFileModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.output_path import check_output_path
from certbench.ui.widgets.tables import FitTable, fill_table

ENTRY_COLUMNS = (
    ("Alias", "alias"),
    ("Type", "type"),
    ("Subject", "subject"),
    ("Not after", "not_after"),
    ("Days", "days"),
)
WORKSPACE_PREFIX = "ws:"


class StoresScreen(CertbenchScreen):
    """Edits one existing store file; every change is written only after a confirmation."""

    PALETTE_GROUP = "Stores"
    DEFAULT_CSS = """
    StoresScreen #stores-file {
        height: 1;
        padding: 0 1;
    }
    StoresScreen #stores-entries {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="stores.back", tooltip="Back to the Keystore screen"),
        Binding("o", "open", "Open", id="stores.open", tooltip="Open a keystore or truststore file"),
        Binding("a", "add", "Add", id="stores.add", tooltip="Add certificates from a file, or a workspace item's key"),
        Binding("d", "remove", "Remove", id="stores.remove", tooltip="Remove the highlighted entry"),
        Binding("r", "rename", "Rename", id="stores.rename", tooltip="Rename the highlighted entry"),
        Binding("p", "passwd", "Password", id="stores.passwd", tooltip="Change the store password"),
        Binding("c", "convert", "Convert", id="stores.convert", tooltip="Write a copy as JKS, PKCS#12 or PEM"),
    ]

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self._initial = path
        self._store: se.Store | None = None
        self._password: bytes | None = None
        #: The last file written (tests and the status line read it).
        self.last_written: Path | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static(Text("No store open: press o to open one.", style="dim"), id="stores-file")
        yield FitTable(id="stores-entries", cursor_type="row", zebra_stripes=True)
        yield Static(id="stores-status", classes="status-line")
        yield JobFooter()

    def on_mount(self) -> None:
        fill_table(self.query_one("#stores-entries", DataTable), ENTRY_COLUMNS, [])
        if self._initial:
            self._open(self._initial, None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add", "remove", "rename", "passwd", "convert") and self._store is None:
            return None
        return True

    # -- opening -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.certbench_app.remember_folder_of(path)
                self._open(path, None)

        self.app.push_screen(OpenFileModal(self.certbench_app.last_folder or Path.home()), chosen)

    def _open(self, path: str, password: bytes | None) -> None:
        def failed(error: CertbenchError) -> None:
            if isinstance(error, PasswordError):
                self._ask_password(path, "Store password" if error.missing else "Wrong password: try again")
            else:
                self.notify(str(error), title="Cannot open", severity="error", markup=False, timeout=8)

        run_task(
            self,
            lambda: se.read_store(path, password),
            description="stores: open a store",
            group="stores-open",
            on_done=lambda store: self._show(store, password),
            on_error=failed,
        )

    def _ask_password(self, path: str, prompt: str) -> None:
        def typed(value: str | None) -> None:
            if value is not None:
                self._open(path, value.encode())

        self.app.push_screen(PasswordModal(f"{prompt} for {Path(path).name}"), typed)

    def _show(self, store: se.Store, password: bytes | None) -> None:
        self._store = store
        self._password = password
        now = self.now()
        rows = []
        for entry in store.entries:
            data = entry.to_json(now)
            days = data["days_left"]
            rows.append(
                (
                    entry.alias,
                    (
                        Text(entry.alias),
                        Text(entry.type),
                        Text(data["subject"] or "-"),
                        Text((data["not_after"] or "-")[:10]),
                        Text(
                            "-" if days is None else str(days),
                            style="bold red" if days is not None and days < 0 else "",
                        ),
                    ),
                )
            )
        fill_table(self.query_one("#stores-entries", DataTable), ENTRY_COLUMNS, rows, flex=("subject", "alias"))
        title = Text(f"{Path(store.path).name}", style="bold")
        title.append(f"  {store.format.value}, {len(store.entries)} entries", style="")
        if store.format not in se.WRITABLE_FORMATS:
            title.append("  (read only: convert it to edit)", style="dim")
        self.query_one("#stores-file", Static).update(title)
        for problem in store.problems:
            self.notify(problem, title="Not editable", severity="warning", markup=False, timeout=8)
        self.refresh_bindings()
        self._set_status(f"Opened {Path(store.path).name}")

    def _set_status(self, message: str) -> None:
        self.forget_report("#stores-status")
        self.query_one("#stores-status", Static).update(Text(message))

    def _highlighted(self) -> str | None:
        table = self.query_one("#stores-entries", DataTable)
        if self._store is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    # -- edits -------------------------------------------------------------------------------------

    def action_remove(self) -> None:
        alias = self._highlighted()
        if self._store is None or alias is None:
            return
        store = self._store
        self._confirm_save(f"Remove entry {alias!r}", lambda: se.remove_entries(store, [alias]), StoreEdit.REMOVE)

    def action_rename(self) -> None:
        alias = self._highlighted()
        if self._store is None or alias is None:
            return
        store = self._store

        def named(new: str | None) -> None:
            if new and new != alias:
                self._confirm_save(
                    f"Rename {alias!r} to {new!r}", lambda: se.rename_entry(store, alias, new), StoreEdit.RENAME
                )

        self.app.push_screen(SavePathModal(f"New alias for {alias}", alias, ok_label="Rename"), named)

    def action_add(self) -> None:
        if self._store is None:
            return
        store = self._store

        def chosen(value: str | None) -> None:
            if not value:
                return
            if value.startswith(WORKSPACE_PREFIX):
                self._add_item(store, value[len(WORKSPACE_PREFIX) :])
                return

            def edit() -> se.Store:
                material = load_file(value)
                if not material.certificates:
                    raise UsageError(f"{value}: holds no certificate")
                return se.add_certificates(store, material.certificates)

            self._confirm_save(f"Add the certificates of {Path(value).name}", edit, StoreEdit.ADD)

        self.app.push_screen(
            SavePathModal(
                "Certificate file to add as trusted (or ws:NAME for a workspace key entry)", "", ok_label="Add"
            ),
            chosen,
        )

    def _add_item(self, store: se.Store, name: str) -> None:
        workspace = self.workspace

        def typed(value: str | None) -> None:
            if value is None:
                return

            def edit() -> se.Store:
                from certbench.core.keystore import source_from_item

                source = source_from_item(workspace, workspace.get(name), key_password=value.encode() or None)
                if source.key is None:
                    raise UsageError(f"item {name!r} has no private key to add as a key entry")
                return se.add_private_key(store, name, source.key, source.chain)

            self._confirm_save(f"Add the key entry {name!r} from the workspace", edit, StoreEdit.ADD)

        self.app.push_screen(PasswordModal(f"Password of the key of workspace item {name}"), typed)

    def action_passwd(self) -> None:
        store = self._store
        if store is None:
            return
        if store.format is se.StoreFormat.PEM:
            self.notify("A PEM bundle has no store password", severity="warning")
            return

        def typed(value: str | None) -> None:
            if not value:
                return
            self._confirm_save("Change the store password", lambda: store, StoreEdit.PASSWD, password=value.encode())

        self.app.push_screen(PasswordModal(f"New password for {Path(store.path).name}"), typed)

    def action_convert(self) -> None:
        store = self._store
        if store is None:
            return
        default = str(Path(store.path).with_suffix(".p12" if store.format is not se.StoreFormat.P12 else ".jks"))

        def chosen(out: str | None) -> None:
            if not out:
                return
            fmt = se.format_for(out)
            if fmt is None:
                self.notify("End the file name in .jks, .p12 or .pem", severity="error")
                return
            target = self.workspace.output_path(out)  # the path rule: relative means in artifacts/

            def go(answer: bool | None) -> None:
                if answer:
                    self._convert(store, target, fmt)

            question = f"Write {target.name} as {fmt.value}?" + (
                "\nIt exists and will be replaced." if target.exists() else ""
            )
            self.app.push_screen(ConfirmModal(question, confirm_label="Write", danger=target.exists()), go)

        self.app.push_screen(
            SavePathModal(
                "Write a copy as (.jks, .p12 or .pem; relative: in the workspace's artifacts/)",
                default,
                ok_label="Convert",
                check=lambda typed: check_output_path(self.workspace, typed),
            ),
            chosen,
        )

    def _convert(self, store: se.Store, target: Path, fmt: se.StoreFormat) -> None:
        workspace, now, password = self.workspace, self.now(), self._password

        def work() -> Path:
            return convert_store(workspace, store, target, fmt, password=password, now=now, force=True)

        run_task(self, work, description="stores: convert", group="stores-save", on_done=self._converted)

    def _converted(self, path: Path) -> None:
        self.last_written = path
        self.notify(f"Wrote {path}", title="Stores", markup=False)
        self.report_made("#stores-status", f"Wrote {path}", path=path)

    def _confirm_save(
        self, what: str, edit: Callable[[], se.Store], action: StoreEdit, *, password: bytes | None = None
    ) -> None:
        store = self._store
        if store is None:
            return
        backup = se.backup_path(store.path)
        replaced = " (replacing the one there)" if backup.exists() else ""
        # One short line each: the dialog's label does not wrap.
        question = f"{what}?\nSaves {Path(store.path).name}; its previous version is kept as\n{backup.name}{replaced}."

        def answered(answer: bool | None) -> None:
            if answer:
                self._save(store, edit, action, password if password is not None else self._password)

        self.app.push_screen(ConfirmModal(question, confirm_label="Save", danger=False), answered)

    def _save(self, store: se.Store, edit: Callable[[], se.Store], action: StoreEdit, password: bytes | None) -> None:
        workspace, now = self.workspace, self.now()

        def work() -> tuple[se.Store, Path]:
            after = edit()
            written, _details = save_store_edit(workspace, action, store, after, password=password, now=now, force=True)
            return se.read_store(written, password), written

        def done(result: tuple[se.Store, Path]) -> None:
            reread, written = result
            self.last_written = written
            self._show(reread, password)
            self.report_made(
                "#stores-status",
                f"Saved {written.name}; previous version in {se.backup_path(written).name}",
                path=Path(written),
            )

        run_task(self, work, description=f"stores: {action.event}", group="stores-save", on_done=done)
