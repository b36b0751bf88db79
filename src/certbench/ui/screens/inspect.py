"""The Inspect screen: open any certificate file(s), see every certificate, the chain as a tree, the
details of the highlighted certificate and the chain doctor's findings with their fixes; run a partner
profile; save the fixed chain, copy a fingerprint, import into the workspace.

All reading and analysis runs in a worker (:func:`certbench.ui.tasks.run_task`); a 5,000-certificate
bundle fills a virtualised DataTable. Strings from files always go in as ``Text`` (never markup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import (
    DataTable,
    Input,
    Select,
    Static,
)

from certbench.core.actions.inspect import inspect_files
from certbench.core.actions.items import import_certificate
from certbench.core.chain import chain_pem
from certbench.core.checks import Check
from certbench.core.describe import common_name, describe_certificate, subject_alt_names
from certbench.core.errors import CertbenchError, PasswordError
from certbench.core.rules import list_profiles, run_profile
from certbench.core.safe_write import write_atomic
from certbench.core.workspace import Item
from certbench.ui.collector import collector_paused, give_back_to_collections, keep_out_of_collections
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.open_file import OpenFileModal, WorkspacePickModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.chain_view import Analysis, ChainView, build_analysis, slug
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.output_path import check_output_path
from certbench.ui.widgets.tables import middle_ellipsis
from certbench.ui.widgets.toggles import TypeAheadSelect

#: The path field's placeholders: opening replaces the open files; after ``a`` Enter adds to them. Each fits
#: the field at 80 columns.
OPEN_PLACEHOLDER = "/ a path, then Enter (o: picker)"
ADD_PLACEHOLDER = "a file to add, then Enter"
#: The status line's room for the names of the open files (it fits 80 columns).
STATUS_WIDTH = 78
#: The fixes' CLI wording -> this screen's key.
FIX_KEYS = {
    "certbench writes it: inspect --fix-out, or Save fixed chain": "s (Save chain) writes it",
    "--fix-out": "s (Save chain)",
}


def _analyze(
    paths: Sequence[str], passwords: dict[str, bytes], now_value: datetime, colors: Mapping[str, str]
) -> Analysis:
    """Read every path (with its password, if one was given) and analyse them together.

    Runs in a worker with automatic collections paused: a collection holds the GIL, and over the
    objects of thousands of certificates each one stalled the UI thread for 0.3-1 s. What the analysis
    built is then kept out of later collections while it is shown (:mod:`certbench.ui.collector`)."""
    with collector_paused():
        inspection = inspect_files(paths, passwords, now=now_value)
        analysis = build_analysis(paths, inspection.materials, inspection.errors, inspection.report, now_value, colors)
        keep_out_of_collections()
    return analysis


class InspectScreen(CertbenchScreen):
    """Open files, see certificates, chain, details and findings; fix and save."""

    PALETTE_GROUP = "Inspect"
    DEFAULT_CSS = """
    InspectScreen #inspect-top {
        padding: 0 1 0 0;
    }
    InspectScreen #inspect-path {
        width: 1fr;
    }
    InspectScreen #inspect-profile {
        width: 34;
    }
    """
    PANE_TITLES = {
        "#inspect-certs": "Certificates",
        "#inspect-chain": "Chain",
        "#inspect-details-pane": "Details",
        "#inspect-findings": "Findings",
    }
    PRIMARY_FOCUS = "#inspect-path"
    LIST_FOCUS = "#inspect-certs"
    FIELD_ENTER = "Path field: open the typed file instead of the open ones (after a: add it), then to the list"
    # The footer fits 80 columns: the lesser keys are in the help (?) and the palette only.
    BINDINGS = [
        Binding(
            "slash",
            "focus_path",
            "Path",
            id="inspect.path",
            tooltip="Type a file to open (the path field)",
            priority=True,  # before the next key is handed on (CertbenchScreen.jump_to_field)
        ),
        Binding(
            "o,ctrl+o",
            "open_file",
            "Open",
            id="inspect.open",
            tooltip="Open a file with the file picker (instead of the open ones)",
        ),
        Binding(
            "a",
            "add_file",
            "Add file",
            id="inspect.add",
            tooltip="Type a file to add to the open ones (analysed together)",
            show=False,
            priority=True,  # like /
        ),
        Binding(
            "w",
            "open_workspace",
            "Workspace item",
            id="inspect.workspace",
            tooltip="Open a workspace item (instead of the open files)",
            show=False,
        ),
        Binding(
            "s,ctrl+s",
            "save_fixed",
            "Save chain",
            id="inspect.save",
            tooltip="Write the fixed chain (leaf -> root) as PEM",
        ),
        Binding(
            "f",
            "copy_fingerprint",
            "Copy SHA-256",
            id="inspect.copy",
            tooltip="Copy the SHA-256 fingerprint",
            show=False,
        ),
        Binding(
            "i",
            "import_item",
            "Import",
            id="inspect.import",
            tooltip="Import the open files (key too) into the workspace",
        ),
        Binding(
            "p", "run_profile", "Profile", id="inspect.profile", tooltip="Check against the chosen partner profile"
        ),
        Binding(
            "x", "close_file", "Close", id="inspect.close", tooltip="Close the file of the highlighted certificate"
        ),
        Binding("ctrl+l", "clear", "Close all", id="inspect.clear", tooltip="Close every open file", show=False),
        Binding(
            "n",
            "open_server",
            "From server",
            id="inspect.server",
            tooltip="Probe a TLS server (the Probe screen)",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[str] = []
        self._passwords: dict[str, bytes] = {}
        self._declined: set[str] = set()
        self.profile_checks: list[Check] = []
        #: The path field's next Enter adds to the open files (``a``) instead of replacing them.
        self._adding = False

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with FormRow(id="inspect-top"):
            yield FieldLabel("File")
            yield Input(placeholder=OPEN_PLACEHOLDER, id="inspect-path", compact=True)
            yield FieldLabel("Profile")
            yield TypeAheadSelect(
                [(profile.title, profile.name) for profile in list_profiles()],
                prompt="none",
                id="inspect-profile",
                compact=True,
            )
        yield ChainView("inspect", placeholder="Open a file to inspect it.", fix_keys=FIX_KEYS, id="inspect-body")
        yield Static(Text("No file open."), id="inspect-status", classes="status-line")
        yield JobFooter()

    @property
    def analysis(self) -> Analysis | None:
        """What is open and its report (None before the first load and after Clear)."""
        return self.query_one(ChainView).analysis

    # Opening -----------------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "inspect-path" and event.value.strip():
            self.certbench_app.remember_folder_of(event.value.strip())
            self.open_paths([event.value.strip()], add=self._adding)
            event.input.value = ""
            self.return_to_list()  # the one-letter keys (s, f, i...) work at once

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Leaving the path field ends an ``a`` (add): the next Enter there opens instead again."""
        path = self.query_one("#inspect-path", Input)
        if self._adding and self.focused is not path:
            self._set_adding(False)

    def _set_adding(self, adding: bool) -> None:
        self._adding = adding
        self.query_one("#inspect-path", Input).placeholder = ADD_PLACEHOLDER if adding else OPEN_PLACEHOLDER

    def action_focus_path(self) -> None:
        """``/``: back to the path field from anywhere on the screen (k9s style), to open another file."""
        self._set_adding(False)
        self.jump_to_field(self.query_one("#inspect-path", Input))

    def action_add_file(self) -> None:
        """``a``: the path field, whose Enter then adds the typed file to the open ones."""
        self.jump_to_field(self.query_one("#inspect-path", Input))
        self._set_adding(True)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choosing a partner profile runs it on the open files (p runs it again)."""
        if event.select.id == "inspect-profile" and isinstance(event.value, str) and self.analysis is not None:
            self.action_run_profile()

    def action_open_file(self) -> None:
        self.app.push_screen(OpenFileModal(self.certbench_app.last_folder or Path.home()), self._picked)

    def _picked(self, path: str | None) -> None:
        if path:
            self.certbench_app.remember_folder_of(path)
            self.open_paths([path])
            self.return_to_list()

    def _picked_item(self, files: str | None) -> None:
        if files:
            self.open_paths(files.split("\n"))

    def action_open_workspace(self) -> None:
        workspace = self.workspace

        def listed(items: list[Item]) -> None:
            options = []
            for item in items:
                files = [str(p) for p in (item.cert_path, item.chain_path) if p.exists()]
                if files:
                    options.append((f"{item.name}  ({item.kind})  {item.subject}", "\n".join(files)))
            if not options:
                self.notify("The workspace has no certificate items", severity="warning", markup=False)
                return
            self.app.push_screen(WorkspacePickModal(options), self._picked_item)

        run_task(self, workspace.list_items, description="inspect: list workspace", group="inspect-ws", on_done=listed)

    def open_paths(self, paths: Sequence[str], *, add: bool = False) -> None:
        """Open ``paths`` instead of the open files (``add``: with them) and analyse everything together."""
        if not add:
            self._paths.clear()
            self._passwords.clear()
            self._declined.clear()
        for path in paths:
            if path not in self._paths:
                self._paths.append(path)
        self._reload()

    def _reload(self) -> None:
        if not self._paths:
            return
        paths = tuple(self._paths)
        passwords = dict(self._passwords)
        now = self.now()
        colors = self.app.get_css_variables()
        self.query_one("#inspect-status", Static).update(Text(f"Reading and analysing {len(paths)} file(s)..."))
        self.query_one("#inspect-certs", DataTable).loading = True
        run_task(
            self,
            lambda: _analyze(paths, passwords, now, colors),
            description=f"inspect: analyse {len(paths)} file(s)",
            group="inspect-load",
            on_done=self._show,
            on_error=self._failed,
        )

    def _failed(self, error: CertbenchError) -> None:
        self.query_one("#inspect-certs", DataTable).loading = False
        self.list_ready()
        self.notify(str(error), title="Error", severity="error", markup=False, timeout=8)

    def _show(self, analysis: Analysis) -> None:
        self.profile_checks = []
        self.query_one("#inspect-certs", DataTable).loading = False
        self.query_one(ChainView).show(analysis, self.now())
        self.list_ready()
        report = analysis.report
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = sum(f.severity == "warning" for f in report.findings)
        counts = ", ".join(
            counted(number, noun)
            for number, noun in (
                (len(report.certificates), "cert"),
                (len(report.keys), "key"),
                (errors, "error"),
                (warnings, "warning"),
            )
        )
        self.query_one("#inspect-status", Static).update(Text(f"{open_files(analysis.paths, counts)} | {counts}"))
        self._ask_passwords(analysis.errors)

    def _ask_passwords(self, errors: Sequence[CertbenchError]) -> None:
        for error in errors:
            path = error.path
            if not isinstance(error, PasswordError) or path is None or path in self._declined:
                continue
            wrong = None if error.missing else error.message

            def answered(value: str | None, path: str = path) -> None:
                if value is None:
                    self._declined.add(path)
                    return
                self._passwords[path] = value.encode()
                self._reload()

            self.app.push_screen(PasswordModal(f"Password for {Path(path).name}", error=wrong), answered)
            return

    # Actions -----------------------------------------------------------------------------------------

    def action_clear(self) -> None:
        self._paths.clear()
        self._passwords.clear()
        self._declined.clear()
        self.profile_checks = []
        self.query_one(ChainView).clear()
        give_back_to_collections()  # what the closed analyses kept out of collections may go now
        self.query_one("#inspect-status", Static).update(Text("No file open."))

    def action_close_file(self) -> None:
        """Close the file the highlighted certificate came from; the others stay open and are re-analysed."""
        cert_id = self.query_one(ChainView).highlighted_id()
        path = self.analysis.report.entry(cert_id).path if cert_id is not None and self.analysis else None
        if path is None or path not in self._paths:
            self.notify("Highlight a certificate of the file to close", severity="warning")
            return
        self._paths.remove(path)
        self._passwords.pop(path, None)
        self.notify(f"Closed {path}", markup=False)
        if self._paths:
            self._reload()
        else:
            self.action_clear()

    def action_copy_fingerprint(self) -> None:
        cert_id = self.query_one(ChainView).highlighted_id()
        if cert_id is None or self.analysis is None:
            self.notify("Open a file first", severity="warning")
            return
        certificate = self.analysis.report.entry(cert_id).certificate
        fingerprint = describe_certificate(certificate, now=self.now()).sha256
        self.app.copy_to_clipboard(fingerprint)
        self.notify(f"Copied the SHA-256 of {common_name(certificate)}: {fingerprint}", markup=False)

    def action_save_fixed(self) -> None:
        if self.analysis is None or not self.analysis.report.chain:
            self.notify("Open a certificate file first", severity="warning")
            return
        fixed = self.analysis.report.fixed_chain()
        leaf = slug(common_name(fixed[0]))
        question = (
            f"Write the fixed chain ({len(fixed)} certificates, leaf -> root) as PEM to "
            f"(a relative path is in {self.workspace.artifacts_dir}):"
        )
        self.app.push_screen(
            SavePathModal(question, f"{leaf}-chain.pem", check=lambda typed: check_output_path(self.workspace, typed)),
            lambda path: self._save(path, False),
        )

    def _save(self, typed: str | None, overwrite: bool) -> None:
        if not typed or self.analysis is None:
            return
        path = self.workspace.output_path(typed)
        if path.exists() and not overwrite:

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self._save(str(path), True)

            self.app.push_screen(ConfirmModal(f"{path} exists. Overwrite it?", confirm_label="Overwrite"), confirmed)
            return
        data = chain_pem(self.analysis.report.fixed_chain())
        count = len(self.analysis.report.fixed_chain())

        def done(written: Path) -> None:
            self.notify(f"Wrote the fixed chain ({count} certificates, leaf first) to {written}", markup=False)

        run_task(
            self,
            lambda: write_atomic(path, data, overwrite=overwrite),
            description="inspect: save fixed chain",
            group="inspect-save",
            on_done=done,
        )

    def action_import_item(self, overwrite: bool = False) -> None:
        files = [path for path in self._paths if Path(path).is_file()]
        if files and not overwrite:
            # Open files go through the import dialog: their key comes along (a .pfx's, a keystore entry's).
            from certbench.ui.modals.import_identity import ImportModal

            def imported(name: str | None) -> None:
                if name:
                    self.notify(f"Imported {name} into the workspace", markup=False)

            self.app.push_screen(ImportModal(self.workspace, self.now(), paths="; ".join(files)), imported)
            return
        cert_id = self.query_one(ChainView).highlighted_id()
        if cert_id is None or self.analysis is None:
            self.notify("Open a file first", severity="warning")
            return
        report = self.analysis.report
        certificate = report.entry(cert_id).certificate
        chain = list(report.fixed_chain()[1:]) if report.chain and report.chain[0] == certificate else []
        name = slug(common_name(certificate)) or cert_id
        workspace = self.workspace
        now = self.now()
        if workspace.has(name) and not overwrite:

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self.action_import_item(overwrite=True)

            self.app.push_screen(
                ConfirmModal(f"A workspace item named {name!r} exists. Replace it?", confirm_label="Replace"), confirmed
            )
            return

        def work() -> str:
            item = import_certificate(
                workspace, name, certificate, chain, now=now, source="inspect", overwrite=overwrite
            )
            return str(item.name)

        def done(imported: str) -> None:
            extra = f" with {len(chain)} chain certificate(s)" if chain else ""
            self.notify(f"Imported {imported} into the workspace{extra} (certificate only, no key)", markup=False)

        run_task(self, work, description="inspect: import into workspace", group="inspect-import", on_done=done)

    async def action_open_server(self) -> None:
        """Switch to the Probe screen, its host field holding the highlighted certificate's first DNS/IP name."""
        from certbench.ui.screens.probe import ProbeScreen

        cert_id = self.query_one(ChainView).highlighted_id()
        host = ""
        if cert_id is not None and self.analysis is not None:
            names = subject_alt_names(self.analysis.report.entry(cert_id).certificate)
            host = next((n.split(":", 1)[1] for n in names if n.startswith(("DNS:", "IP:")) and "*" not in n), "")
        await self.app.switch_mode("probe")
        screen = self.app.screen
        if isinstance(screen, ProbeScreen):
            screen.prefill(host)

    def action_run_profile(self) -> None:
        if self.analysis is None or not self.analysis.materials:
            self.notify("Open a file first", severity="warning")
            return
        selected = self.query_one("#inspect-profile", Select).value
        if not isinstance(selected, str):
            self.notify("Choose a partner profile first (the list at the top right)", severity="warning")
            self.query_one("#inspect-profile", Select).focus()
            return
        materials = list(self.analysis.materials)
        now = self.now()
        analysis = self.analysis

        def done(checks: list[Check]) -> None:
            self.profile_checks = checks
            self.query_one(ChainView).show_findings(analysis.report.findings, checks)
            failed = [c for c in checks if not c.passed]
            verdict = "passes" if not failed else f"fails {len(failed)} rule(s)"
            self.query_one("#inspect-status", Static).update(Text(f"Profile {selected}: {verdict}"))

        run_task(
            self,
            lambda: run_profile(selected, materials, now=now),
            description=f"inspect: profile {selected}",
            group="inspect-profile",
            on_done=done,
        )


def counted(number: int, noun: str) -> str:
    """``1 cert``, ``3 certs``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def open_files(paths: Sequence[str], after: str) -> str:
    """``open: a.pem, b.pem`` for the status line, before ``after`` (the counts) in :data:`STATUS_WIDTH`:
    ``open: 3 files: a.pem +2`` when the names do not fit, a long name cut in the middle with ``…``
    (its start and its extension both tell files apart)."""
    room = STATUS_WIDTH - len(" | ") - len(after)
    names = [Path(path).name for path in paths]
    listed = f"open: {', '.join(names)}"
    if len(listed) <= room:
        return listed
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    lead = f"open: {len(names)} files: " if more else "open: "
    return f"{lead}{middle_ellipsis(names[0], max(room - len(lead) - len(more), 8))}{more}"
