"""The Create screen: validation as you type, preview, key generation in a worker, item in the workspace."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography import x509
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, ProgressBar, Select, Static

from certbench.core import issue
from certbench.core.actions import issuing
from certbench.core.demo import DEMO_KEY_PASSWORD, build_demo
from certbench.core.issue import KeySpec, Plan, Role
from certbench.core.subject import parse_subject
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until


async def open_create(app: CertbenchApp, pilot: Pilot[None]) -> CreateScreen:
    await pilot.press("3")
    await until(pilot, lambda: isinstance(app.screen, CreateScreen))
    screen = app.screen
    assert isinstance(screen, CreateScreen)
    return screen


def fill(screen: CreateScreen, **values: str) -> None:
    for key, value in values.items():
        screen.query_one(f"#create-{key.replace('_', '-')}", Input).value = value


def errors_text(screen: CreateScreen) -> str:
    """The red error list and the muted "still needed" / green "ready" line, as shown under the form."""
    shown = [screen.query_one(f"#create-{part}", Static) for part in ("errors", "missing")]
    return "\n".join(str(widget.render()) for widget in shown if widget.display)


def preview_text(screen: CreateScreen) -> str:
    return str(screen.query_one("#create-preview", Static).render())


async def test_form_to_leaf_item(demo_workspace: Workspace) -> None:
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_create(app, pilot)
        issuer = screen.query_one("#create-issuer", Select)
        await until(pilot, lambda: issuer.value == "axway-root-ca")
        screen.query_one("#create-key", Select).value = "ec:p256"
        fill(screen, name="partner-client", subject="/CN=Partner [weird] Client/O=Partner",
             sans="DNS:partner.example.com", days="365", password="new-key-pass", password_repeat="new-key-pass",
             issuer_password=DEMO_KEY_PASSWORD.decode())  # fmt: skip
        await pilot.pause()
        assert "Ready" in errors_text(screen)
        preview = preview_text(screen)
        assert "/CN=Partner [weird] Client/O=Partner" in preview  # markup-like text shown literally
        assert "clientAuth" in preview and "2026-01-15 to 2027-01-15 (365 days)" in preview
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
        item = demo_workspace.get("partner-client")
        assert item.kind.value == "leaf" and item.issuer == "axway-root-ca" and item.key_encrypted
        certificate = demo_workspace.load_certificate(item)
        assert certificate.not_valid_before_utc == FIXED_NOW
        assert certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        ) == ["partner.example.com"]
        key = demo_workspace.load_private_key(item, b"new-key-pass")
        assert key.public_key() == certificate.public_key()
        assert screen.last_created is not None and screen.last_created.name == "partner-client"
        audit = demo_workspace.read_audit()
        assert audit[-1]["action"] == "create" and "new-key-pass" not in str(audit)


async def test_validation_as_you_type(demo_workspace: Workspace) -> None:
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_create(app, pilot)
        await until(pilot, lambda: screen.query_one("#create-issuer", Select).value == "axway-root-ca")
        fill(screen, name="srv", subject="/CN=srv/C=USA")
        await pilot.pause()
        assert "two-letter" in errors_text(screen)
        fill(screen, subject="/CN=srv")
        screen.query_one("#create-profile", Select).value = "server"
        await pilot.pause()
        assert "needs at least one SAN" in errors_text(screen)
        fill(screen, sans="DNS:srv.test", days="0")
        await pilot.pause()
        assert "Validity: between 1 and" in errors_text(screen)
        fill(screen, days="30")
        await pilot.pause()
        assert "Still needed: key password" in errors_text(screen)
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.pause()
        assert screen.query_one("#create-password", Input).disabled
        # The issuing CA's password is still needed: a wrong one is reported, nothing is written.
        fill(screen, issuer_password="wrong")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "wrong password" in errors_text(screen))
        assert not demo_workspace.has("srv")
        assert isinstance(app.screen, CreateScreen)
        # Invalid form: create refuses without starting a worker.
        fill(screen, subject="CN=a,,O=b")
        await pilot.pause()
        screen.action_create()
        await pilot.pause()
        assert not demo_workspace.has("srv") and "empty component" in errors_text(screen)
        # A CSR needs no issuer and no validity; the preview says what will be requested.
        screen.query_one("#create-role", Select).value = "csr"
        await pilot.pause()  # the role change empties the subject and SANs typed for the leaf
        assert screen.query_one("#create-subject", Input).value == ""
        fill(screen, subject="/CN=srv.test/O=Partner", sans="DNS:srv.test")
        await pilot.pause()
        assert screen.query_one("#create-issuer", Select).disabled and screen.query_one("#create-days", Input).disabled
        assert "Ready" in errors_text(screen)
        assert "csr" in preview_text(screen) and "Validity" not in preview_text(screen)


async def test_root_ca_replace_confirmed_progress_shown_ui_responsive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.open(tmp_path / "ws")
    plan = Plan(Role.ROOT, parse_subject("/CN=Old Root"), key_spec=KeySpec.EC_P256, days=3650)
    issuing.create_item(ws, "my-root", plan, now=FIXED_NOW, key_password=None)
    first = ws.get("my-root").cert_path.read_bytes()
    release = threading.Event()
    real_generate = issue.generate_key

    def slow_generate(spec: KeySpec):  # stands in for a long RSA-4096 generation
        release.wait(10)
        return real_generate(spec)

    monkeypatch.setattr(issuing, "generate_key", slow_generate)
    app = make_app(ws.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_create(app, pilot)
        screen.query_one("#create-role", Select).value = "root"
        screen.query_one("#create-key", Select).value = "ec:p256"
        await pilot.pause()
        assert screen.query_one("#create-days", Input).value == "3650"
        assert screen.query_one("#create-issuer", Select).disabled
        fill(screen, name="my-root", subject="CN=Replacement Root,O=MyCompany")
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.pause()
        screen.action_create()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, CreateScreen))
        assert ws.get("my-root").cert_path.read_bytes() == first
        screen.action_create()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        progress = screen.query_one("#create-progress", ProgressBar)
        await until(pilot, lambda: progress.has_class("-running"))
        # While the key is generated in the worker the UI keeps working: typing lands in the form.
        subject_input = screen.query_one("#create-subject", Input)
        subject_input.focus()
        await pilot.press("end", "x")
        assert subject_input.value == "CN=Replacement Root,O=MyCompanyx"
        assert screen.query_one("#create-button").disabled and ws.get("my-root").cert_path.read_bytes() == first
        release.set()
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
        item = ws.get("my-root")
        assert item.subject == "CN=Replacement Root,O=MyCompany" and item.key_encrypted is False
        assert item.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert not progress.has_class("-running")


async def test_empty_workspace_starts_on_root_ca(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    app = make_app(ws.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_create(app, pilot)
        await until(pilot, lambda: screen.query_one("#create-role", Select).value == "root")
        await pilot.pause()
        assert "no CA" not in errors_text(screen) and "Still needed: item name, subject" in errors_text(screen)
        screen.query_one("#create-role", Select).value = "leaf"  # chosen anyway: says why it cannot work
        await pilot.pause()
        assert "no CA in the workspace yet" in errors_text(screen)


async def test_role_change_resets_subject_and_passwords_are_checked_as_typed(demo_workspace: Workspace) -> None:
    """The old form kept a root's subject for the leaf (subject == issuer, no word), asked the new key
    password once and found a wrong issuer password only after generating the key."""
    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_create(app, pilot)
        await until(pilot, lambda: screen.query_one("#create-issuer", Select).value == "axway-root-ca")
        screen.query_one("#create-role", Select).value = "root"
        await pilot.pause()
        fill(screen, name="r2", subject="/CN=Axway Root CA/O=Axway/L=Phoenix/ST=Arizona/C=US", sans="")
        screen.query_one("#create-role", Select).value = "leaf"
        await pilot.pause()
        assert screen.query_one("#create-subject", Input).value == ""
        issuer = demo_workspace.load_certificate(demo_workspace.get("axway-root-ca"))
        fill(screen, subject="/" + "/".join(reversed(issuer.subject.rfc4514_string().split(","))))
        fill(screen, password="one", password_repeat="two")
        await pilot.pause()
        assert "Repeat password: the two key passwords differ" in errors_text(screen)
        fill(screen, password_repeat="one", issuer_password="not-the-password")
        await until(pilot, lambda: "does not open the key of CA axway-root-ca" in errors_text(screen), timeout=30)
        assert not demo_workspace.has("r2")
        fill(screen, issuer_password=DEMO_KEY_PASSWORD.decode())
        await until(pilot, lambda: "Ready" in errors_text(screen), timeout=30)
        assert "same as the issuer's" in errors_text(screen)


def test_create_screen_snapshot(snap_compare, tmp_path: Path) -> None:
    """You should see the leaf form filled for a partner client issued by the demo Axway root, no errors,
    a muted "Still needed" line for the two passwords, and on the right the preview (subject literally with
    [weird], issuer, RSA 2048, 2026-01-15 to 2027-01-15, CA:FALSE critical, clientAuth, the SAN)."""
    ws = Workspace.open(tmp_path / "demo")
    build_demo(ws, now=FIXED_NOW)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("3")
        await pilot.pause(0.3)
        screen = pilot.app.screen
        assert isinstance(screen, CreateScreen)
        await until(pilot, lambda: screen.query_one("#create-issuer", Select).value == "axway-root-ca")
        fill(screen, name="partner-client", subject="/CN=Partner [weird] Client/O=Partner",
             sans="DNS:partner.example.com", days="365")  # fmt: skip
        for field in screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the SVG differ run to run
        await pilot.pause(0.2)

    assert snap_compare(
        home_at_workspace(make_app(ws.root, now=FIXED_NOW)), terminal_size=(120, 36), run_before=run_before
    )
