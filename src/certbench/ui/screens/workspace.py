"""The Workspace screen: every item with its expiry (days left coloured by urgency), the details of the
selected one, and a validity timeline so a person sees at a glance what expires next."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Static

from certbench.core.workspace import DamagedItem, Item
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.tables import FitTable, fill_table
from certbench.ui.widgets.timeline import Timeline, TimelineEntry, days_left_text

ITEM_COLUMNS = (
    ("Name", "name"),
    ("Kind", "kind"),
    ("Not after", "not_after"),
    ("Left", "left"),
    ("Subject", "subject"),
)
#: The columns that narrow (cut with an ellipsis) when the table is wider than its pane.
ITEM_FLEX = ("subject", "name")


class WorkspaceScreen(CertbenchScreen):
    """Lists workspace items; the details pane follows the highlighted row."""

    PALETTE_GROUP = "Workspace"
    PANE_TITLES = {"#items-table": "Items", "#item-details-pane": "Details"}
    PRIMARY_FOCUS = "#items-table"
    DEFAULT_CSS = """
    WorkspaceScreen .-hidden {
        display: none;
    }
    WorkspaceScreen #workspace-welcome {
        height: 1fr;
        padding: 1 2;
        border: round $primary;
        border-title-style: bold;
    }
    WorkspaceScreen #workspace-welcome-text {
        margin-bottom: 1;
    }
    WorkspaceScreen #workspace-welcome-actions {
        height: auto;
    }
    WorkspaceScreen #workspace-welcome-actions Button {
        margin-right: 2;
    }
    WorkspaceScreen.-narrow #workspace-welcome-actions {
        layout: grid;
        grid-size: 2;
        grid-gutter: 0 1;
    }
    WorkspaceScreen.-narrow #workspace-welcome-actions Button {
        width: 1fr;
        margin: 0;
    }
    WorkspaceScreen #workspace-timeline {
        height: 12;
        border-top: solid $primary;
        border-title-color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("r,f5", "refresh", "Refresh", id="workspace.refresh", tooltip="Reload the workspace from disk"),
        Binding("delete", "delete_item", "Delete", id="workspace.delete", tooltip="Delete the highlighted item"),
        Binding(
            "i", "import_identity", "Import", id="workspace.import", tooltip="Import a .pfx, keystore or PEM files"
        ),
        Binding(
            "u", "undo_delete", "Undo delete", id="workspace.undo", tooltip="Restore the item moved to the trash last"
        ),
        Binding("d", "load_demo", "Load demo", id="workspace.demo", tooltip="Fill the empty workspace with demo items"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, Item] = {}
        self._damaged: dict[str, DamagedItem] = {}
        #: The trash id of the item Delete moved last (u restores it).
        self._last_trashed: str | None = None

    def compose(self) -> ComposeResult:
        # The first frame already shows the welcome panel or the item list (the listing in a worker only
        # fills it): deciding after the listing laid the screen out and painted it twice at start-up.
        empty = self.workspace.looks_empty()
        yield from self.compose_top()
        with Vertical(id="workspace-welcome", classes="" if empty else "-hidden") as welcome:
            welcome.border_title = "Welcome to certbench"
            yield Static(
                Text("This workspace is empty. Start with one of these (Tab moves between them, F1 lists every key):"),
                id="workspace-welcome-text",
            )
            with Horizontal(id="workspace-welcome-actions"):
                yield Button("Load demo (d)", id="welcome-demo", variant="primary")
                yield Button("New root CA", id="welcome-root")
                yield Button("Inspect a file", id="welcome-inspect")
                yield Button("Import an identity", id="welcome-import")
        with Horizontal(id="workspace-body", classes="-hidden" if empty else ""):
            yield FitTable(id="items-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="item-details-pane"):
                yield Static(Text("Select an item to see its details."), id="item-details")
        timeline = Timeline(id="workspace-timeline", classes="-hidden" if empty else "")
        timeline.border_title = "Validity timeline (soonest expiry first)"
        yield timeline
        yield Static(id="workspace-status", classes="status-line")
        yield JobFooter()

    def primary_focus(self) -> str | None:
        """The welcome panel's first action while the workspace is empty, else the item list."""
        welcome = self.query("#workspace-welcome")
        return "#welcome-demo" if welcome and not welcome.first().has_class("-hidden") else self.PRIMARY_FOCUS

    def on_mount(self) -> None:
        fill_table(self.query_one("#items-table", DataTable), ITEM_COLUMNS, [])
        self.watch(self.app, "theme", self._theme_changed, init=False)
        # No load here: a mode's screen gets ScreenResume on first display too (one load, not two).

    def _theme_changed(self) -> None:
        if self._items or self._damaged:
            self._show_scan((list(self._items.values()), list(self._damaged.values())))

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        workspace = self.workspace
        run_task(
            self,
            workspace.scan_items,
            description="workspace: load items",
            group="workspace-load",
            on_done=self._show_scan,
        )

    def _show_scan(self, scan: tuple[list[Item], list[DamagedItem]]) -> None:
        """Show the items; a damaged one (unreadable item.json) gets a row saying so, never a crash."""
        items, damaged = scan
        now = self.now()
        colors = self.app.get_css_variables()
        table = self.query_one("#items-table", DataTable)
        previous = self._highlighted_name()
        self._items = {item.name: item for item in items}
        self._damaged = {bad.name: bad for bad in damaged}
        rows = [
            (
                item.name,
                (
                    Text(item.name),
                    Text(str(item.kind)),
                    Text(item.not_after.strftime("%Y-%m-%d") if item.not_after else "-"),
                    days_left_text(item.days_left(now), colors),
                    Text(item.subject),
                ),
            )
            for item in items
        ]
        rows += [
            (
                bad.name,
                (
                    Text(bad.name),
                    Text("damaged", style=f"bold {colors.get('error', 'red')}"),
                    Text("-"),
                    Text("-"),
                    Text(bad.reason),
                ),
            )
            for bad in damaged
        ]
        rows.sort(key=lambda row: row[0])
        fill_table(table, ITEM_COLUMNS, rows, flex=ITEM_FLEX)
        wanted = self.certbench_app.select_on_workspace
        if wanted in self._items:
            self.certbench_app.select_on_workspace = None
            table.move_cursor(row=table.get_row_index(wanted))
            table.focus()
        elif previous in self._items:
            table.move_cursor(row=table.get_row_index(previous))
        self.query_one("#workspace-timeline", Timeline).set_entries(
            [
                TimelineEntry(key=item.name, label=item.name, not_before=item.not_before, not_after=item.not_after)
                for item in items
                if item.not_after is not None
            ],
            now,
        )
        root = self.workspace.root
        empty = not items and not damaged
        self.query_one("#workspace-welcome").set_class(not empty, "-hidden")
        self.query_one("#workspace-body").set_class(empty, "-hidden")
        self.query_one("#workspace-timeline").set_class(empty, "-hidden")
        if empty and not isinstance(self.focused, Button):
            self.query_one("#welcome-demo", Button).focus()
        elif not empty and self.focused is not None and self.focused.id and self.focused.id.startswith("welcome-"):
            table.focus()
        self.refresh_bindings()
        summary = f"{len(items)} item(s) in {root}" if items else f"Workspace {root} is empty"
        if damaged:
            summary += f"; {len(damaged)} damaged: {', '.join(self._damaged)}"
        self.query_one("#workspace-status", Static).update(Text(summary))
        self._show_details(self._highlighted_name())

    def _highlighted_name(self) -> str | None:
        table = self.query_one("#items-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = str(event.row_key.value) if event.row_key.value is not None else None
        self._show_details(name)
        self.query_one("#workspace-timeline", Timeline).highlight(name)

    def _show_details(self, name: str | None) -> None:
        details = self.query_one("#item-details", Static)
        item = self._items.get(name or "")
        bad = self._damaged.get(name or "")
        if bad is not None:
            details.update(
                Text.assemble(
                    ("Damaged item ", "bold"),
                    bad.name,
                    f"\n{bad.reason}\n\nFix or delete {bad.directory / 'item.json'}; the other items are unaffected.",
                )
            )
            return
        if item is None:
            details.update(Text("Select an item to see its details."))
            return
        now = self.now()
        text = Text()
        rows = [
            ("Name", item.name),
            ("Kind", str(item.kind)),
            ("Subject", item.subject),
            ("Issuer item", item.issuer or "-"),
            ("Not before", item.not_before.strftime("%Y-%m-%d %H:%M UTC") if item.not_before else "-"),
            ("Not after", item.not_after.strftime("%Y-%m-%d %H:%M UTC") if item.not_after else "-"),
            ("SHA-256", item.sha256 or "-"),
            ("Private key", _key_state(item)),
            ("Folder", str(item.directory)),
        ]
        for label, value in rows:
            text.append(f"{label:<12}", style="bold")
            text.append(f"{value}\n")
        text.append(f"{'Days left':<12}", style="bold")
        text.append_text(days_left_text(item.days_left(now), self.app.get_css_variables()))
        details.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Load demo only on an empty workspace; Delete only from the focused item list."""
        if action == "undo_delete":
            return self._last_trashed is not None
        if action == "load_demo":
            return not self._items and not self._damaged
        if action == "delete_item":
            return self.focused is self.query_one("#items-table", DataTable) and self._highlighted_name() is not None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "welcome-demo":
            self.action_load_demo()
        elif event.button.id == "welcome-root":
            self.app.switch_mode("create")  # Create starts on Root CA when the workspace has no CA
        elif event.button.id == "welcome-import":
            self.action_import_identity()
        elif event.button.id == "welcome-inspect":
            await self.app.switch_mode("inspect")
            await self.app.screen.run_action("open_file")

    def action_load_demo(self) -> None:
        workspace = self.workspace
        now = self.now()

        def build() -> str:
            from certbench.core.demo import DEMO_KEY_PASSWORD, build_demo  # issuing code: loaded when asked

            created = build_demo(workspace, now=now)  # records the "demo" audit event itself
            # The demo keys are public test material; their password is printed by 'certbench demo' too.
            return (
                f"Loaded {len(created)} demo items; their keys use the public password {DEMO_KEY_PASSWORD.decode()!r}"
            )

        def built(message: str) -> None:
            self.notify(message, title="Demo", markup=False, timeout=10)
            self.action_refresh()

        run_task(self, build, description="workspace: load demo", group="workspace-demo", on_done=built)

    def action_delete_item(self) -> None:
        """Delete = move to the workspace's trash (u undoes it); the dialog names what depends on the item."""
        name = self._highlighted_name()
        if name is None:
            self.notify("No item selected", severity="warning")
            return
        workspace = self.workspace
        item = self._items.get(name)

        def dependents() -> list[str]:
            from certbench.core.bindings import Registry  # loaded only when deleting

            issued = sorted(other.name for other in self._items.values() if other.issuer == name)
            lines = [f"it issued {len(issued)} item(s): {', '.join(issued)}"] if issued else []
            if item is not None and item.sha256:
                clients = sorted(
                    {b.client_id for b in Registry.load(workspace.bindings_path).bindings if b.sha256 == item.sha256}
                )
                if clients:
                    lines.append(f"its certificate is bound to client_id(s): {', '.join(clients)}")
            return lines

        def ask(lines: list[str]) -> None:
            described = f"{name} ({item.kind}, {item.subject})" if item is not None else name
            question = f"Move item {described} and its private key to the workspace's trash?"
            if lines:
                question += "\n\nDepends on it: " + "; ".join(lines) + " (they stay as they are)."
            question += "\n\nUndo with u, or restore it later from the trash folder."
            self.app.push_screen(ConfirmModal(question, confirm_label="Move to trash"), confirmed)

        def confirmed(answer: bool | None) -> None:
            if not answer:
                return
            now = self.now()

            def trash() -> str:
                # In a worker: the workspace lock may have to wait for another certbench.
                from certbench.core.actions.items import remove_item

                return remove_item(workspace, name, now=now, force=True)  # the dialog named its dependents

            def trashed(trash_id: str) -> None:
                self._last_trashed = trash_id
                self.refresh_bindings()
                self.notify(f"Moved {name} to the trash ({trash_id}); press u to undo", markup=False, timeout=10)
                self.action_refresh()

            run_task(self, trash, description="workspace: trash item", group="workspace-delete", on_done=trashed)

        run_task(self, dependents, description="workspace: find dependents", group="workspace-deps", on_done=ask)

    def action_undo_delete(self) -> None:
        trash_id = self._last_trashed
        if trash_id is None:
            return
        workspace = self.workspace
        now = self.now()

        def restore() -> str:
            from certbench.core.actions.items import restore_item

            name, _ = restore_item(workspace, trash_id, now=now)
            return name

        def restored(name: str) -> None:
            self._last_trashed = None
            self.certbench_app.select_on_workspace = name
            self.refresh_bindings()
            self.notify(f"Restored {name}", markup=False)
            self.action_refresh()

        run_task(self, restore, description="workspace: restore item", group="workspace-delete", on_done=restored)

    def action_import_identity(self) -> None:
        from certbench.ui.modals.import_identity import ImportModal

        def imported(name: str | None) -> None:
            if name:
                self.notify(f"Imported {name}: build its keystore on the Keystore screen (4)", markup=False)
                self.action_refresh()

        self.app.push_screen(ImportModal(self.workspace, self.now()), imported)


def _key_state(item: Item) -> str:
    if item.key_encrypted is None:
        return "none"
    return "encrypted (PKCS#8)" if item.key_encrypted else "NOT encrypted (PKCS#8)"
