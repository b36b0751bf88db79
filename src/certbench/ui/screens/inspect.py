"""The Inspect screen: open any certificate file(s), see every certificate, the chain as a tree, the
details of the highlighted certificate and the chain doctor's findings with their fixes; run a partner
profile; save the fixed chain, copy a fingerprint, import into the workspace.

All reading and analysis runs in a worker (:func:`certbench.ui.tasks.run_task`); a 5,000-certificate
bundle fills a virtualised DataTable. Strings from files always go in as ``Text`` (never markup).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Select,
    Static,
    Tree,
)

from certbench.core.chain import ChainReport, Finding, analyze_chain, chain_pem
from certbench.core.checks import Check
from certbench.core.describe import common_name, describe_certificate, is_ca
from certbench.core.errors import CertbenchError, PasswordError
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Material
from certbench.core.rules import list_profiles, run_profile
from certbench.core.safe_text import terminal_safe
from certbench.core.safe_write import write_atomic
from certbench.core.validity import days_left
from certbench.core.workspace import Item, ItemKind
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.open_file import OpenFileModal, WorkspacePickModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.tables import fill_table
from certbench.ui.widgets.timeline import days_left_text

CERT_COLUMNS = (("Id", "id"), ("Name", "name"), ("Role", "role"), ("Not after", "not_after"), ("Left", "left"))
FINDING_COLUMNS = (("Severity", "severity"), ("Code", "code"), ("Message", "message"))
#: Chains drawn in the tree (the best first); the table lists every certificate.
MAX_TREE_CHAINS = 25


@dataclass
class Analysis:
    """What one load produces: the materials read, the errors, the report and the table rows."""

    paths: tuple[str, ...]
    materials: list[Material]
    errors: list[CertbenchError]
    report: ChainReport
    rows: list[tuple[str, list[Text]]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)


def _analyze(
    paths: Sequence[str], passwords: dict[str, bytes], now_value: datetime, colors: Mapping[str, str]
) -> Analysis:
    """Read every path (with its password, if one was given) and analyse them together."""
    materials: list[Material] = []
    errors: list[CertbenchError] = []
    for path in paths:
        try:
            materials.append(load_file(path, passwords.get(path)))
        except CertbenchError as exc:
            errors.append(exc.with_path(path))
    report = analyze_chain(materials, now=now_value, errors=errors)
    roles = _roles(report)
    rows = []
    for entry in report.certificates:
        certificate = entry.certificate
        left = days_left(certificate, now_value)
        rows.append(
            (
                entry.id,
                [
                    Text(entry.id),
                    Text(common_name(certificate)),
                    Text(roles.get(entry.id, "")),
                    Text(certificate.not_valid_after_utc.strftime("%Y-%m-%d")),
                    days_left_text(left, colors),
                ],
            )
        )
    return Analysis(tuple(paths), materials, errors, report, rows, roles)


def _roles(report: ChainReport) -> dict[str, str]:
    roles: dict[str, str] = {}
    for number, chain in enumerate(report.chains):
        for depth, cert_id in enumerate(chain.certificates):
            if cert_id in roles and number:
                continue
            certificate = report.entry(cert_id).certificate
            if certificate.subject == certificate.issuer and chain.complete and depth == len(chain.certificates) - 1:
                role = "root"
            elif depth == 0:
                role = "CA" if is_ca(certificate) else "leaf"
            else:
                role = "intermediate"
            roles.setdefault(cert_id, role)
    for entry in report.certificates:
        roles.setdefault(entry.id, "trust anchor" if entry.source == "trust" else "")
    return roles


class InspectScreen(CertbenchScreen):
    """Open files, see certificates, chain, details and findings; fix and save."""

    PALETTE_GROUP = "Inspect"
    PANE_TITLES = {
        "#inspect-certs": "Certificates",
        "#inspect-chain": "Chain",
        "#inspect-details-pane": "Details",
        "#inspect-findings": "Findings",
    }
    DEFAULT_CSS = """
    InspectScreen #inspect-top {
        height: 3;
    }
    InspectScreen #inspect-path {
        width: 1fr;
    }
    InspectScreen #inspect-profile {
        width: 34;
    }
    InspectScreen #inspect-body {
        height: 1fr;
    }
    InspectScreen #inspect-left {
        width: 56;
        height: 1fr;
    }
    InspectScreen #inspect-certs {
        height: 1fr;
    }
    InspectScreen #inspect-chain {
        height: 9;
        border-top: solid $primary;
    }
    InspectScreen #inspect-right {
        width: 1fr;
        height: 1fr;
        border-left: solid $primary;
    }
    InspectScreen #inspect-details-pane {
        height: 1fr;
        padding: 0 1;
    }
    InspectScreen #inspect-findings {
        height: 8;
        border-top: solid $primary;
    }
    InspectScreen #inspect-fix {
        height: 4;
        padding: 0 1;
        color: $text-muted;
    }
    """
    PRIMARY_FOCUS = "#inspect-path"
    LIST_FOCUS = "#inspect-certs"
    BINDINGS = [
        Binding("o,ctrl+o", "open_file", "Open", id="inspect.open", tooltip="Open a file with the file picker"),
        Binding("w", "open_workspace", "Workspace item", id="inspect.workspace", tooltip="Open a workspace item"),
        Binding(
            "s,ctrl+s",
            "save_fixed",
            "Save chain",
            id="inspect.save",
            tooltip="Write the fixed chain (leaf -> root) as PEM",
        ),
        Binding("f", "copy_fingerprint", "Copy SHA-256", id="inspect.copy", tooltip="Copy the SHA-256 fingerprint"),
        Binding("i", "import_item", "Import", id="inspect.import", tooltip="Import the certificate into the workspace"),
        Binding(
            "p", "run_profile", "Profile", id="inspect.profile", tooltip="Check against the chosen partner profile"
        ),
        Binding(
            "x", "close_file", "Close file", id="inspect.close", tooltip="Close the file of the highlighted certificate"
        ),
        Binding("ctrl+l", "clear", "Close all", id="inspect.clear", tooltip="Close every open file"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[str] = []
        self._passwords: dict[str, bytes] = {}
        self._declined: set[str] = set()
        self.analysis: Analysis | None = None
        self.profile_checks: list[Check] = []
        self._finding_fixes: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="inspect-top"):
            yield Input(
                placeholder="type a file to open, Enter (Esc: to the list; o picker, w workspace)", id="inspect-path"
            )
            yield Select(
                [(profile.title, profile.name) for profile in list_profiles()],
                prompt="Partner profile",
                id="inspect-profile",
            )
        with Horizontal(id="inspect-body"):
            with Vertical(id="inspect-left"):
                yield DataTable(id="inspect-certs", cursor_type="row", zebra_stripes=True)
                yield Tree(Text("Chain"), id="inspect-chain")
            with Vertical(id="inspect-right"):
                with VerticalScroll(id="inspect-details-pane"):
                    yield Static(Text("Open a file to inspect it."), id="inspect-details")
                yield DataTable(id="inspect-findings", cursor_type="row")
                yield Static(Text(""), id="inspect-fix")
        yield Static(Text("No file open."), id="inspect-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        fill_table(self.query_one("#inspect-certs", DataTable), CERT_COLUMNS, [])
        fill_table(self.query_one("#inspect-findings", DataTable), FINDING_COLUMNS, [])
        self.query_one("#inspect-chain", Tree).show_root = True

    # Opening -----------------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "inspect-path" and event.value.strip():
            self.open_paths([event.value.strip()])
            event.input.value = ""
            self.return_to_list()  # the one-letter keys (s, f, i...) work at once

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choosing a partner profile runs it on the open files (p runs it again)."""
        if event.select.id == "inspect-profile" and isinstance(event.value, str) and self.analysis is not None:
            self.action_run_profile()

    def action_open_file(self) -> None:
        self.app.push_screen(OpenFileModal(self.certbench_app.last_folder or Path.home()), self._picked)

    def _picked(self, path: str | None) -> None:
        if path:
            self.certbench_app.last_folder = Path(path).parent
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

    def open_paths(self, paths: Sequence[str]) -> None:
        """Add ``paths`` to the open files and analyse everything together."""
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
        self.analysis = analysis
        self.profile_checks = []
        table = self.query_one("#inspect-certs", DataTable)
        table.loading = False
        fill_table(table, CERT_COLUMNS, analysis.rows)
        self.list_ready()
        self._show_chain(analysis)
        self._show_findings(analysis.report.findings, [])
        leaf = analysis.report.chains[0].leaf if analysis.report.chains else None
        if leaf is not None:
            table.move_cursor(row=table.get_row_index(leaf))
        self._show_details(leaf)
        report = analysis.report
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = sum(f.severity == "warning" for f in report.findings)
        status = (
            f"{len(report.certificates)} certificate(s), {len(report.keys)} key(s): {errors} error(s), "
            f"{warnings} warning(s) | open: {', '.join(Path(p).name for p in analysis.paths)} (x closes)"
        )
        self.query_one("#inspect-status", Static).update(Text(status))
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

    # Showing -----------------------------------------------------------------------------------------

    def _show_chain(self, analysis: Analysis) -> None:
        tree: Tree[str] = self.query_one("#inspect-chain", Tree)
        report = analysis.report
        tree.clear()
        if not report.chains:
            tree.root.set_label(Text("No certificate"))
            return
        first = report.chains[0]
        state = "complete" if first.complete else "incomplete"
        trusted = "" if first.trusted is None else (", trusted" if first.trusted else ", NOT trusted")
        tree.root.set_label(Text(f"Chain ({state}, as given: {first.as_given}{trusted})"))
        for number, chain in enumerate(report.chains[:MAX_TREE_CHAINS]):
            node = tree.root
            for cert_id in chain.certificates:
                certificate = report.entry(cert_id).certificate
                label = Text(f"{cert_id}  {common_name(certificate)}  ({analysis.roles.get(cert_id, '')})")
                node = node.add(label, data=cert_id, expand=True)
            if not chain.complete:
                last = report.entry(chain.certificates[-1]).certificate
                node.add_leaf(Text(f"? missing issuer: {common_name_of_issuer(last)}"))
            if number == 0 and len(report.chains) > 1:
                tree.root.add_leaf(Text(f"{len(report.chains) - 1} other chain(s) below"))
        tree.root.expand_all()

    def _show_findings(self, findings: Sequence[Finding], checks: Sequence[Check]) -> None:
        colors = self.app.get_css_variables()
        style = {
            "error": colors.get("error", ""),
            "warning": colors.get("warning", ""),
            "info": colors.get("primary", ""),
        }
        rows: list[tuple[str, list[Text]]] = []
        self._finding_fixes = {}
        for number, finding in enumerate(findings):
            key = f"f{number}"
            self._finding_fixes[key] = f"{finding.message}\nFix: {finding.fix}"
            rows.append(
                (
                    key,
                    [
                        Text(finding.severity.upper(), style=f"bold {style.get(finding.severity, '')}".strip()),
                        Text(finding.code),
                        Text(finding.message),
                    ],
                )
            )
        for number, check in enumerate(checks):
            key = f"p{number}"
            self._finding_fixes[key] = f"{check.title}\nWhy: {check.reason}"
            verdict = "PASS" if check.passed else check.severity.upper()
            color = colors.get("success", "") if check.passed else style.get(check.severity, "")
            rows.append((key, [Text(verdict, style=f"bold {color}".strip()), Text(check.code), Text(check.title)]))
        table = self.query_one("#inspect-findings", DataTable)
        fill_table(table, FINDING_COLUMNS, rows, max_width=200)
        self._show_fix(rows[0][0] if rows else None)

    def _show_fix(self, key: str | None) -> None:
        fix = self._finding_fixes.get(key or "")
        if fix is None:
            text = "No findings." if self.analysis is not None else ""
            self.query_one("#inspect-fix", Static).update(Text(text))
            return
        self.query_one("#inspect-fix", Static).update(Text(fix))

    def _show_details(self, cert_id: str | None) -> None:
        details = self.query_one("#inspect-details", Static)
        if self.analysis is None or cert_id is None:
            details.update(Text("Open a file to inspect it."))
            return
        entry = self.analysis.report.entry(cert_id)
        summary = describe_certificate(entry.certificate, now=self.now())
        text = Text()

        def line(label: str, value: str) -> None:
            text.append(f"{label:<15}", style="bold")
            text.append(f"{terminal_safe(value)}\n")  # a newline in a name must not start a line of its own

        line("Certificate", f"{entry.id} ({self.analysis.roles.get(entry.id, '')})")
        line("Source", f"{Path(entry.path).name} #{(entry.index or 0) + 1}" if entry.path else "trust anchor")
        text.append("Subject\n", style="bold")
        for attribute in summary.subject_attributes:
            text.append(f"  {terminal_safe(attribute.name)}: ", style="italic")
            text.append(f"{terminal_safe(attribute.value)}\n")
        line("Issuer", summary.issuer)
        line("Serial", summary.serial)
        line("Valid", f"{summary.not_before:%Y-%m-%d} -> {summary.not_after:%Y-%m-%d} ({summary.days_left} days left)")
        key = summary.key_type + (f" {summary.key_size} bits" if summary.key_size else "")
        line("Key", key)
        line("Signature", summary.signature_algorithm)
        role = "CA" + (f", pathlen {summary.path_length}" if summary.path_length is not None else "")
        line("Basic constr.", role if summary.is_ca else "end entity")
        line("SAN", ", ".join(summary.san) or "-")
        line("Key usage", ", ".join(summary.key_usage) or "-")
        line("Ext. usage", ", ".join(summary.extended_key_usage) or "-")
        if summary.psd2_roles:
            line("PSD2 roles", ", ".join(summary.psd2_roles))
        line("SKI", summary.ski or "-")
        line("AKI", summary.aki or "-")
        line("SHA-256", summary.sha256)
        line("SHA-1", summary.sha1)
        line("x5t#S256", summary.x5t_s256)
        details.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value) if event.row_key.value is not None else None
        if event.data_table.id == "inspect-certs":
            self._show_details(key)
        elif event.data_table.id == "inspect-findings":
            self._show_fix(key)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data and self.analysis is not None:
            table = self.query_one("#inspect-certs", DataTable)
            table.move_cursor(row=table.get_row_index(event.node.data))
            self._show_details(event.node.data)

    def highlighted_id(self) -> str | None:
        table = self.query_one("#inspect-certs", DataTable)
        if self.analysis is None or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    # Actions -----------------------------------------------------------------------------------------

    def action_clear(self) -> None:
        self._paths.clear()
        self._passwords.clear()
        self._declined.clear()
        self.analysis = None
        self.profile_checks = []
        fill_table(self.query_one("#inspect-certs", DataTable), CERT_COLUMNS, [])
        fill_table(self.query_one("#inspect-findings", DataTable), FINDING_COLUMNS, [])
        tree: Tree[str] = self.query_one("#inspect-chain", Tree)
        tree.clear()
        tree.root.set_label(Text("Chain"))
        self._show_details(None)
        self._show_fix(None)
        self.query_one("#inspect-status", Static).update(Text("No file open."))

    def action_close_file(self) -> None:
        """Close the file the highlighted certificate came from; the others stay open and are re-analysed."""
        cert_id = self.highlighted_id()
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
        cert_id = self.highlighted_id()
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
        leaf = _slug(common_name(fixed[0]))
        question = (
            f"Write the fixed chain ({len(fixed)} certificates, leaf -> root) as PEM to "
            f"(a relative path is in {self.workspace.artifacts_dir}):"
        )
        self.app.push_screen(SavePathModal(question, f"{leaf}-chain.pem"), lambda path: self._save(path, False))

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
        cert_id = self.highlighted_id()
        if cert_id is None or self.analysis is None:
            self.notify("Open a file first", severity="warning")
            return
        report = self.analysis.report
        certificate = report.entry(cert_id).certificate
        chain = list(report.fixed_chain()[1:]) if report.chain and report.chain[0] == certificate else []
        name = _slug(common_name(certificate)) or cert_id
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
            item = workspace.save_item(
                name, ItemKind.IMPORTED, now=now, certificate=certificate, chain=chain, overwrite=overwrite
            )
            workspace.audit("item.import", now, item=item.name, source="inspect")
            return str(item.name)

        def done(imported: str) -> None:
            extra = f" with {len(chain)} chain certificate(s)" if chain else ""
            self.notify(f"Imported {imported} into the workspace{extra} (certificate only, no key)", markup=False)

        run_task(self, work, description="inspect: import into workspace", group="inspect-import", on_done=done)

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
            self._show_findings(analysis.report.findings, checks)
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


def common_name_of_issuer(certificate: x509.Certificate) -> str:
    for attribute in certificate.issuer.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME):
        return str(attribute.value)
    return certificate.issuer.rfc4514_string()


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")[:60]
