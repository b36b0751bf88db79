"""The chain doctor's report as the Inspect and Probe screens show it.

:class:`ChainView`: on the left the certificate table and the chain tree, on the right the details of
the highlighted certificate, the findings and the message and fix of the highlighted finding.
:func:`build_analysis` turns a :class:`~certbench.core.chain.ChainReport` into the rows it shows (run it
in a worker: it describes every certificate). Strings from certificates always go in as ``Text``.
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
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static, Tree

from certbench.core.chain import ChainReport, Finding
from certbench.core.checks import Check
from certbench.core.describe import common_name, describe_certificate
from certbench.core.errors import CertbenchError
from certbench.core.formats.material import Material
from certbench.core.roles import certificate_roles
from certbench.core.safe_text import terminal_safe
from certbench.core.validity import days_left
from certbench.ui.widgets.tables import FitTable, TableFiller, column_widths, fill_table
from certbench.ui.widgets.timeline import days_left_text

CERT_COLUMNS = (("Id", "id"), ("Name", "name"), ("Role", "role"), ("Not after", "not_after"), ("Left", "left"))
FINDING_COLUMNS = (("Severity", "severity"), ("Code", "code"), ("Message", "message"))
#: Chains drawn in the tree (the best first); the table lists every certificate.
MAX_TREE_CHAINS = 25
#: Widest findings column (the message; the pane below shows it whole).
FINDING_MAX_WIDTH = 200

Rows = list[tuple[str, list[Text]]]
#: What the pane under the findings shows for a row: headline, label ("Fix" or "Why") and its text.
FixText = tuple[str, str, str]


@dataclass
class FindingRows:
    """The findings table's rows, each row's message and fix (by row key), and the column widths."""

    rows: Rows
    fixes: dict[str, FixText]
    widths: list[int]


@dataclass
class Analysis:
    """What one load produces: the materials read, the errors, the report and the table rows."""

    paths: tuple[str, ...]
    materials: list[Material]
    errors: list[CertbenchError]
    report: ChainReport
    rows: list[tuple[str, list[Text]]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    #: The certificate table's column widths, measured with the rows (in the worker, not on the UI thread).
    widths: list[int] = field(default_factory=list)
    #: The report's findings as table rows, built in the worker when the theme's colours were given.
    findings: FindingRows | None = None


def build_analysis(
    paths: Sequence[str],
    materials: list[Material],
    errors: list[CertbenchError],
    report: ChainReport,
    now: datetime,
    colors: Mapping[str, str] | None = None,
) -> Analysis:
    """The table rows and certificate roles of ``report`` (which analysed ``materials``); days left as
    everywhere (with unit, coloured with the theme's ``colors`` when given)."""
    roles = {cert_id: str(role) for cert_id, role in certificate_roles(report).items()}
    rows = []
    for entry in report.certificates:
        certificate = entry.certificate
        left = days_left(certificate, now)
        rows.append(
            (
                entry.id,
                [
                    Text(entry.id),
                    Text(common_name(certificate)),
                    Text(roles.get(entry.id, "")),
                    Text(certificate.not_valid_after_utc.strftime("%Y-%m-%d")),
                    days_left_text(left, colors or {}),
                ],
            )
        )
    findings = finding_rows(report.findings, [], colors) if colors is not None else None
    return Analysis(tuple(paths), materials, errors, report, rows, roles, column_widths(CERT_COLUMNS, rows), findings)


def finding_rows(findings: Sequence[Finding], checks: Sequence[Check], colors: Mapping[str, str]) -> FindingRows:
    """Rows of ``findings`` then of a partner profile's ``checks``, severities in the theme's ``colors``."""
    style = {
        "error": colors.get("error", ""),
        "warning": colors.get("warning", ""),
        "info": colors.get("primary", ""),
    }
    rows: Rows = []
    fixes: dict[str, FixText] = {}
    for number, finding in enumerate(findings):
        key = f"f{number}"
        fixes[key] = (finding.message, "Fix", finding.fix)
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
        fixes[key] = (check.title, "Why", check.reason)
        verdict = "PASS" if check.passed else check.severity.upper()
        color = colors.get("success", "") if check.passed else style.get(check.severity, "")
        rows.append((key, [Text(verdict, style=f"bold {color}".strip()), Text(check.code), Text(check.title)]))
    return FindingRows(rows, fixes, column_widths(FINDING_COLUMNS, rows, max_width=FINDING_MAX_WIDTH))


def _recolour_column(
    table: DataTable[Text], columns: Sequence[tuple[str, str]], rows: Rows, column: str, cells: Mapping[str, Text]
) -> None:
    """Put ``cells`` (by row key) in the ``column`` of ``rows`` (``columns`` as (title, key)): in those a fill
    has still to add, and in the rows ``table`` shows already."""
    index = [key for _title, key in columns].index(column)
    for key, row in rows:
        row[index] = cells[key]
        if key in table.rows:
            table.update_cell(key, column, cells[key])


def slug(value: str) -> str:
    """A file or item name made from a certificate's name (``api.example.com``, ``Acme-Root-CA``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")[:60]


def common_name_of_issuer(certificate: x509.Certificate) -> str:
    for attribute in certificate.issuer.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME):
        return str(attribute.value)
    return certificate.issuer.rfc4514_string()


class ChainView(Horizontal):
    """Certificates, chain tree, details and findings of one :class:`Analysis`.

    Its parts get the ids ``{prefix}-certs``, ``{prefix}-chain``, ``{prefix}-details``,
    ``{prefix}-findings`` and ``{prefix}-fix``, so each screen's tests and styles name their own.
    """

    DEFAULT_CSS = """
    ChainView {
        height: 1fr;
    }
    ChainView > .chain-left {
        width: 56;
        height: 1fr;
    }
    ChainView .chain-certs {
        height: 1fr;
    }
    ChainView .chain-tree {
        height: 9;
        border-top: solid $primary;
    }
    ChainView > .chain-right {
        width: 1fr;
        height: 1fr;
        border-left: solid $primary;
    }
    ChainView .chain-details-pane {
        height: 1fr;
        padding: 0 1;
    }
    ChainView .chain-findings {
        height: 8;
        border-top: solid $primary;
    }
    ChainView .chain-fix {
        height: 4;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(
        self, prefix: str, *, placeholder: str, fix_keys: Mapping[str, str] | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.prefix = prefix
        self.placeholder = placeholder
        #: CLI wording in the findings' fixes -> the screen's key for it ("--fix-out" -> "s (Save chain)").
        self.fix_keys = dict(fix_keys or {})
        self.analysis: Analysis | None = None
        self._now: datetime | None = None
        self._finding_fixes: dict[str, FixText] = {}
        #: The findings and checks shown, and their rows as given to the table (:meth:`_recolour`).
        self._findings_shown: tuple[Sequence[Finding], Sequence[Check]] = ((), ())
        self._finding_rows: Rows = []
        #: The row to highlight once the table's fill has added it (the best chain's leaf).
        self._cursor_pending: str | None = None

    def compose(self) -> ComposeResult:
        prefix = self.prefix
        with Vertical(id=f"{prefix}-left", classes="chain-left"):
            yield FitTable(id=f"{prefix}-certs", classes="chain-certs", cursor_type="row", zebra_stripes=True)
            yield Tree(Text("Chain"), id=f"{prefix}-chain", classes="chain-tree")
        with Vertical(id=f"{prefix}-right", classes="chain-right"):
            with VerticalScroll(id=f"{prefix}-details-pane", classes="chain-details-pane"):
                yield Static(Text(self.placeholder), id=f"{prefix}-details")
            yield FitTable(id=f"{prefix}-findings", classes="chain-findings", cursor_type="row")
            yield Static(Text(""), id=f"{prefix}-fix", classes="chain-fix")

    def on_mount(self) -> None:
        # Thousands of certificates (and as many findings) fill their tables in steps (TableFiller).
        self._certs_filler = TableFiller(self.certs, on_step=self._place_cursor)
        self._findings_filler = TableFiller(self.findings_table, yield_to=self._certs_filler)
        fill_table(self.certs, CERT_COLUMNS, [])
        fill_table(self.findings_table, FINDING_COLUMNS, [])
        self.chain_tree.show_root = True
        self.watch(self.app, "theme", self._recolour, init=False)

    @property
    def certs(self) -> DataTable[Text]:
        return self.query_one(f"#{self.prefix}-certs", DataTable)

    @property
    def findings_table(self) -> DataTable[Text]:
        return self.query_one(f"#{self.prefix}-findings", DataTable)

    @property
    def chain_tree(self) -> Tree[str]:
        return self.query_one(f"#{self.prefix}-chain", Tree)

    # Showing -----------------------------------------------------------------------------------------

    def show(self, analysis: Analysis, now: datetime) -> None:
        """Fill every part from ``analysis`` (the best chain's leaf highlighted)."""
        self.analysis = analysis
        self._now = now
        leaf = analysis.report.chains[0].leaf if analysis.report.chains else None
        self._cursor_pending = leaf
        self._certs_filler.fill(CERT_COLUMNS, analysis.rows, widths=analysis.widths, flex=("name",))
        self._show_chain(analysis)
        self.show_findings(analysis.report.findings, [])
        self.show_details(leaf)

    @property
    def filling(self) -> bool:
        """True while the tables are still getting the rows of the shown analysis."""
        return self._certs_filler.filling or self._findings_filler.filling

    def _place_cursor(self) -> None:
        """After a step of the certificate table's fill: highlight the leaf once its row is there."""
        pending, table = self._cursor_pending, self.certs
        if pending is not None and pending in table.rows:
            self._cursor_pending = None
            table.move_cursor(row=table.get_row_index(pending))

    def clear(self) -> None:
        self.analysis = None
        self._cursor_pending = None
        self._certs_filler.stop()
        self._findings_filler.stop()
        fill_table(self.certs, CERT_COLUMNS, [])
        fill_table(self.findings_table, FINDING_COLUMNS, [])
        tree = self.chain_tree
        tree.clear()
        tree.root.set_label(Text("Chain"))
        self.show_details(None)
        self._show_fix(None)

    def _show_chain(self, analysis: Analysis) -> None:
        tree = self.chain_tree
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

    def show_findings(self, findings: Sequence[Finding], checks: Sequence[Check]) -> None:
        """The findings (and a partner profile's checks) with the first one's message and fix below."""
        colors = self.app.get_css_variables()
        analysis = self.analysis
        built = analysis.findings if analysis is not None and findings is analysis.report.findings else None
        if built is not None:
            # The analysis' own findings, made into rows by the worker; the checks are a few more.
            extra = finding_rows([], checks, colors)
            rows = built.rows + extra.rows
            fixes = built.fixes | extra.fixes
            widths = [max(pair) for pair in zip(built.widths, extra.widths, strict=True)]
        else:
            made = finding_rows(findings, checks, colors)
            rows, fixes, widths = made.rows, made.fixes, made.widths
        self._finding_fixes = fixes
        self._findings_shown, self._finding_rows = (findings, checks), rows
        self._findings_filler.fill(FINDING_COLUMNS, rows, widths=widths, flex=("message", "code"))
        self._show_fix(rows[0][0] if rows else None)

    def _recolour(self) -> None:
        """A theme switch (F2): days left and severities keep the colours of the theme they were made in
        (the dark theme's green on the light background reads at about 1.7:1). Colour them again in place:
        the cursors stay, and rows a fill has still to add get the new colours too."""
        analysis, now = self.analysis, self._now
        if analysis is None or now is None:
            return
        colors = self.app.get_css_variables()
        certificates = {entry.id: entry.certificate for entry in analysis.report.certificates}
        left = {key: days_left_text(days_left(certificates[key], now), colors) for key, _cells in analysis.rows}
        _recolour_column(self.certs, CERT_COLUMNS, analysis.rows, "left", left)
        findings, checks = self._findings_shown
        severity = {key: cells[0] for key, cells in finding_rows(findings, checks, colors).rows}
        _recolour_column(self.findings_table, FINDING_COLUMNS, self._finding_rows, "severity", severity)

    def _show_fix(self, key: str | None) -> None:
        entry = self._finding_fixes.get(key or "")
        if entry is None:
            text = "No findings." if self.analysis is not None else ""
            self.query_one(f"#{self.prefix}-fix", Static).update(Text(text))
            return
        headline, label, text = entry
        if label == "Fix":  # the core's fix names CLI options; a screen shows its own keys instead
            for cli, key_hint in self.fix_keys.items():
                text = text.replace(cli, key_hint)
        self.query_one(f"#{self.prefix}-fix", Static).update(Text(f"{headline}\n{label}: {text}"))

    def show_details(self, cert_id: str | None) -> None:
        details = self.query_one(f"#{self.prefix}-details", Static)
        if self.analysis is None or cert_id is None or self._now is None:
            details.update(Text(self.placeholder))
            return
        entry = self.analysis.report.entry(cert_id)
        summary = describe_certificate(entry.certificate, now=self._now)
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
        if event.data_table is self.certs:
            self.show_details(key)
        elif event.data_table is self.findings_table:
            self._show_fix(key)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data and self.analysis is not None:
            table = self.certs
            table.move_cursor(row=table.get_row_index(event.node.data))
            self.show_details(event.node.data)

    def highlighted_id(self) -> str | None:
        table = self.certs
        if self.analysis is None or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None
