"""The Create screen: a form per role (root CA, intermediate CA, leaf, CSR) with profile presets,
validation as you type, a preview of the certificate that will be made, and key generation in a worker
with a visible progress bar. The result lands in the workspace and is shown on the Workspace screen."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import QueryType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, ProgressBar, Select, Static

from certbench.core import issue
from certbench.core.actions.issuing import Created, create_item, load_issuer
from certbench.core.errors import CertbenchError, PasswordError, UsageError
from certbench.core.issue import PROFILE_HELP, KeySpec, Plan, Profile, Role
from certbench.core.subject import parse_san, parse_subject
from certbench.core.validity import validity_days
from certbench.core.workspace import Item, ItemKind, Workspace, validate_item_name
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.tasks import run_task
from certbench.ui.timers import call_once_after
from certbench.ui.widgets.footer import JobFooter
from certbench.ui.widgets.form import FieldLabel, FormRow
from certbench.ui.widgets.toggles import TickBox, TypeAheadSelect

ROLE_OPTIONS = [
    ("Root CA (self-signed)", Role.ROOT.value),
    ("Intermediate CA", Role.INTERMEDIATE.value),
    ("Leaf certificate", Role.LEAF.value),
    ("CSR (key stays here)", Role.CSR.value),
]
PROFILE_OPTIONS = [(f"{p.value}: {PROFILE_HELP[p].split(':')[0]}", p.value) for p in issue.LEAF_PROFILES]
KEY_OPTIONS = [(spec.label, spec.value) for spec in KeySpec]
DEFAULT_DAYS = {Role.ROOT: 3650, Role.INTERMEDIATE: 1825, Role.LEAF: 825, Role.CSR: 825}
SUBJECT_HINTS = {
    Role.ROOT: "/CN=MyCompany Root CA/O=MyCompany",
    Role.INTERMEDIATE: "/CN=MyCompany Issuing CA/O=MyCompany",
    Role.LEAF: "/CN=MyCompany-Client/O=MyCompany",
    Role.CSR: "/CN=MyCompany-Client/O=MyCompany",
}
TPP_SUBJECT_HINT = "/businessCategory=TPP/jurisdictionC=GB/serialNumber=123/C=GB/O=MyTPP/CN=tpp.example.com"
#: The status line while nothing is being made (and after the role changed: the last item was another role's).
READY_STATUS = "Fill in the form; the preview shows what will be made."

#: The fields of one item: emptied after a create (and by Clear form), unlike the choices above them.
ITEM_FIELDS = (
    "create-name",
    "create-subject",
    "create-sans",
    "create-password",
    "create-password-repeat",
    "create-issuer-password",
)

#: The field a form problem is about, by the problem's first words (errors, then "Still needed: ..." lines).
PROBLEM_FIELDS: tuple[tuple[str, str], ...] = (
    ("Item name", "create-name"),
    ("Subject", "create-subject"),
    ("SANs", "create-sans"),
    ("Validity", "create-days"),
    ("Issuer password", "create-issuer-password"),
    ("Issuer", "create-issuer"),
    ("Repeat password", "create-password-repeat"),
    ("Still needed: item name", "create-name"),
    ("Still needed: subject", "create-subject"),
    ("Still needed: key password", "create-password"),
    ("Still needed: the key password again", "create-password-repeat"),
    ("Still needed: the password of CA", "create-issuer-password"),
)


@dataclass(frozen=True)
class IssuerInfo:
    """A workspace CA the form can issue from (loaded in a worker)."""

    name: str
    certificate: x509.Certificate
    key_encrypted: bool


def load_issuers(workspace: Workspace) -> list[IssuerInfo]:
    """Every CA item with a key, for the issuer list."""
    found = []
    for item in workspace.list_items():
        if item.kind is ItemKind.CA and item.has_key:
            found.append(IssuerInfo(item.name, workspace.load_certificate(item), bool(item.key_encrypted)))
    return found


class CreateScreen(CertbenchScreen):
    """Make a CA, a leaf or a CSR from a form."""

    PALETTE_GROUP = "Create"
    PANE_TITLES = {"#create-form": "New certificate", "#create-preview-pane": "Preview"}
    PRIMARY_FOCUS = "#create-name"
    FIELD_ENTER = "Create the item (like Ctrl+S)"
    DEFAULT_CSS = """
    CreateScreen #create-body {
        height: 1fr;
    }
    CreateScreen #create-form {
        width: 66;
        height: 1fr;
        padding: 0 1;
    }
    CreateScreen #create-errors {
        color: $error;
        height: auto;
        margin-bottom: 1;
    }
    CreateScreen #create-missing {
        color: $text-muted;
        height: auto;
        margin-bottom: 1;
    }
    CreateScreen #create-missing.-ok {
        color: $success;
    }
    CreateScreen #create-actions {
        height: 1;
    }
    CreateScreen #create-progress {
        display: none;
        margin-left: 2;
        width: 1fr;
    }
    CreateScreen #create-progress.-running {
        display: block;
    }
    CreateScreen #create-preview-pane {
        width: 1fr;
        height: 1fr;
        border-left: solid $primary;
        padding: 0 1;
    }
    CreateScreen #create-preview-title {
        color: $accent;
        text-style: bold;
        margin-bottom: 1;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "create", "Create", id="create.create", tooltip="Generate the key and make the item"),
        Binding("ctrl+l", "clear_form", "Clear form", id="create.clear", tooltip="Reset every field of the form"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._issuers: dict[str, IssuerInfo] = {}
        self._plan: Plan | None = None
        self._busy = False
        #: (CA name, password) -> whether that password opens that CA's key, checked as it is typed.
        self._issuer_checks: dict[tuple[str, str], bool] = {}
        self._issuer_timer: Timer | None = None
        #: The role was set by the form itself (no CA yet), not chosen: keep the fields.
        self._auto_role = False
        #: The item made last (tests and the status line read it).
        self.last_created: Item | None = None

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with Horizontal(id="create-body"):
            with VerticalScroll(id="create-form"):
                yield from self._row("Item name", Input(placeholder="e.g. partner-client", id="create-name",
                                                        compact=True))  # fmt: skip
                yield from self._row("Role", TypeAheadSelect(ROLE_OPTIONS, value=Role.LEAF.value,
                                                             allow_blank=False, id="create-role",
                                                             compact=True))  # fmt: skip
                yield from self._row("Profile", TypeAheadSelect(PROFILE_OPTIONS, value=Profile.CLIENT.value,
                                                                allow_blank=False, id="create-profile",
                                                                compact=True))  # fmt: skip
                yield from self._row("Issuer (CA)", TypeAheadSelect[str]([], prompt="(no CA in the workspace)",
                                                                         id="create-issuer",
                                                                         compact=True))  # fmt: skip
                yield from self._row("Issuer password", Input(password=True, placeholder="the CA key's password",
                                                              id="create-issuer-password", compact=True))  # fmt: skip
                yield from self._row("Subject", Input(placeholder=SUBJECT_HINTS[Role.LEAF], id="create-subject",
                                                      compact=True))  # fmt: skip
                yield from self._row("SANs", Input(placeholder="DNS:api.example.com, IP:10.0.0.1", id="create-sans",
                                                   compact=True))  # fmt: skip
                yield from self._row("Key type", TypeAheadSelect(KEY_OPTIONS, value=KeySpec.RSA_2048.value,
                                                                 allow_blank=False, id="create-key",
                                                                 compact=True))  # fmt: skip
                yield from self._row("Validity (days)", Input(str(DEFAULT_DAYS[Role.LEAF]), type="integer",
                                                              id="create-days", compact=True))  # fmt: skip
                yield from self._row("Key password", Input(password=True, placeholder="password for the new key",
                                                           id="create-password", compact=True))  # fmt: skip
                yield from self._row("Repeat password", Input(password=True, placeholder="the same password again",
                                                              id="create-password-repeat", compact=True))  # fmt: skip
                yield TickBox("No password: store the new key unencrypted (0600)", id="create-no-password",
                               compact=True)  # fmt: skip
                yield Static(Text(""), id="create-errors")
                yield Static(Text(""), id="create-missing")
                with Horizontal(id="create-actions"):
                    yield Button("Create", id="create-button", variant="primary", compact=True)
                    yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="create-progress")
            with VerticalScroll(id="create-preview-pane"):
                yield Static(Text("Preview"), id="create-preview-title")
                yield Static(Text(""), id="create-preview")
        yield Static(Text(READY_STATUS), id="create-status", classes="status-line")
        yield JobFooter()

    @staticmethod
    def _row(label: str, widget: Input | Select[str]) -> ComposeResult:
        with FormRow(classes="-aligned"):
            yield FieldLabel(label)
            yield widget

    def on_mount(self) -> None:
        self._validate()

    def on_screen_resume(self) -> None:
        self.action_reload_issuers()

    def action_reload_issuers(self) -> None:
        workspace: Workspace = self.workspace
        run_task(
            self,
            lambda: load_issuers(workspace),
            description="create: list workspace CAs",
            group="create-issuers",
            on_done=self._show_issuers,
        )

    def _show_issuers(self, issuers: list[IssuerInfo]) -> None:
        self._issuers = {info.name: info for info in issuers}
        select = self.query_one("#create-issuer", Select)
        previous = select.value
        select.set_options([(Text(info.name), info.name) for info in issuers])
        if previous in self._issuers:
            select.value = previous
        elif issuers:
            select.value = issuers[0].name
        if not issuers and self._role() in (Role.LEAF, Role.INTERMEDIATE):
            # Nothing can issue yet: start where a new workspace starts, with a root CA (keeping what was typed).
            self._auto_role = True
            self.query_one("#create-role", Select).value = Role.ROOT.value
        self._validate()

    # -- values and validation ----------------------------------------------------------------------

    def _role(self) -> Role:
        return Role(str(self.query_one("#create-role", Select).value))

    def _issuer(self) -> IssuerInfo | None:
        value = self.query_one("#create-issuer", Select).value
        return self._issuers.get(str(value)) if value is not Select.NULL else None

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def build_plan(self) -> tuple[Plan | None, list[str], list[str], list[str]]:
        """The plan the form describes: (plan, errors, warnings, fields still empty). Pure: no key is made."""
        role = self._role()
        errors: list[str] = []
        missing: list[str] = []
        name = self._value("create-name")
        if not name:
            missing.append("item name")
        else:
            try:
                validate_item_name(name)
            except UsageError as exc:
                errors.append(f"Item name: {exc.message}")
        subject = None
        if not self._value("create-subject"):
            missing.append("subject")
        else:
            try:
                subject = parse_subject(self._value("create-subject"))
            except UsageError as exc:
                errors.append(f"Subject: {exc.message}")
        sans: list[x509.GeneralName] = []
        for text in [part.strip() for part in self._value("create-sans").split(",") if part.strip()]:
            try:
                sans.append(parse_san(text))
            except UsageError as exc:
                errors.append(f"SANs: {exc.message}")
        days_text = self._value("create-days")
        days = int(days_text) if days_text.lstrip("-").isdigit() else 0
        if role is not Role.CSR and not issue.MIN_DAYS <= days <= issue.MAX_DAYS:
            errors.append(f"Validity: between {issue.MIN_DAYS} and {issue.MAX_DAYS} days")
        issuer = self._issuer()
        if role in (Role.INTERMEDIATE, Role.LEAF) and issuer is None:
            errors.append("Issuer: no CA in the workspace yet; create a root CA first (Role: Root CA)")
        no_password = self.query_one("#create-no-password", Checkbox).value
        if not no_password and not self._value("create-password"):
            missing.append("key password (or tick 'No password')")
        elif not no_password:
            repeat = self.query_one("#create-password-repeat", Input).value
            if not repeat:
                missing.append("the key password again (Repeat password)")
            elif repeat != self.query_one("#create-password", Input).value:
                errors.append("Repeat password: the two key passwords differ")
        needs_issuer_password = role in (Role.INTERMEDIATE, Role.LEAF) and issuer is not None and issuer.key_encrypted
        issuer_password = self.query_one("#create-issuer-password", Input).value
        if needs_issuer_password and issuer and not issuer_password:
            missing.append(f"the password of CA {issuer.name}'s key")
        elif needs_issuer_password and issuer and self._issuer_checks.get((issuer.name, issuer_password)) is False:
            errors.append(f"Issuer password: it does not open the key of CA {issuer.name}")
        profile: Profile | None = None
        if role in (Role.LEAF, Role.CSR):
            profile = Profile(str(self.query_one("#create-profile", Select).value))
        if subject is None:
            return None, errors, [], missing
        # The role's default (untouched) is capped to what the issuer has left, with a note; a typed
        # number is kept and refused below when it outlives the issuer: the CLI's --days rule.
        warnings: list[str] = []
        issuing = issuer is not None and role in (Role.INTERMEDIATE, Role.LEAF)
        if issuing and issuer is not None and issue.MIN_DAYS <= days <= issue.MAX_DAYS:
            requested = None if days == DEFAULT_DAYS[role] else days
            not_after = issuer.certificate.not_valid_after_utc
            days, note = validity_days(requested, DEFAULT_DAYS[role], not_after, self.now())
            warnings += [note] if note else []
        plan = Plan(
            role,
            subject,
            key_spec=KeySpec(str(self.query_one("#create-key", Select).value)),
            days=days if issue.MIN_DAYS <= days <= issue.MAX_DAYS else issue.DEFAULT_LEAF_DAYS,
            profile=profile,
            sans=tuple(sans) if role in (Role.LEAF, Role.CSR) else (),
        )
        if sans and role in (Role.ROOT, Role.INTERMEDIATE):
            errors.append("SANs: a CA certificate takes no SANs; give them to the leaf")
        try:
            warnings += issue.validate_plan(
                plan,
                issuer=issuer.certificate if issuer and role in (Role.INTERMEDIATE, Role.LEAF) else None,
                now=self.now(),
            )
        except UsageError as exc:
            if not (role in (Role.INTERMEDIATE, Role.LEAF) and issuer is None and "issuing CA" in exc.message):
                errors.append(exc.message[0].upper() + exc.message[1:])
        if issuer is not None and role in (Role.INTERMEDIATE, Role.LEAF) and subject == issuer.certificate.subject:
            warnings.append(
                f"The subject is the same as the issuer's (CA {issuer.name}): clients may mistake one for the other"
            )
        return plan, errors, warnings, missing

    def _validate(self) -> None:
        role = self._role()
        is_ca = role in (Role.ROOT, Role.INTERMEDIATE)
        self.query_one("#create-profile", Select).disabled = is_ca
        self.query_one("#create-issuer", Select).disabled = role in (Role.ROOT, Role.CSR)
        self.query_one("#create-sans", Input).disabled = is_ca
        self.query_one("#create-days", Input).disabled = role is Role.CSR
        no_password = self.query_one("#create-no-password", Checkbox).value
        self.query_one("#create-password", Input).disabled = no_password
        self.query_one("#create-password-repeat", Input).disabled = no_password
        issuer = self._issuer()
        needs_issuer_password = role in (Role.INTERMEDIATE, Role.LEAF) and issuer is not None and issuer.key_encrypted
        self.query_one("#create-issuer-password", Input).disabled = not needs_issuer_password
        subject_input = self.query_one("#create-subject", Input)
        tpp = role is Role.LEAF and str(self.query_one("#create-profile", Select).value) == Profile.TPP.value
        subject_input.placeholder = TPP_SUBJECT_HINT if tpp else SUBJECT_HINTS[role]

        plan, errors, warnings, missing = self.build_plan()
        self._plan = plan if not errors and not missing else None
        message = self.query_one("#create-errors", Static)
        message.update(Text("\n".join(f"• {e}" for e in errors)))
        message.display = bool(errors)
        status = self.query_one("#create-missing", Static)
        if missing:
            status.update(Text("Still needed: " + ", ".join(missing)))
            status.remove_class("-ok")
        elif not errors:
            status.update(Text("Ready: press Create (ctrl+s)" + "".join(f"\n• {w}" for w in warnings)))
            status.add_class("-ok")
        status.display = bool(missing) or not errors
        self._show_preview(plan, issuer)

    def _show_preview(self, plan: Plan | None, issuer: IssuerInfo | None) -> None:
        preview = self.query_one("#create-preview", Static)
        if plan is None:
            preview.update(Text("Type a subject to see the certificate that will be made.", style="italic"))
            return
        rows = issue.describe_plan(
            plan,
            issuer=issuer.certificate if issuer and plan.role in (Role.INTERMEDIATE, Role.LEAF) else None,
            now=self.now(),
        )
        text = Text()
        for label, value in rows:
            text.append(f"{label}\n", style="bold")
            text.append(f"  {value}\n")
        if plan.profile is not None and plan.role is Role.LEAF:
            text.append("\n")
            text.append(PROFILE_HELP[plan.profile], style="italic")
        preview.update(text)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "create-role":
            role = self._role()
            # What was typed for another role (a root's subject, a leaf's SANs) must not carry over.
            if not self._auto_role:
                for widget_id in ("create-subject", "create-sans"):
                    self.query_one(f"#{widget_id}", Input).value = ""
            self._auto_role = False
            if not self._busy:  # "Created ca 'x'..." was about the last role's item, not this form
                self.query_one("#create-status", Static).update(Text(READY_STATUS))
            days = self.query_one("#create-days", Input)
            if days.value.strip() in {str(d) for d in DEFAULT_DAYS.values()} or not days.value.strip():
                days.value = str(DEFAULT_DAYS[role])
        if event.select.id == "create-profile" and event.value == Profile.TPP.value:
            self.query_one("#create-key", Select).value = KeySpec.RSA_2048.value
        self._validate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.value:
            self.query_one("#create-password", Input).value = ""
            self.query_one("#create-password-repeat", Input).value = ""
        self._validate()

    def _show_first_problem(self) -> None:
        """Create with an incomplete or wrong form: name the first problem and put the focus on its field
        (the list under the form is below the fold at 80x24), instead of pointing at a list not on screen."""
        _plan, errors, _warnings, missing = self.build_plan()
        problems = [*errors, *(f"Still needed: {what}" for what in missing)]
        if not problems:
            return
        first = problems[0]
        field = next((widget_id for prefix, widget_id in PROBLEM_FIELDS if first.startswith(prefix)), None)
        if field is not None:
            widget = self.query_one(f"#{field}")
            if not widget.disabled:
                self.set_focus(widget)
                widget.scroll_visible(animate=False)
        more = f" (+{len(problems) - 1} more under the form)" if len(problems) > 1 else ""
        self.notify(f"Not created: {first}{more}", severity="error", markup=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Validate as you type; the issuer password is also tried on the CA's key (after a short pause, in
        a worker)."""
        self._validate()
        if event.input.id != "create-issuer-password":
            return
        if self._issuer_timer is not None:
            self._issuer_timer.stop()
        self._issuer_timer = call_once_after(self, 0.4, self._check_issuer_password)

    def _check_issuer_password(self) -> None:
        issuer = self._issuer()
        password = self.query_one("#create-issuer-password", Input).value
        if issuer is None or not issuer.key_encrypted or not password or (issuer.name, password) in self._issuer_checks:
            return
        workspace: Workspace = self.workspace
        name = issuer.name

        def check() -> bool:
            try:
                load_issuer(workspace, name, password.encode())
            except PasswordError:
                return False
            return True

        def checked(opens: bool) -> None:
            self._issuer_checks[(name, password)] = opens
            self._validate()

        run_task(self, check, description="create: check the issuer password", group="create-issuer-check",
                 on_done=checked)  # fmt: skip

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_create()

    def focus_previous(self, selector: str | type[QueryType] = "*") -> Widget | None:
        """Shift+Tab from the form's first field stays there: Create has no list before its form, and
        Textual's wrap round to the end of the screen (the Create button, the preview) lost the place."""
        if self.focused is not None and self.focused.id == "create-name":
            return self.focused
        return super().focus_previous(selector)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create-button":
            event.stop()
            self.action_create()

    # -- actions ------------------------------------------------------------------------------------

    def action_clear_form(self) -> None:
        self._clear_item_fields()
        self.query_one("#create-days", Input).value = str(DEFAULT_DAYS[self._role()])
        self._validate()

    def action_create(self) -> None:
        if self._busy:
            self.notify("A key is being generated; wait for it to finish.", severity="warning", markup=False)
            return
        self._validate()
        plan = self._plan
        if plan is None:
            self._show_first_problem()
            return
        name = self._value("create-name")
        workspace: Workspace = self.workspace
        if workspace.has(name):

            def answered(replace: bool | None) -> None:
                if replace:
                    self._start(plan, name, overwrite=True)

            self.app.push_screen(
                ConfirmModal(
                    f"An item named {name!r} exists. Replace it (its key and certificate)?", confirm_label="Replace"
                ),
                answered,
            )
            return
        self._start(plan, name, overwrite=False)

    def _start(self, plan: Plan, name: str, *, overwrite: bool) -> None:
        workspace: Workspace = self.workspace
        now = self.now()
        no_password = self.query_one("#create-no-password", Checkbox).value
        key_password = None if no_password else self.query_one("#create-password", Input).value.encode()
        issuer_info = self._issuer() if plan.role in (Role.INTERMEDIATE, Role.LEAF) else None
        issuer_password_text = self.query_one("#create-issuer-password", Input).value
        issuer_password = issuer_password_text.encode() if issuer_password_text else None
        if issuer_info is not None and issuer_info.key_encrypted and not issuer_password:
            self._failed(PasswordError(f"type the password of the key of CA {issuer_info.name!r}", missing=True))
            return

        def work() -> Created:
            issuer = load_issuer(workspace, issuer_info.name, issuer_password) if issuer_info else None
            return create_item(
                workspace,
                name,
                plan,
                now=now,
                key_password=key_password,
                issuer=issuer,
                issuer_name=issuer_info.name if issuer_info else None,
                overwrite=overwrite,
            )

        self._set_busy(True, f"Generating a {plan.key_spec.label} key and making {name!r}...")
        run_task(
            self,
            work,
            description=f"create: {plan.role.value} {name}",
            group="create-item",
            on_done=self._created,
            on_error=self._failed,
        )

    def _set_busy(self, busy: bool, status: str) -> None:
        self._busy = busy
        progress = self.query_one("#create-progress", ProgressBar)
        progress.set_class(busy, "-running")
        self.query_one("#create-button", Button).disabled = busy
        self.forget_report("#create-status")
        self.query_one("#create-status", Static).update(Text(status))

    def _created(self, created: Created) -> None:
        item = created.item
        self._set_busy(False, "")
        self.report_made("#create-status", f"Created {item.kind.value} {item.name!r}: {item.subject}", item=item.name)
        self.certbench_app.select_on_workspace = item.name
        self._clear_item_fields()
        self.last_created = item
        self.notify(f"Created {item.name!r} ({item.subject})", title="Create", markup=False)
        self.app.switch_mode("workspace")

    def _clear_item_fields(self) -> None:
        """After a create, empty what belonged to the item just made (its name, subject, SANs, passwords,
        and the "No password" tick, so the next key is encrypted unless asked again) and keep the choices
        the next item is likely to share: role, profile, issuer, key type and validity. The subject stayed
        before, and the next item was one Enter away from repeating it."""
        for field_id in ITEM_FIELDS:
            self.query_one(f"#{field_id}", Input).value = ""
        self.query_one("#create-no-password", Checkbox).value = False

    def _failed(self, error: CertbenchError) -> None:
        self._set_busy(False, "Nothing was written.")
        message = self.query_one("#create-errors", Static)
        message.update(Text(f"• {error}"))
        message.display = True
        self.notify(str(error), title="Create failed", severity="error", markup=False, timeout=8)
