"""The Keystore screen: pick an item, pick a bundle (keystore JAR, PKCS#12, PKCS#12 for browsers, JKS,
PEM chain), see the chain that goes in and the checklist with a tick or a cross per rule, type the
passwords in masked inputs (restricted characters flagged while typing), and write the file into the
workspace's ``artifacts/`` folder. Every check and the build itself run in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from certbench.core import keystore as ks
from certbench.core.actions import bundles
from certbench.core.checks import Check, blocking_failures
from certbench.core.describe import rfc4514
from certbench.core.gateway import password_problem
from certbench.core.roles import chain_roles
from certbench.core.rules import list_profiles
from certbench.core.workspace import Item
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.timers import call_once_after
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.output_path import HINT_CLASS, OutputCheck, check_output_path, show_output_check
from certbench.ui.widgets.tables import FitTable, fill_table
from certbench.ui.widgets.toggles import TickBox, TypeAheadSelect


@dataclass(frozen=True)
class BundleChoice:
    """One entry of the bundle picker."""

    key: str
    label: str
    kind: ks.BundleKind
    legacy: bool = False
    suffix: str = ""


BUNDLE_CHOICES: tuple[BundleChoice, ...] = (
    BundleChoice("jar", "Keystore JAR (API gateway)", ks.BundleKind.KEYSTORE_JAR, suffix=".jar"),
    BundleChoice("p12", "PKCS#12 (AES-256)", ks.BundleKind.P12, suffix=".p12"),
    BundleChoice("p12-browser", "PKCS#12 for browsers (legacy 3DES)", ks.BundleKind.P12, True, "-browser.p12"),
    BundleChoice("jks", "JKS (Java)", ks.BundleKind.JKS, suffix=".jks"),
    BundleChoice("pem-chain", "PEM chain (leaf to root)", ks.BundleKind.PEM_CHAIN, suffix="-chain.pem"),
)
CHOICES = {choice.key: choice for choice in BUNDLE_CHOICES}


@dataclass(frozen=True)
class Verdict:
    """What the checklist and the status line say, made by :func:`keystore_verdict` from the form as it
    is now and the last plan, so the two never disagree (and never say Ready while a check fails)."""

    checks: tuple[Check, ...]
    #: The plan on screen was made for other inputs; a fresh one is on its way (its rows show dimmed).
    checking: bool

    def is_current(self, check: Check) -> bool:
        """Judged on the form as it is now (the form's own checks always are; the plan's once redone)."""
        return not self.checking or check.code.startswith("form.")

    @property
    def failures(self) -> list[Check]:
        """The blocking failures judged on the form as it is now."""
        return [check for check in blocking_failures(self.checks) if self.is_current(check)]

    @property
    def ready(self) -> bool:
        return bool(self.checks) and not self.checking and not self.failures


def keystore_verdict(
    plan: ks.BundlePlan | None, *, stale: bool, needs_password: bool, password: str, repeat: str
) -> Verdict:
    """The plan's checks with the form's own (the repeated password) in place, judged on this form."""
    checks = list(plan.checks) if plan is not None else []
    if plan is not None and needs_password:
        if not repeat:
            match = Check("form.repeat", "Passwords match", False, "type the password again in Repeat")
        elif repeat != password:
            match = Check("form.repeat", "Passwords match", False, "the two passwords differ")
        else:
            match = Check("form.repeat", "Passwords match", True, "both the same")
        codes = [check.code for check in checks]
        checks.insert(codes.index("plan.password") + 1 if "plan.password" in codes else 0, match)
    return Verdict(tuple(checks), checking=stale)


NO_PROFILE = "-"
ITEM_COLUMNS = (("Name", "name"), ("Kind", "kind"), ("Key", "key"), ("Not after", "not_after"))
PLAN_DELAY = 0.25


class KeystoreScreen(CertbenchScreen):
    """Builds bundles from a workspace item; the checklist follows every change of the form."""

    PALETTE_GROUP = "Keystore"
    PANE_TITLES = {"#keystore-items": "Items", "#keystore-form": "Bundle"}
    PRIMARY_FOCUS = "#keystore-items"
    DEFAULT_CSS = """
    KeystoreScreen #keystore-body {
        height: 1fr;
    }
    KeystoreScreen #keystore-items {
        width: 44;
        height: 1fr;
    }
    KeystoreScreen #keystore-form {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
        border-left: solid $primary;
    }
    KeystoreScreen #keystore-form FormRow {
        margin-bottom: 0;
    }
    KeystoreScreen #keystore-out {
        margin-right: 1;
    }
    KeystoreScreen #keystore-unencrypted {
        width: auto;
    }
    KeystoreScreen #keystore-password-hint {
        height: 1;
        padding: 0 1;
    }
    KeystoreScreen #keystore-chain {
        height: auto;
        max-height: 8;
        border-top: solid $primary;
        border-title-color: $text-muted;
    }
    KeystoreScreen #keystore-checklist-pane {
        height: 1fr;
        border-top: solid $primary;
        border-title-color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "write", "Write", id="keystore.write", tooltip="Build the bundle and write it"),
        Binding("r,f5", "refresh", "Refresh", id="keystore.refresh", tooltip="Reload the workspace items"),
        Binding(
            "ctrl+o", "stores", "Edit a store", id="keystore.stores", tooltip="Open an existing keystore to edit it"
        ),
        Binding(
            "c",
            "checklist",
            "Checklist",
            id="keystore.checklist",
            tooltip="Show the checklist (below the form on a small terminal); arrows scroll it",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, Item] = {}
        self._item: str | None = None
        self._auto_out = ""
        self._plan: ks.BundlePlan | None = None
        #: The item and inputs the shown plan was made for (another value: the plan is stale).
        self._planned: tuple[str | None, dict[str, Any]] | None = None
        self._plan_timer: Timer | None = None
        self._out_ok = True
        #: The last file written (tests and the status line read it).
        self.last_written: Path | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with Horizontal(id="keystore-body"):
            yield FitTable(id="keystore-items", cursor_type="row", zebra_stripes=True)
            with Vertical(id="keystore-form"):
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Bundle")
                    yield TypeAheadSelect[str](
                        [(choice.label, choice.key) for choice in BUNDLE_CHOICES],
                        value="jar",
                        allow_blank=False,
                        id="keystore-kind",
                        compact=True,
                    )
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Partner profile")
                    profiles = [(profile.name, profile.name) for profile in list_profiles()]
                    yield TypeAheadSelect[str](
                        [("none", NO_PROFILE), *profiles],
                        value=NO_PROFILE,
                        allow_blank=False,
                        id="keystore-profile",
                        compact=True,
                    )
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Item key password")
                    yield Input(password=True, id="keystore-item-password", placeholder="to read the item's key",
                                compact=True)  # fmt: skip
                with FormRow(classes="-aligned"):
                    yield FieldLabel("New file password")
                    yield Input(password=True, id="keystore-password", placeholder="for the file written",
                                compact=True)  # fmt: skip
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Repeat password")
                    yield Input(password=True, id="keystore-repeat", placeholder="the same again", compact=True)
                with FormRow(classes="-aligned"):
                    yield FieldLabel("Write to")
                    yield Input(id="keystore-out", placeholder="file name in artifacts/", compact=True)
                    yield TickBox("Key without password", id="keystore-unencrypted", compact=True)
                yield Static(id="keystore-out-hint", classes=HINT_CLASS)
                yield Static(id="keystore-password-hint")
                chain = Static(Text("Pick an item.", style="dim"), id="keystore-chain")
                chain.border_title = "Chain (leaf first, root last)"
                yield chain
                with VerticalScroll(id="keystore-checklist-pane") as pane:
                    pane.border_title = "Checklist"
                    yield Static(id="keystore-checklist")
        yield Static(id="keystore-status", classes="status-line")
        yield JobFooter()

    def on_mount(self) -> None:
        fill_table(self.query_one("#keystore-items", DataTable), ITEM_COLUMNS, [])
        self._apply_kind()
        self._show_verdict()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._show_verdict)  # passed checks are cut to the new width

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Stacked (below 100 columns) the form, the chain and the checklist are taller than what is left
        under the item list: a field taking the focus scrolls the body down to the form's first row, so the
        checklist's rows follow the typing on screen (Textual scrolled only as far as the field)."""
        form = self.query_one("#keystore-form")
        pane = self.query_one("#keystore-checklist-pane")
        if self.has_class("-narrow") and form in event.widget.ancestors and event.widget is not pane:
            self.call_after_refresh(self._show_form)

    def _show_form(self) -> None:
        body = self.query_one("#keystore-body")
        form = self.query_one("#keystore-form")
        first_row = form.virtual_region.y + form.styles.gutter.top
        if body.scroll_y < first_row:
            body.scroll_to(y=min(body.max_scroll_y, first_row), animate=False)

    def action_checklist(self) -> None:
        pane = self.query_one("#keystore-checklist-pane")
        pane.focus(scroll_visible=False)
        # After the next layout: the checklist may just have been re-rendered to another height.
        self.call_after_refresh(self.query_one("#keystore-body").scroll_to_widget, pane, top=True, animate=False)

    def action_stores(self) -> None:
        from certbench.ui.screens.stores import StoresScreen

        self.app.push_screen(StoresScreen())

    # -- items -------------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        workspace = self.workspace
        run_task(
            self,
            workspace.list_items,
            description="keystore: load items",
            group="keystore-items",
            on_done=self._show_items,
        )

    def _show_items(self, items: list[Item]) -> None:
        usable = [item for item in items if item.not_after is not None]
        self._items = {item.name: item for item in usable}
        rows = [
            (
                item.name,
                (
                    Text(item.name),
                    Text(str(item.kind)),
                    Text("yes" if item.has_key else "-"),
                    Text(item.not_after.strftime("%Y-%m-%d") if item.not_after else "-"),
                ),
            )
            for item in usable
        ]
        table = self.query_one("#keystore-items", DataTable)
        previous = self._item
        fill_table(table, ITEM_COLUMNS, rows, flex=("name",))
        if previous in self._items:
            table.move_cursor(row=table.get_row_index(previous))
        elif rows:
            # Start on the first item with a key: that is what bundles are built from.
            ranked = sorted(range(len(usable)), key=lambda i: (not usable[i].has_key, usable[i].kind == "ca", i))
            first = ranked[0]
            table.move_cursor(row=first)
        if not rows:
            self._set_status("No certificates in the workspace: run 'certbench demo' or create one.")
            self._item = None
            self._schedule_plan()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = str(event.row_key.value) if event.row_key.value is not None else None
        if name != self._item:
            self._item = name
            self._update_default_out()
            self._schedule_plan()

    # -- the form ----------------------------------------------------------------------------------

    def _choice(self) -> BundleChoice:
        value = self.query_one("#keystore-kind", Select).value
        return CHOICES.get(str(value), BUNDLE_CHOICES[0])

    def _profile(self) -> str | None:
        value = self.query_one("#keystore-profile", Select).value
        return None if value in (NO_PROFILE, Select.NULL) else str(value)

    def _value(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value

    def _unencrypted(self) -> bool:
        return (
            self._choice().kind is ks.BundleKind.KEYSTORE_JAR
            and self.query_one("#keystore-unencrypted", Checkbox).value
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "keystore-kind":
            self._apply_kind()
            self._update_default_out()
        self._schedule_plan()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._apply_kind()
        self._schedule_plan()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "keystore-out":
            self._check_out()
            self._show_verdict()  # the file name is in the status line, not in the plan
            return
        self._schedule_plan()

    def _apply_kind(self) -> None:
        choice = self._choice()
        unencrypted = self.query_one("#keystore-unencrypted", Checkbox)
        unencrypted.disabled = choice.kind is not ks.BundleKind.KEYSTORE_JAR
        no_password = choice.kind is ks.BundleKind.PEM_CHAIN or self._unencrypted()
        self.query_one("#keystore-item-password", Input).disabled = not choice.kind.needs_key
        for widget_id in ("#keystore-password", "#keystore-repeat"):
            self.query_one(widget_id, Input).disabled = no_password

    def _update_default_out(self) -> None:
        out = self.query_one("#keystore-out", Input)
        if self._item is None:
            return
        proposed = f"{self._item}{self._choice().suffix}"
        if not out.value or out.value == self._auto_out:
            out.value = proposed
        self._auto_out = proposed

    def _update_password_hint(self, verdict: Verdict) -> None:
        hint = self.query_one("#keystore-password-hint", Static)
        if self.query_one("#keystore-password", Input).disabled:
            hint.update(Text("This bundle has no password.", style="dim"))
            return
        password = self._value("#keystore-password")
        repeat = self._value("#keystore-repeat")
        colors = self.app.get_css_variables()
        text = Text()
        problem = password_problem(password)
        if not password:
            text.append("Type a password for the new file.", style="dim")
        elif problem is not None:
            text.append("✗ ", style=f"bold {colors.get('error', 'red')}")
            text.append(problem)
        else:
            text.append("✓ ", style=f"bold {colors.get('success', 'green')}")
            text.append("no restricted characters")
        match = next((check for check in verdict.checks if check.code == "form.repeat"), None)
        if repeat and match is not None and not match.passed:
            text.append("   ✗ ", style=f"bold {colors.get('error', 'red')}")
            text.append(match.reason)
        hint.update(text)

    # -- the live plan -----------------------------------------------------------------------------

    def _schedule_plan(self) -> None:
        if self._plan_timer is not None:
            self._plan_timer.stop()
        self._plan_timer = call_once_after(self, PLAN_DELAY, self._run_plan)
        self._show_verdict()  # at once: the form's own checks, and the plan's marked as being redone

    def _plan_inputs(self) -> dict[str, Any]:
        choice = self._choice()
        item_password = self._value("#keystore-item-password")
        password = self._value("#keystore-password")
        uses_password = choice.kind is not ks.BundleKind.PEM_CHAIN and not self._unencrypted()
        return {
            "kind": choice.kind,
            "legacy": choice.legacy,
            "item_password": item_password.encode() if item_password and choice.kind.needs_key else None,
            "password": password.encode() if password and uses_password else None,
            "encrypt_key": not self._unencrypted(),
            "profile": self._profile(),
        }

    def _run_plan(self) -> None:
        self._plan_timer = None
        name = self._item
        inputs = self._plan_inputs()
        if name is None:
            self._show_plan(None, (None, inputs))
            return
        workspace = self.workspace
        now = self.now()

        def work() -> ks.BundlePlan:
            return ks.plan_item_bundle(workspace, name, now=now, **inputs)

        run_task(
            self,
            work,
            description=f"keystore: check {name} as {inputs['kind']}",
            group="keystore-plan",
            on_done=lambda plan: self._show_plan(plan, (name, inputs)),
        )

    def _show_plan(self, plan: ks.BundlePlan | None, planned: tuple[str | None, dict[str, Any]]) -> None:
        self._plan = plan
        self._planned = planned
        chain_widget = self.query_one("#keystore-chain", Static)
        self._show_verdict()
        if plan is None:
            chain_widget.update(Text("Pick an item.", style="dim"))
            return
        colors = self.app.get_css_variables()
        chain = Text()
        roles = chain_roles(plan.source.chain, complete=plan.source.ends_at_root)
        for index, (certificate, role) in enumerate(zip(plan.source.chain, roles, strict=True)):
            # The date before the subject: on a narrow terminal a long subject is cut at the end, one line each.
            chain.append(f"{index + 1}. {role:<12} ", style="bold")
            chain.append(f"until {certificate.not_valid_after_utc:%Y-%m-%d}  ", style="dim")
            chain.append(rfc4514(certificate.subject) + "\n")
        if not plan.source.ends_at_root:
            chain.append(
                "   the root is not in the workspace: import it as a CA item\n", style=colors.get("warning", "")
            )
        chain.rstrip()
        chain_widget.update(chain)

    def verdict(self) -> Verdict:
        """The verdict on the form as it is now (see :func:`keystore_verdict`)."""
        return keystore_verdict(
            self._plan,
            stale=self._planned != (self._item, self._plan_inputs()),
            needs_password=not self.query_one("#keystore-password", Input).disabled,
            password=self._value("#keystore-password"),
            repeat=self._value("#keystore-repeat"),
        )

    def _show_verdict(self) -> None:
        """Redraw the password hint, the checklist and the status line, all from one :meth:`verdict`."""
        verdict = self.verdict()
        self._update_password_hint(verdict)
        colors = self.app.get_css_variables()
        checklist = self.query_one("#keystore-checklist", Static)
        # Stacked (80x24), a passed check is one line, cut at the pane's edge: what is left to fix keeps its
        # whole reason, and the whole list fits under the form.
        one_line = checklist.size.width if self.has_class("-narrow") else 0
        lines = Text()
        for check in verdict.checks:
            stale = not verdict.is_current(check)
            line = Text()
            if check.passed:
                line.append("✓ ", style="dim" if stale else f"bold {colors.get('success', 'green')}")
            elif check.severity == "error":
                line.append("✗ ", style="dim" if stale else f"bold {colors.get('error', 'red')}")
            elif check.severity == "pending":
                line.append("… ", style="dim")
            else:
                line.append("! ", style="dim" if stale else f"bold {colors.get('warning', 'yellow')}")
            line.append(f"{check.title}:", style="dim" if stale else "bold")
            line.append(f" {check.reason}", style="dim" if stale else "")
            if check.passed and one_line > 0:
                line.truncate(one_line, overflow="ellipsis")
            lines.append_text(line)
            lines.append("\n")
        lines.rstrip()
        checklist.update(lines)
        pane = self.query_one("#keystore-checklist-pane")
        failures = verdict.failures
        pane.border_title = f"Checklist ({len(failures)} to fix)" if failures else "Checklist"
        if not verdict.checks:
            return  # no item: the item list's own message stays
        if failures:
            first = failures[0]
            more = f" (+{len(failures) - 1}, key c)" if len(failures) > 1 else ""
            self._set_status(f"✗ {first.title}: {first.reason}{more}")
        elif verdict.checking:
            self._set_status("Checking...")
        else:
            out = self._check_out()
            self._set_status(out.ready_line("ctrl+s") if out.ok else f"Fix the output path: {out.problem}")

    def _set_status(self, message: str) -> None:
        self.query_one("#keystore-status", Static).update(Text(message))

    # -- writing -----------------------------------------------------------------------------------

    def _check_out(self) -> OutputCheck:
        """Check the output path as typed: the line under it says where it writes or why it cannot, and
        Write is off while it cannot (a folder, a folder that does not exist)."""
        check = check_output_path(self.workspace, self._value("#keystore-out"))
        show_output_check(self.query_one("#keystore-out-hint", Static), check)
        if check.ok != self._out_ok:
            self._out_ok = check.ok
            self.refresh_bindings()
        return check

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write" and not self._out_ok:
            return None
        return super().check_action(action, parameters)

    def action_write(self) -> None:
        name = self._item
        if name is None:
            self.notify("Pick an item first", severity="warning")
            return
        failures = self.verdict().failures
        if failures:  # what the status line names; a plan still being made is checked again by the write
            self.notify(f"Not written: {failures[0].title}: {failures[0].reason}", severity="error", markup=False)
            return
        check = self._check_out()
        target = check.target
        if target is None or check.problem is not None:
            self.notify(check.problem or "type a file name", title="Output", severity="error", markup=False)
            return
        if target.exists():

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self._write(name, target, overwrite=True)

            self.app.push_screen(
                ConfirmModal(f"{target} already exists. Overwrite it?", confirm_label="Overwrite"),
                confirmed,
            )
            return
        self._write(name, target, overwrite=False)

    def _write(self, name: str, target: Path, *, overwrite: bool) -> None:
        workspace = self.workspace
        now = self.now()
        inputs = self._plan_inputs()

        def work() -> Path:
            plan = ks.plan_item_bundle(workspace, name, now=now, **inputs)
            return bundles.write_item_bundle(workspace, name, plan, target, now=now, overwrite=overwrite)

        run_task(
            self,
            work,
            description=f"keystore: write {name} as {inputs['kind']}",
            group="keystore-write",
            on_done=self._written,
        )

    def _written(self, path: Path) -> None:
        self.last_written = path
        self.notify(f"Wrote {path}", title="Keystore", markup=False)
        self._set_status(f"Wrote {path}")  # absolute, like every report of a write
        self.return_to_list()  # done: the next digit switches screens instead of typing into a password
