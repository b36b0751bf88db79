"""Issue 13: the same action from the CLI and from the TUI leaves the same audit line (time aside).

Each pair runs the CLI command and drives the TUI screen (Pilot) on the same workspace and output path,
then compares the two ``audit.log`` records field by field. Before the actions layer the Keystore screen
logged ``keystore.write`` where ``jar build`` logs ``jar.build``, and ``bind export`` logged nothing.

Every audit line is written by an action through :func:`certbench.core.actions.events.record` (a source
check says so), and one command leaves one line: ``ca sign --into`` used to leave ``csr-complete`` and
then its own ``sign`` line, written by the CLI itself.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

from cryptography import x509
from textual.widgets import DataTable, Input, Select

from certbench.core.demo import DEMO_KEY_PASSWORD
from certbench.core.workspace import Workspace
from certbench.ui.app import make_app
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.bindings import BindingsScreen
from certbench.ui.screens.create import CreateScreen
from certbench.ui.screens.keystore import KeystoreScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from conftest import FIXED_NOW
from pilot_support import until

ENV = {
    "CERTBENCH_NOW": "2026-01-15T12:00:00Z",
    "ITEM_PW": DEMO_KEY_PASSWORD.decode(),
    "JAR_PW": "gatewaypass1",
    "NEW_PW": "new-key-pass",
}
SRC = Path(__file__).resolve().parents[1] / "src"


def last_record(workspace: Workspace) -> dict[str, Any]:
    record = dict(workspace.read_audit()[-1])
    record.pop("time")
    return record


async def test_jar_build_same_audit_line_from_cli_and_tui(run_cli, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    target = demo_workspace.artifacts_dir / "connectpay-client.jar"
    code, _out, err = run_cli(
        "--workspace", str(demo_workspace.root), "jar", "build", "connectpay-client", "--out", str(target),
        "--key-password-env", "JAR_PW", "--in-password-env", "ITEM_PW", env=ENV,
    )  # fmt: skip
    assert code == 0, err
    from_cli = last_record(demo_workspace)
    target.unlink()

    app = make_app(demo_workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, KeystoreScreen) and app.screen._item == "connectpay-client")
        screen = app.screen
        assert isinstance(screen, KeystoreScreen)
        for name, value in (("item-password", DEMO_KEY_PASSWORD.decode()), ("password", "gatewaypass1"),
                            ("repeat", "gatewaypass1")):  # fmt: skip
            screen.query_one(f"#keystore-{name}", Input).value = value
        await until(pilot, lambda: screen._plan_timer is None and screen._plan is not None and screen._plan.ok)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.last_written == target)
    from_tui = last_record(demo_workspace)
    assert from_cli == from_tui == {
        "action": "jar.build", "item": "connectpay-client", "kind": "jar", "out": str(target),
    }  # fmt: skip


async def test_bind_export_same_audit_line_from_cli_and_tui(run_cli, demo_workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workspace = demo_workspace
    leaf = workspace.get("connectpay-client").cert_path
    assert run_cli("--workspace", str(workspace.root), "bind", "add", "tpp-one", str(leaf), env=ENV)[0] == 0
    target = tmp_path / "gateway.json"
    code, _out, err = run_cli("--workspace", str(workspace.root), "bind", "export", "-o", str(target), env=ENV)
    assert code == 0, err
    from_cli = last_record(workspace)
    target.unlink()
    recorded = len(workspace.read_audit())

    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, BindingsScreen))
        app.screen.query_one("#bindings-table", DataTable).focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SavePathModal))
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: len(workspace.read_audit()) > recorded)
        assert target.exists()
    from_tui = last_record(workspace)
    assert from_cli == from_tui == {"action": "bind.export", "output": str(target)}


async def test_create_same_audit_line_from_cli_and_tui(run_cli, demo_workspace: Workspace) -> None:
    workspace = demo_workspace
    code, _out, err = run_cli(
        "--workspace", str(workspace.root), "cert", "create", "partner-client", "--issuer", "axway-root-ca",
        "--subject", "/CN=Partner Client/O=Partner", "--san", "DNS:partner.example.com", "--days", "365",
        "--key", "ec:p256", "--key-password-env", "NEW_PW", "--issuer-key-password-env", "ITEM_PW", env=ENV,
    )  # fmt: skip
    assert code == 0, err
    from_cli = last_record(workspace)
    workspace.delete_item("partner-client")

    app = make_app(workspace.root, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, CreateScreen))
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        issuer = screen.query_one("#create-issuer", Select)
        await until(pilot, lambda: issuer.value == "axway-root-ca")
        screen.query_one("#create-key", Select).value = "ec:p256"
        form = {
            "name": "partner-client", "subject": "/CN=Partner Client/O=Partner", "sans": "DNS:partner.example.com",
            "days": "365", "password": "new-key-pass", "password-repeat": "new-key-pass",
            "issuer-password": DEMO_KEY_PASSWORD.decode(),
        }  # fmt: skip
        for name, value in form.items():
            screen.query_one(f"#create-{name}", Input).value = value
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
    from_tui = last_record(workspace)
    assert from_cli == from_tui == {
        "action": "create", "item": "partner-client", "role": "leaf", "profile": "client", "issuer": "axway-root-ca",
        "key_type": "ec:p256", "encrypted": True,
    }  # fmt: skip


def sign(run_cli, workspace: Workspace, csr: Path, *more: str) -> list[dict[str, Any]]:
    """``ca sign`` with the demo root: the audit lines it added (time aside)."""
    before = len(workspace.read_audit())
    code, _out, err = run_cli(
        "--workspace", str(workspace.root), "ca", "sign", "axway-root-ca", str(csr), "--days", "30",
        "--issuer-key-password-env", "ITEM_PW", *more, env=ENV,
    )  # fmt: skip
    assert code == 0, err
    return [{k: v for k, v in line.items() if k != "time"} for line in workspace.read_audit()[before:]]


def test_ca_sign_out_leaves_one_sign_line(run_cli, demo_workspace: Workspace, tmp_path: Path) -> None:
    key, csr, out = tmp_path / "external.key", tmp_path / "external.csr", tmp_path / "external.pem"
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(csr), "-subj", "/CN=external.example.com"],
        check=True, capture_output=True,
    )  # fmt: skip
    added = sign(run_cli, demo_workspace, csr, "--out", str(out))
    serial = f"{x509.load_pem_x509_certificate(out.read_bytes()).serial_number:x}"
    assert added == [
        {"action": "sign", "ca": "axway-root-ca", "profile": "client", "out": str(out), "into": None, "serial": serial}
    ]


def test_ca_sign_into_a_csr_item_leaves_one_sign_line(run_cli, demo_workspace: Workspace) -> None:
    code, _out, err = run_cli(
        "--workspace", str(demo_workspace.root), "csr", "create", "req", "--subject", "/CN=req.example.com",
        "--key", "ec:p256", "--no-key-password", env=ENV,
    )  # fmt: skip
    assert code == 0, err
    added = sign(run_cli, demo_workspace, demo_workspace.get("req").csr_path, "--into", "req")
    item = demo_workspace.get("req")
    assert item.kind.value == "leaf" and item.issuer == "axway-root-ca"
    serial = f"{demo_workspace.load_certificate(item).serial_number:x}"
    assert added == [
        {"action": "sign", "ca": "axway-root-ca", "profile": "client", "out": None, "into": "req", "serial": serial}
    ]


def test_only_the_events_module_appends_to_the_audit_log() -> None:
    """``Workspace.audit`` has one caller in the package: :func:`certbench.core.actions.events.record`."""
    callers = [
        path.relative_to(SRC).as_posix()
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "audit"
    ]
    assert callers == ["certbench/core/actions/events.py"]
