"""The Probe screen: connect to a TLS server and diagnose what it presents, as Inspect does for a file.

Type ``host:port`` (Enter runs it), optionally the SNI name, a client identity from the workspace (an
encrypted key asks its password) and trust files. The handshake facts (version, cipher, ALPN), whether
the server asked for a client certificate and from which CAs, the mutual-TLS verdict and trust appear
above the chain doctor's view of the presented chain (:class:`~certbench.ui.widgets.chain_view.ChainView`,
the one Inspect uses). The chain can be saved, its root handed to the Truststore screen, or the chain
imported as a workspace item (the same core function as ``certbench probe --import``).

The connection runs in a worker (:func:`certbench.ui.tasks.run_task`) while a loading indicator spins;
Esc abandons it (the connection itself ends within :data:`PROBE_TIMEOUT`). A connection problem is one
notification and the status line. The network code is imported only when a probe starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, Select, Static
from textual.worker import Worker

from certbench.core.chain import chain_pem
from certbench.core.describe import common_name, iso, rfc4514
from certbench.core.errors import CertbenchError, PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Format, Material
from certbench.core.safe_write import write_atomic
from certbench.core.workspace import Item
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.widgets.chain_view import ChainView, build_analysis, slug
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.output_path import check_output_path
from certbench.ui.widgets.toggles import TickBox, TypeAheadSelect

if TYPE_CHECKING:  # pyOpenSSL is loaded when the first probe runs, not when the screen is shown
    from certbench.core.online.probe import ProbeReport, Target

#: Seconds for the connection and handshake together (the CLI's default ``--timeout``).
PROBE_TIMEOUT = 10.0
#: The ChainView's placeholder before any probe.
PLACEHOLDER = "Type host:port and press Enter to probe it."


@dataclass(frozen=True)
class PasswordNeeded:
    """The probe did not start: the client item ``source`` (``client``) or the trust file ``source``
    needs a password (``error`` says whether one was missing or wrong)."""

    source: str
    client: bool
    error: PasswordError


def split_paths(value: str) -> list[str]:
    """``"a.pem, b.jks"`` -> ``["a.pem", "b.jks"]`` (comma-separated, blanks ignored)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def facts_text(report: ProbeReport, colors: dict[str, str]) -> Text:
    """The handshake as it happened: TLS, refusal, client authentication, mutual TLS, trust."""
    text = Text()
    error = f"bold {colors.get('error', '')}".strip()
    success = f"bold {colors.get('success', '')}".strip()

    def line(label: str, value: str | Text, style: str = "") -> None:
        text.append(f"{label:<13}", style="bold")
        text.append(value if isinstance(value, Text) else Text(value, style=style))
        text.append("\n")

    target = report.target
    sni = f"SNI {target.servername}" if target.servername else "no SNI"
    line("Target", f"{target.label} ({sni}) at {iso(report.now)}")
    shake = report.handshake
    if report.error is not None or shake is None:
        line("Error", report.error or "no TLS conversation", error)
        text.rstrip()
        return text
    line("TLS", f"{shake.version or 'no version'}, {shake.cipher or 'no cipher'}, ALPN {shake.alpn or 'none'}")
    if not shake.completed and report.client is None:
        line("Refused", f"alert {shake.alert} ({shake.failure})", error)
    if shake.client_auth_requested:
        names = [rfc4514(n) for n in shake.acceptable_ca_names]
        if names:
            line("Client auth", f"requested; acceptable client CA names ({len(names)}): {'; '.join(names)}")
        else:
            line("Client auth", "requested; the server named no acceptable CA")
    else:
        line("Client auth", "not requested by the server")
    if report.client is not None:
        accepted = report.client.accepted
        verdict = Text("accepted" if accepted else "REFUSED", style=success if accepted else error)
        verdict.append(f": {report.client.reason}")
        line("Mutual TLS", verdict)
    if report.trusted is None:
        line("Trust", "not checked (no trust file, System CAs off)")
    else:
        state = Text("trusted" if report.trusted else "NOT trusted", style=success if report.trusted else error)
        if report.trust_reason:
            state.append(f": {report.trust_reason}")
        line("Trust", state)
    if report.anchor is not None:
        where = report.anchor.path + (f", alias {report.anchor.alias}" if report.anchor.alias else "")
        line("Anchor", f"{rfc4514(report.anchor.certificate.subject)} ({where})")
    text.rstrip()
    return text


