"""The Probe screen against servers on 127.0.0.1 started by each test: mutual TLS refused (the acceptable CA
names shown) and accepted with an encrypted workspace key, save / import / root to truststore, connection
refused, not TLS, cancel; Inspect's "From server"; one snapshot of a stored probe result (demo material)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from online_material import CLIENT_KEY_PASSWORD, OnlineMaterial, make_online_material
from servers import closed_port, http_server, openssl_server, silent_listener
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from certbench.core.online.probe import ProbeReport
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.modals.save_path import SavePathModal
from certbench.ui.screens.probe import ProbeScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import until

pytestmark = pytest.mark.xdist_group("online")
INSPECT_MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> OnlineMaterial:
    return make_online_material(tmp_path_factory.mktemp("online-tui"))


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def rendered(screen: ProbeScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_probe(app: CertbenchApp, pilot: Pilot[None]) -> ProbeScreen:
    await pilot.press("7")
    await until(pilot, lambda: isinstance(app.screen, ProbeScreen))
    screen = app.screen
    assert isinstance(screen, ProbeScreen)
    return screen


async def probe(pilot: Pilot[None], screen: ProbeScreen, target: str) -> None:
    """Type ``target`` into the (focused) host field and press Enter; wait until the probe has ended."""
    field = screen.query_one("#probe-target", Input)
    field.focus()
    field.value = ""
    await pilot.press(*target, "enter")
    await until(pilot, lambda: screen._worker is None and not screen.query_one("#probe-body").loading)


def _mtls_server(material: OnlineMaterial, cwd: Path):  # type: ignore[no-untyped-def]
    """openssl s_server requiring a client certificate from Partner Client CA (it sends that CA's name)."""
    return openssl_server(
        "-cert", material.leaf, "-key", material.leaf_key, "-cert_chain", material.inter,
        "-Verify", "2", "-verify_return_error", "-CAfile", material.partner_ca, cwd=cwd,
    )  # fmt: skip


@pytest.fixture
def ws_path(material: OnlineMaterial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with two client identities: Acme's (plain key) and the partner's (encrypted key)."""
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(tmp_path / "ws")
    load = x509.load_pem_x509_certificate
    workspace.save_item(
        "acme-client", "imported",  # type: ignore[arg-type]
        now=FIXED_NOW, certificate=load(material.acme_client.read_bytes()),
        key_pem=material.acme_client_key.read_bytes(), key_encrypted=False,
    )  # fmt: skip
    workspace.save_item(
        "partner-client", "imported",  # type: ignore[arg-type]
        now=FIXED_NOW, certificate=load(material.good_client.read_bytes()),
        key_pem=material.good_client_key_encrypted.read_bytes(), key_encrypted=True,
    )  # fmt: skip
    return workspace.root


async def test_mutual_tls_refused_then_accepted_then_save_import_and_trust(
    material: OnlineMaterial, ws_path: Path, tmp_path: Path
) -> None:
    app = make_app(ws_path)  # the real clock: the session material is dated from it
    with _mtls_server(material, tmp_path) as port:
        async with app.run_test(size=(130, 38)) as pilot:
            screen = await open_probe(app, pilot)
            field = screen.query_one("#probe-target", Input)
            assert app.focused is field
            client = screen.query_one("#probe-client", Select)
            await until(pilot, lambda: len(client._options) == 3)  # the blank and the two identities

            # Digits and action letters typed in the host field stay there (no screen switch, no action).
            await pilot.press(*f"127.0.0.1:{port}", "s", "i", "t", *["backspace"] * 3)
            assert field.value == f"127.0.0.1:{port}" and app.current_mode == "probe"

            # Acme's client certificate: refused, and the screen says which CA the server wants.
            client.value = "acme-client"
            field.focus()
            await pilot.press("enter")
            await until(pilot, lambda: screen.report is not None and screen._worker is None)
            report = screen.report
            assert report is not None and report.client is not None and not report.client.accepted
            facts = rendered(screen, "#probe-facts")
            assert "acceptable client CA names (1):" in facts and "O=Partner,CN=Partner Client CA" in facts
            assert "REFUSED" in facts and "yours is issued by O=Acme,CN=Acme Root CA" in facts
            findings = screen.query_one("#probe-findings", DataTable)
            codes = [str(findings.get_row_at(i)[1]) for i in range(findings.row_count)]
            assert "tls.client-refused" in codes
            assert "FAIL" in rendered(screen, "#probe-status") and "client certificate REFUSED" in rendered(
                screen, "#probe-status"
            )
            certs = screen.query_one("#probe-certs", DataTable)
            assert certs.row_count == 2 and app.focused is certs
            titles = {c.title for c in app.get_system_commands(screen)}
            assert {"Probe: Save chain", "Probe: Root to truststore", "Probe: Import", "Probe: Probe"} <= titles

            # The partner's identity has an encrypted key: the password modal, then accepted.
            client.value = "partner-client"
            certs.focus()
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, PasswordModal))
            assert "waiting for the password of the key of partner-client" in rendered(screen, "#probe-status")
            await pilot.press(*"wrong", "enter")
            await until(pilot, lambda: isinstance(app.screen, PasswordModal) and bool(app.screen.query(".modal-error")))
            await pilot.press(*CLIENT_KEY_PASSWORD, "enter")
            await until(pilot, lambda: screen.report is not None and screen.report.client is not None
                        and screen.report.client.accepted)  # fmt: skip
            assert "accepted" in rendered(screen, "#probe-facts")
            assert all(CLIENT_KEY_PASSWORD not in (w.description + w.name) for w in app.workers)

            # Save the presented chain: relative -> the workspace's artifacts/, leaf first, openssl agrees.
            certs.focus()
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, SavePathModal))
            assert app.screen.query_one("#save-path", Input).value == "localhost-chain.pem"
            await pilot.press("enter")
            saved = ws_path / "artifacts" / "localhost-chain.pem"
            await until(pilot, saved.exists)
            await until(pilot, lambda: any(str(saved.resolve()) in m for m in messages(app)))
            names = [c.subject.rfc4514_string() for c in x509.load_pem_x509_certificates(saved.read_bytes())]
            assert names == ["CN=localhost", "O=Certbench Test,CN=Probe Test Issuing CA"]
            verify = subprocess.run(
                ["openssl", "verify", "-CAfile", str(material.root), "-untrusted", str(saved), str(saved)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert verify.returncode == 0, verify.stderr

            # Import the presented chain as a workspace item (no key).
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, SavePathModal))
            app.screen.query_one("#save-path", Input).value = "probed-server"
            await pilot.press("enter")
            await until(pilot, lambda: Workspace.open(ws_path).has("probed-server"))
            workspace = Workspace.open(ws_path)
            item = workspace.get("probed-server")
            assert not item.has_key and len(workspace.load_chain(item)) == 1
            assert item.extra["source"] == f"probe 127.0.0.1:{port}"

            # Root to truststore: the server sent no root, so the top intermediate is offered after a question.
            await until(pilot, lambda: isinstance(app.screen, ProbeScreen))
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("y")
            await until(pilot, lambda: app.current_mode == "truststore")
            written = ws_path / "artifacts" / "Probe-Test-Issuing-CA.pem"
            assert written.read_bytes() == material.inter.read_bytes().replace(b"\r\n", b"\n")
            truststore = app.screen
            await until(pilot, lambda: bool(getattr(truststore, "_candidates", [])))
            assert [c.subject for c in truststore._candidates] == [  # type: ignore[attr-defined]
                "O=Certbench Test,CN=Probe Test Issuing CA"
            ]


async def test_refused_not_tls_and_cancel_are_one_line_each(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_probe(app, pilot)
        assert not screen.check_action("save_chain", ()) and not screen.check_action("cancel", ())
        assert "Probe: Save chain" not in {c.title for c in app.get_system_commands(screen)}  # nothing probed yet

        port = closed_port()
        await probe(pilot, screen, f"127.0.0.1:{port}")
        assert screen.report is not None and screen.report.error is not None
        assert "connection refused" in rendered(screen, "#probe-status")
        assert any(f"127.0.0.1:{port}  ERROR  connection refused" in m for m in messages(app))  # as the CLI says it
        assert screen.query_one("#probe-certs", DataTable).row_count == 0

        with http_server() as http_port:
            await probe(pilot, screen, f"127.0.0.1:{http_port}")
        assert "did not answer with TLS" in rendered(screen, "#probe-status")

        await probe(pilot, screen, "no-port:http")
        assert "the port must be a number" in rendered(screen, "#probe-status")

        # A server that never answers: Esc abandons the probe; nothing it delivers later is shown.
        before = screen.report
        with silent_listener() as silent:
            field = screen.query_one("#probe-target", Input)
            field.value = f"127.0.0.1:{silent}"
            await pilot.press("enter")
            await until(pilot, lambda: screen._worker is not None)
            worker = screen._worker
            assert screen.query_one("#probe-body").loading and screen.check_action("cancel", ())
            assert "Esc cancels" in rendered(screen, "#probe-status")
            await pilot.press("escape")
            assert screen._worker is None and not screen.query_one("#probe-body").loading
        assert worker is not None
        await until(pilot, lambda: worker.is_finished)  # the listener closed: the handshake fails at once
        await pilot.pause(0.2)
        assert screen.report is before and "Cancelled" in rendered(screen, "#probe-status")


async def test_inspect_from_server_prefills_the_probe_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: type(app.screen).__name__ == "InspectScreen")
        inspect = app.screen
        inspect.open_paths([str(INSPECT_MATERIAL / "chain.pem")])  # type: ignore[attr-defined]
        await until(pilot, lambda: inspect.query_one("#inspect-certs", DataTable).row_count == 3)
        inspect.query_one("#inspect-certs", DataTable).focus()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Inspect: From server" in titles
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ProbeScreen))
        field = app.screen.query_one("#probe-target", Input)
        assert field.value == "api.example.com" and app.focused is field
        assert "Press Enter to probe api.example.com" in rendered(app.screen, "#probe-status")  # type: ignore[arg-type]


def stored_report(workspace: Workspace) -> ProbeReport:
    """A probe result built from the demo workspace (fixed keys and dates), as a mutual-TLS gateway answers
    tpp1: it presents demo-server and the Axway root, accepts clients of the ConnectPay root only, and
    refuses tpp1 with unknown_ca. Nothing in it depends on a port, a clock or a fresh key."""
    from certbench.core.demo import DEMO_KEY_PASSWORD
    from certbench.core.online.probe import Handshake, Target, analyze_handshake, client_identity_from_item

    server = workspace.get("demo-server")
    presented = (workspace.load_certificate(server), *workspace.load_chain(server))
    accepted_ca = workspace.load_certificate(workspace.get("connectpay-root-ca")).subject
    shake = Handshake(
        completed=False,
        version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        alpn=None,
        presented=presented,
        client_auth_requested=True,
        acceptable_ca_names=(accepted_ca,),
        alert="unknown_ca",
        failure="the server sent a fatal alert after the handshake",
    )
    client = client_identity_from_item(workspace, workspace.get("tpp1"), DEMO_KEY_PASSWORD)
    target = Target("localhost", 8443, "localhost")
    return analyze_handshake(target, shake, now=FIXED_NOW, client=client)


def test_snapshot_probe_screen_mutual_tls_refused(snap_compare, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    """You should see localhost:8443 probed with the client identity tpp1: TLSv1.3, client auth requested with
    one acceptable CA name (CN=MyCompany Local Root CA,O=MyCompany), "Mutual TLS ... REFUSED: the server
    accepts client certificates issued by ...; yours is issued by ... Axway Root CA", trust not checked; the
    presented chain (localhost, Axway Root CA) with the leaf's details, the tls.client-refused ERROR with
    its fix, and the FAIL status line."""
    report = stored_report(demo_workspace)

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CertbenchApp)
        screen = await open_probe(app, pilot)
        client = screen.query_one("#probe-client", Select)
        await until(pilot, lambda: len(client._options) > 1)
        client.value = "tpp1"
        screen.query_one("#probe-target", Input).value = "localhost:8443"
        screen.show_report(report)
        await pilot.pause(0.3)

    app = home_at_workspace(make_app(demo_workspace.root, now=FIXED_NOW))
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


async def test_certificate_strings_render_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subject or CA name holding Rich markup shows as typed, in the facts, the table and the details."""
    from certbench.core.online.probe import Handshake, Target, analyze_handshake

    monkeypatch.chdir(tmp_path)
    weird = tmp_path / "weird.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp_path / "weird.key"), "-subj", "/O=[red]x/CN=[weird] corp", "-days", "30",
         "-out", str(weird)],
        check=True, capture_output=True,
    )  # fmt: skip
    certificate = x509.load_pem_x509_certificate(weird.read_bytes())
    shake = Handshake(True, "TLSv1.3", "TLS_AES_128_GCM_SHA256", None, (certificate,), True, (certificate.subject,))
    report = analyze_handshake(Target("[bold]x", 443, None), shake, now=FIXED_NOW)
    app = make_app(tmp_path / "ws", now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_probe(app, pilot)
        screen.show_report(report)
        await pilot.pause(0.1)
        facts = rendered(screen, "#probe-facts")
        assert "CN=[weird] corp,O=[red]x" in facts and "[bold]x:443" in facts
        assert str(screen.query_one("#probe-certs", DataTable).get_row_at(0)[1]) == "[weird] corp"
        assert "[weird] corp" in rendered(screen, "#probe-details")