class ProbeScreen(CertbenchScreen):
    """Probe host:port, see the presented chain diagnosed and the mutual-TLS verdict; save, trust, import."""

    PALETTE_GROUP = "Probe"
    AUTO_FOCUS = "#probe-target"
    PRIMARY_FOCUS = "#probe-target"
    LIST_FOCUS = "#probe-certs"
    FIELD_ENTER = "Probe host:port, then to the certificate list"
    PANE_TITLES = {
        "#probe-facts-pane": "Connection",
        "#probe-certs": "Presented chain",
        "#probe-chain": "Chain",
        "#probe-details-pane": "Details",
        "#probe-findings": "Findings",
    }
    DEFAULT_CSS = """
    ProbeScreen .probe-bar {
        padding: 0 1 0 0;
    }
    ProbeScreen #probe-target, ProbeScreen #probe-trust {
        width: 1fr;
    }
    ProbeScreen #probe-sni {
        width: 20%;
    }
    ProbeScreen #probe-client {
        width: 28%;
    }
    ProbeScreen #probe-system {
        width: auto;
    }
    ProbeScreen #probe-facts-pane {
        height: auto;
        max-height: 8;
        padding: 0 1;
        border-top: solid $primary;
    }
    /* A short terminal (80x24): the table, the findings and the fix stay; the tree and details step aside. */
    ProbeScreen.-short #probe-facts-pane {
        max-height: 5;
    }
    ProbeScreen.-short #probe-chain, ProbeScreen.-short #probe-details-pane {
        display: none;
    }
    ProbeScreen.-short #probe-findings {
        height: 1fr;
    }
    ProbeScreen.-short #probe-fix {
        height: 3;
    }
    ProbeScreen.-narrow #probe-left {
        width: 45%;
    }
    """
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="probe.cancel", tooltip="Abandon the running probe"),
        Binding("r", "probe", "Probe", id="probe.run", tooltip="Connect to host:port and diagnose what it presents"),
        Binding("h,slash", "focus_target", "Host", id="probe.host", tooltip="Type another host:port"),
        Binding(
            "s", "save_chain", "Save chain", id="probe.save", tooltip="Write the presented chain, leaf first, as PEM"
        ),
        Binding("t", "trust_root", "Root to truststore", id="probe.trust", tooltip="Add the root to a truststore"),
        Binding(
            "i", "import_chain", "Import", id="probe.import", tooltip="Store the presented chain as a workspace item"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ProbeReport | None = None
        self._worker: Worker[None] | None = None
        self._generation = 0
        #: Passwords typed this session, by client item name or trust file (memory only, never written).
        self._client_passwords: dict[str, bytes] = {}
        self._trust_passwords: dict[str, bytes] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with FormRow(classes="probe-bar"):
            yield FieldLabel("Host")
            yield Input(placeholder="host:port, then Enter", id="probe-target", compact=True)
            yield FieldLabel("SNI")
            yield Input(placeholder="optional", id="probe-sni", compact=True)
            yield FieldLabel("Client")
            yield TypeAheadSelect[str]([], prompt="none", id="probe-client", compact=True)
        with FormRow(classes="probe-bar"):
            yield FieldLabel("Trust")
            yield Input(placeholder="files, comma-separated (optional)", id="probe-trust", compact=True)
            yield TickBox("System CAs", id="probe-system", compact=True)
        with VerticalScroll(id="probe-facts-pane"):
            yield Static(Text("Nothing probed yet."), id="probe-facts")
        yield ChainView("probe", placeholder=PLACEHOLDER, id="probe-body")
        yield Static(
            Text("Type host:port and press Enter; Esc cancels a running probe."),
            id="probe-status",
            classes="status-line",
        )
        yield JobFooter()

    def on_mount(self) -> None:
        self._load_identities()

    def on_screen_resume(self) -> None:
        self._load_identities()

    # -- the form -------------------------------------------------------------------------------------

    def _load_identities(self) -> None:
        """Fill the client identity list with the workspace items that have a certificate and a key."""

        def listed(items: list[Item]) -> None:
            select: Select[str] = self.query_one("#probe-client", Select)
            current = select.value
            usable = [item for item in items if item.has_key and item.not_after is not None]
            select.set_options((Text(f"{item.name} ({item.kind})"), item.name) for item in usable)
            if isinstance(current, str) and any(item.name == current for item in usable):
                select.value = current

        run_task(
            self, self.workspace.list_items, description="probe: list identities", group="probe-items", on_done=listed
        )

    def prefill(self, target: str) -> None:
        """Put ``target`` in the host field and give it the focus (Enter then probes it)."""
        field = self.query_one("#probe-target", Input)
        field.value = target
        field.focus()
        if target:
            self._set_status(f"Press Enter to probe {target} (port 443 unless you add :PORT)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("probe-target", "probe-sni", "probe-trust"):
            self.action_probe()

    def action_focus_target(self) -> None:
        self.query_one("#probe-target", Input).focus()

    # -- probing --------------------------------------------------------------------------------------

    def action_probe(self) -> None:
        from certbench.core.online.probe import parse_target

        field = self.query_one("#probe-target", Input)
        text = field.value.strip()
        if not text:
            field.focus()
            self._set_status("Type host:port first (port 443 by default)")
            return
        sni = self.query_one("#probe-sni", Input).value.strip()
        try:
            target = parse_target(text, servername=sni or None)
        except UsageError as error:
            self._problem(str(error))
            return
        self._run(target)

    def _run(self, target: Target) -> None:
        from certbench.core.online.probe import client_identity_from_item, collect_anchors, probe

        selected = self.query_one("#probe-client", Select).value
        client_name = selected if isinstance(selected, str) else None
        trust_paths = split_paths(self.query_one("#probe-trust", Input).value)
        system = self.query_one("#probe-system", Checkbox).value
        client_password = self._client_passwords.get(client_name or "")
        trust_passwords = dict(self._trust_passwords)
        workspace = self.workspace
        now = self.now()

        def work() -> ProbeReport | PasswordNeeded:
            materials: list[tuple[str, Material]] = []
            for path in trust_paths:
                try:
                    materials.append((path, load_file(Path(path).expanduser(), trust_passwords.get(path))))
                except PasswordError as error:
                    return PasswordNeeded(path, False, error)
            if system:
                from certbench.core.system_bundle import system_bundle_path

                bundle = system_bundle_path()
                if bundle is None:
                    raise UsageError("no system CA bundle found on this machine (set SSL_CERT_FILE to its path)")
                materials.append((str(bundle), load_file(bundle)))
            anchors = collect_anchors(materials)
            client = None
            if client_name is not None:
                try:
                    client = client_identity_from_item(workspace, workspace.get(client_name), client_password)
                except PasswordError as error:
                    return PasswordNeeded(client_name, True, error)
            return probe(target, now=now, timeout=PROBE_TIMEOUT, anchors=anchors, client=client)

        self._generation += 1
        generation = self._generation
        self.query_one(ChainView).loading = True
        self._set_status(f"Probing {target.label}... (Esc cancels)")
        self._worker = run_task(
            self,
            work,
            description=f"probe: {target.label}",
            group="probe-run",
            on_done=lambda result: self._finished(generation, target, result),
            on_error=lambda error: self._failed(generation, error),
        )
        self.refresh_bindings()

    def _settle(self, generation: int) -> bool:
        """The probe ``generation`` has ended: False if it was cancelled or superseded (ignore its result)."""
        if generation != self._generation:
            return False
        self._worker = None
        self.query_one(ChainView).loading = False
        self.refresh_bindings()
        return True

    def _finished(self, generation: int, target: Target, result: ProbeReport | PasswordNeeded) -> None:
        if not self._settle(generation):
            return
        if isinstance(result, PasswordNeeded):
            self._ask_password(target, result)
            return
        self.show_report(result)

    def _failed(self, generation: int, error: CertbenchError) -> None:
        if self._settle(generation):
            self._problem(str(error))

    def _ask_password(self, target: Target, needed: PasswordNeeded) -> None:
        store = self._client_passwords if needed.client else self._trust_passwords
        store.pop(needed.source, None)
        what = f"the key of {needed.source}" if needed.client else Path(needed.source).name
        wrong = None if needed.error.missing else "Wrong password, try again"
        self._set_status(f"{target.label}: waiting for the password of {what}")

        def answered(value: str | None) -> None:
            if value is None:
                self._set_status(f"Not probed: no password for {what}")
                return
            store[needed.source] = value.encode()
            self._run(target)

        self.app.push_screen(PasswordModal(f"Password for {what}", error=wrong), answered)

    def action_cancel(self) -> None:
        if self._worker is None:
            return
        self._worker.cancel()
        self._generation += 1  # whatever it still delivers is ignored
        self._worker = None
        self.query_one(ChainView).loading = False
        self.refresh_bindings()
        self._set_status("Cancelled: the probe was abandoned")
        self.notify("Probe cancelled", markup=False)

    # -- showing --------------------------------------------------------------------------------------

    def show_report(self, report: ProbeReport) -> None:
        """Show ``report`` (a probe just run, or one built by a test or the screenshot script)."""
        import dataclasses

        self.report = report
        view = self.query_one(ChainView)
        self.query_one("#probe-facts", Static).update(facts_text(report, self.app.get_css_variables()))
        status = report.summary()
        self._set_status(status)
        if report.error is not None or report.chain_report is None:
            view.clear()
            if report.error is not None:
                self.notify(status, title="Probe failed", severity="error", markup=False, timeout=8)
            self.refresh_bindings()
            return
        doctor = dataclasses.replace(report.chain_report, findings=report.findings)
        material = Material(path=report.target.label, format=Format.TLS, certificates=report.presented, ordered=True)
        view.show(build_analysis((report.target.label,), [material], [], doctor, report.now), report.now)
        self.query_one("#probe-certs", DataTable).focus()  # the action keys (s, t, i) work at once
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self._worker is not None
        if action == "focus_target":
            return super().check_action(action, parameters)
        if action in ("save_chain", "trust_root", "import_chain"):
            return True if self.report is not None and self.report.presented else None
        return True

    # -- actions on the presented chain ---------------------------------------------------------------

    def _presented(self) -> tuple[x509.Certificate, ...]:
        from certbench.core.online.probe import presented_chain

        if self.report is None or not self.report.presented:
            self.notify("Probe a server first", severity="warning", markup=False)
            return ()
        return presented_chain(self.report)

    def _resolve(self, path: str) -> Path:
        """A relative path lands in the workspace's artifacts/ folder."""
        target = Path(path).expanduser()
        return target if target.is_absolute() else self.workspace.artifacts_dir / target

    def action_save_chain(self) -> None:
        chain = self._presented()
        if not chain:
            return
        question = (
            f"Write the presented chain ({len(chain)} certificate(s), leaf first) as PEM to (relative: artifacts/):"
        )
        default = f"{slug(common_name(chain[0])) or 'server'}-chain.pem"
        self.app.push_screen(
            SavePathModal(question, default, check=lambda typed: check_output_path(self.workspace, typed)),
            lambda path: self._save(path, chain, False),
        )

    def _save(self, path: str | None, chain: tuple[x509.Certificate, ...], overwrite: bool) -> None:
        if not path:
            return
        target = self._resolve(path)
        if target.exists() and not overwrite:

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self._save(path, chain, True)

            self.app.push_screen(ConfirmModal(f"{target} exists. Overwrite it?", confirm_label="Overwrite"), confirmed)
            return
        data = chain_pem(chain)

        def done(written: Path) -> None:
            message = f"Wrote the presented chain ({len(chain)} certificate(s), leaf first) to {written.resolve()}"
            self.notify(message, markup=False)
            self._set_status(message)

        run_task(
            self,
            lambda: write_atomic(target, data, overwrite=overwrite),
            description="probe: save the presented chain",
            group="probe-save",
            on_done=done,
        )

    def action_trust_root(self) -> None:
        if not self._presented() or self.report is None:
            return
        doctor = self.report.chain_report
        chain = doctor.fixed_chain() if doctor is not None else self.report.presented
        top = chain[-1]
        if top.subject == top.issuer:
            self._hand_to_truststore(top)
            return
        question = (
            f"The server did not send its root CA ({rfc4514(top.issuer)}). Add the top certificate it sent, "
            f"{rfc4514(top.subject)}, to a truststore instead?"
        )

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._hand_to_truststore(top)

        self.app.push_screen(ConfirmModal(question, confirm_label="Add it"), confirmed)

    def _hand_to_truststore(self, certificate: x509.Certificate) -> None:
        """Write ``certificate`` to artifacts/ and add that file as a source on the Truststore screen."""
        data = chain_pem([certificate])
        base = self.workspace.artifacts_dir / (slug(common_name(certificate)) or "root")
        plain = base.with_name(base.name + ".pem")
        named = (
            plain
            if not plain.exists()
            else base.with_name(f"{base.name}-{certificate.fingerprint(hashes.SHA256()).hex()[:12]}.pem")
        )

        def work() -> Path:
            if named.exists() and named.read_bytes() == data:
                return named  # handed over before: the same certificate, nothing to write
            return write_atomic(named, data)

        def done(path: Path) -> None:
            self.notify(f"Wrote {common_name(certificate)} to {path}; added it on the Truststore screen", markup=False)
            self.app.call_later(self._open_truststore, path)

        run_task(self, work, description="probe: write the root for a truststore", group="probe-trust", on_done=done)

    async def _open_truststore(self, path: Path) -> None:
        from certbench.ui.screens.truststore import TruststoreScreen

        await self.app.switch_mode("truststore")
        screen = self.app.screen
        if isinstance(screen, TruststoreScreen):
            screen.add_source_file(str(path))

    def action_import_chain(self) -> None:
        chain = self._presented()
        if not chain:
            return
        default = slug(common_name(chain[0])) or "server"
        self.app.push_screen(
            SavePathModal(
                f"Import the presented chain ({len(chain)} certificate(s), no key) as the workspace item:",
                default,
                ok_label="Import",
                placeholder="item name",
            ),
            lambda name: self._import(name, False),
        )

    def _import(self, name: str | None, overwrite: bool) -> None:
        from certbench.core.actions.probe import import_presented

        report = self.report
        if not name or report is None:
            return
        workspace = self.workspace
        if workspace.has(name) and not overwrite:

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self._import(name, True)

            self.app.push_screen(
                ConfirmModal(f"A workspace item named {name!r} exists. Replace it?", confirm_label="Replace"), confirmed
            )
            return
        now = self.now()

        def done(item: Item) -> None:
            message = f"Imported {item.name} into the workspace (the presented chain, no key)"
            self.notify(message, markup=False)
            self._set_status(message)

        run_task(
            self,
            lambda: import_presented(workspace, name, report, now=now, overwrite=overwrite),
            description="probe: import the presented chain",
            group="probe-import",
            on_done=done,
        )

    # -- status ---------------------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        self.query_one("#probe-status", Static).update(Text(text))

    def _problem(self, message: str) -> None:
        """A problem in one line: a notification and the status line."""
        self.notify(message, title="Probe", severity="error", markup=False, timeout=8)
        self._set_status(message)
