"""`certbench probe` against servers on 127.0.0.1 started by each test (Python ssl and openssl s_server)."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from online_material import CLIENT_KEY_PASSWORD, OnlineMaterial, bundle, make_online_material
from servers import TLSServer, closed_port, http_server, openssl_server, server_context, silent_listener, sni_context

from certbench.core.workspace import ItemKind, Workspace

pytestmark = pytest.mark.xdist_group("online")


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> OnlineMaterial:
    return make_online_material(tmp_path_factory.mktemp("online"))


def _json(out: str) -> dict:
    document = json.loads(out)
    assert len(document["targets"]) >= 1
    return document


def _codes(target: dict) -> set[str]:
    return {f["code"] for f in target["findings"]}


def _chain_file(material: OnlineMaterial, name: str, *parts: Path) -> Path:
    return bundle(material.directory / name, *parts)


def test_correct_chain_python_ssl_trusted_with_anchor_and_alpn(material: OnlineMaterial, run_cli, tmp_path) -> None:
    context = server_context(_chain_file(material, "good-chain.pem", material.leaf, material.inter), material.leaf_key)
    context.set_alpn_protocols(["http/1.1"])
    seen: list[str | None] = []
    with TLSServer(sni_context(context, {}, seen)) as server:
        code, out, err = run_cli(
            "--workspace", str(tmp_path / "ws"), "probe", f"127.0.0.1:{server.port}", "--servername", "localhost",
            "--trust", str(material.root), "--json",
        )  # fmt: skip
    assert code == 0, err
    target = _json(out)["targets"][0]
    assert (target["host"], target["port"], target["servername"]) == ("127.0.0.1", server.port, "localhost")
    assert target["tls"]["version"] == "TLSv1.3" and target["tls"]["cipher"] and target["tls"]["alpn"] == "http/1.1"
    assert [c["subject"] for c in target["presented"]] == ["CN=localhost", "O=Certbench Test,CN=Probe Test Issuing CA"]
    assert target["chains"][0]["complete"] and target["chains"][0]["as_given"] == "leaf-first"
    assert target["trusted"] is True and target["error"] is None
    assert target["anchor"] == {
        "alias": None,
        "path": str(material.root),
        "subject": "O=Certbench Test,CN=Probe Test Root CA",
    }
    assert target["client_auth"] == {"requested": False, "acceptable_ca_names": []}
    assert target["client"] is None
    assert _codes(target) == {"chain.root-missing"}  # the root came from the anchors, as servers usually do
    assert seen == ["localhost"]


def test_correct_chain_openssl_s_server_text_report(material: OnlineMaterial, run_cli, tmp_path) -> None:
    with openssl_server(
        "-cert", material.leaf, "-key", material.leaf_key, "-cert_chain", material.inter, cwd=tmp_path
    ) as port:
        code, out, _ = run_cli("probe", f"127.0.0.1:{port}", "--trust", str(material.root))
    assert code == 0
    summary = out.splitlines()[0]
    assert summary.startswith(f"127.0.0.1:{port}  ok  TLSv1.3, 2 certificate(s) presented")
    assert "trusted" in summary
    assert "Client auth not requested by the server" in out
    assert f"Anchor      O=Certbench Test,CN=Probe Test Root CA ({material.root})" in out
    assert "[c1] localhost (leaf)" in out and "└── [c2] Probe Test Issuing CA (intermediate)" in out


def test_missing_intermediate_is_reported_and_not_trusted(material: OnlineMaterial, run_cli) -> None:
    with TLSServer(server_context(material.leaf, material.leaf_key)) as server:
        code, out, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--trust", str(material.root), "--json")
    assert code == 1
    target = _json(out)["targets"][0]
    assert len(target["presented"]) == 1
    assert "chain.incomplete" in _codes(target)
    incomplete = next(f for f in target["findings"] if f["code"] == "chain.incomplete")
    assert incomplete["severity"] == "error" and "Probe Test Issuing CA" in incomplete["message"]
    assert target["trusted"] is False and target["anchor"] is None


def test_root_first_chain_is_diagnosed_and_saved_leaf_first(material: OnlineMaterial, run_cli, tmp_path) -> None:
    # A server's own certificate always goes first; the extra certificates here are root, then intermediate.
    chain = _chain_file(material, "mixed-chain.pem", material.leaf, material.root, material.inter)
    saved = tmp_path / "saved.pem"
    with TLSServer(server_context(chain, material.leaf_key)) as server:
        code, out, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--save-chain", str(saved), "--json")
    assert code == 1
    target = _json(out)["targets"][0]
    assert [c["subject"].split("CN=")[1] for c in target["presented"]] == [
        "localhost",
        "Probe Test Root CA",
        "Probe Test Issuing CA",
    ]
    assert "chain.order" in _codes(target)
    # openssl reads the saved file back: leaf, intermediate, root; and it verifies.
    listed = subprocess.run(
        f"openssl crl2pkcs7 -nocrl -certfile {saved} | openssl pkcs7 -print_certs -noout",
        shell=True, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    subjects = [line.split("CN = ")[1].split(",")[0] for line in listed.splitlines() if line.startswith("subject=")]
    assert subjects == ["localhost", "Probe Test Issuing CA", "Probe Test Root CA"]
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(material.root), "-untrusted", str(saved), str(saved)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


def test_save_chain_refuses_an_existing_file_without_force(material: OnlineMaterial, run_cli, tmp_path) -> None:
    saved = tmp_path / "exists.pem"
    saved.write_text("keep me\n")
    with TLSServer(server_context(material.leaf, material.leaf_key)) as server:
        code, _, err = run_cli("probe", f"127.0.0.1:{server.port}", "--save-chain", str(saved))
        assert code == 2 and "already exists" in err
        assert saved.read_text() == "keep me\n"
        code, _, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--save-chain", str(saved), "--force")
    assert code == 0 and saved.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_expired_leaf(material: OnlineMaterial, run_cli) -> None:
    chain = _chain_file(material, "expired-chain.pem", material.expired, material.inter)
    with TLSServer(server_context(chain, material.leaf_key)) as server:
        code, out, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--servername", "localhost", "--json")
    assert code == 1
    target = _json(out)["targets"][0]
    expired = next(f for f in target["findings"] if f["code"] == "cert.expired")
    assert expired["severity"] == "error" and "'localhost' expired on" in expired["message"]


def test_wrong_hostname(material: OnlineMaterial, run_cli) -> None:
    chain = _chain_file(material, "other-chain.pem", material.other_name, material.inter)
    with TLSServer(server_context(chain, material.leaf_key)) as server:
        code, out, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--servername", "localhost", "--json")
        ip_code, ip_out, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--json")
    assert code == 1
    finding = next(f for f in _json(out)["targets"][0]["findings"] if f["code"] == "tls.hostname")
    assert finding["message"] == "'other.example' is not valid for localhost (it holds DNS:other.example)"
    # Without --servername an IP address is checked against the IP entries (and no SNI is sent).
    ip_target = _json(ip_out)["targets"][0]
    assert ip_code == 1 and ip_target["servername"] is None
    assert any("not valid for 127.0.0.1" in f["message"] for f in ip_target["findings"])


def test_sni_selects_the_certificate(material: OnlineMaterial, run_cli) -> None:
    seen: list[str | None] = []
    by_name = {
        "a.test": server_context(_chain_file(material, "a.pem", material.sni_a, material.inter), material.leaf_key),
        "b.test": server_context(_chain_file(material, "b.pem", material.sni_b, material.inter), material.leaf_key),
    }
    default = server_context(_chain_file(material, "d.pem", material.leaf, material.inter), material.leaf_key)
    with TLSServer(sni_context(default, by_name, seen)) as server:
        results = {
            name: run_cli("probe", f"127.0.0.1:{server.port}", "--servername", name, "--json")
            for name in ("a.test", "b.test")
        }
    assert seen == ["a.test", "b.test"]
    for name, (code, out, _) in results.items():
        target = _json(out)["targets"][0]
        assert code == 0, target["findings"]
        assert target["presented"][0]["subject"] == f"CN={name}" and target["servername"] == name
        assert "tls.hostname" not in _codes(target)


def _mtls_server(material: OnlineMaterial, cwd: Path):  # type: ignore[no-untyped-def]
    """openssl s_server requiring a client certificate from Partner Client CA (it sends that CA's name)."""
    return openssl_server(
        "-cert", material.leaf, "-key", material.leaf_key, "-cert_chain", material.inter,
        "-Verify", "2", "-verify_return_error", "-CAfile", material.partner_ca, cwd=cwd,
    )  # fmt: skip


def test_mutual_tls_accepted_with_the_right_identity(material: OnlineMaterial, run_cli, tmp_path) -> None:
    with _mtls_server(material, tmp_path) as port:
        code, out, err = run_cli(
            "probe", f"127.0.0.1:{port}", "--client-cert", str(material.good_client),
            "--client-key", str(material.good_client_key), "--json",
        )  # fmt: skip
    assert code == 0, err
    target = _json(out)["targets"][0]
    assert target["client_auth"] == {"requested": True, "acceptable_ca_names": ["O=Partner,CN=Partner Client CA"]}
    client = target["client"]
    assert client["accepted"] is True and client["alert"] is None and client["subject"] == "O=Us,CN=Good Client"
    assert len(client["sha256"]) == 95


def test_mutual_tls_refused_explains_which_ca_the_server_wants(material: OnlineMaterial, run_cli, tmp_path) -> None:
    with _mtls_server(material, tmp_path) as port:
        code, out, _ = run_cli(
            "probe", f"127.0.0.1:{port}", "--client-cert", str(material.acme_client),
            "--client-key", str(material.acme_client_key),
        )  # fmt: skip
        json_code, json_out, _ = run_cli(
            "probe", f"127.0.0.1:{port}", "--client-cert", str(material.acme_client),
            "--client-key", str(material.acme_client_key), "--json",
        )  # fmt: skip
    assert code == json_code == 1
    explanation = (
        "the server accepts client certificates issued by O=Partner,CN=Partner Client CA; "
        "yours is issued by O=Acme,CN=Acme Root CA"
    )
    assert explanation in out and "REFUSED" in out.splitlines()[0]
    assert "Client auth requested by the server; acceptable client CA names:" in out
    client = _json(json_out)["targets"][0]["client"]
    assert client["accepted"] is False and client["alert"] == "unknown_ca"
    assert client["reason"].startswith(explanation)


def test_mutual_tls_with_a_workspace_item_and_its_encrypted_key(material: OnlineMaterial, run_cli, tmp_path) -> None:
    from cryptography import x509

    from conftest import FIXED_NOW

    workspace = Workspace.open(tmp_path / "ws")
    workspace.save_item(
        "partner-client", "imported",  # type: ignore[arg-type]
        now=FIXED_NOW, certificate=x509.load_pem_x509_certificate(material.good_client.read_bytes()),
        key_pem=material.good_client_key_encrypted.read_bytes(), key_encrypted=True,
    )  # fmt: skip
    with _mtls_server(material, tmp_path) as port:
        code, out, err = run_cli(
            "--workspace", str(workspace.root), "probe", f"127.0.0.1:{port}", "--client", "partner-client",
            "--client-password-env", "CLIENT_PASS", "--json", env={"CLIENT_PASS": CLIENT_KEY_PASSWORD},
        )  # fmt: skip
        missing_code, _, missing_err = run_cli(
            "--workspace", str(workspace.root), "probe", f"127.0.0.1:{port}", "--client", "partner-client"
        )
    assert code == 0, err
    assert _json(out)["targets"][0]["client"]["accepted"] is True
    assert missing_code == 2 and missing_err.count("\n") == 1 and "encrypted" in missing_err


def test_server_requiring_a_client_certificate_probed_without_one(material: OnlineMaterial, run_cli, tmp_path) -> None:
    with _mtls_server(material, tmp_path) as port:
        code, out, _ = run_cli("probe", f"127.0.0.1:{port}", "--json")
    assert code == 1
    target = _json(out)["targets"][0]
    assert target["client_auth"]["requested"] is True
    assert target["client_auth"]["acceptable_ca_names"] == ["O=Partner,CN=Partner Client CA"]
    refused = next(f for f in target["findings"] if f["code"] == "tls.refused")
    assert "certificate_required" in refused["message"] and "--client" in refused["fix"]
    assert len(target["presented"]) == 2  # the server's chain was seen before it refused


def test_tls12_refusal_during_the_handshake_python_server(material: OnlineMaterial, run_cli) -> None:
    """TLS 1.2: the alert comes inside the handshake. Python's ssl sends no CA names, so the reason is generic."""
    context = server_context(
        _chain_file(material, "tls12.pem", material.leaf, material.inter),
        material.leaf_key,
        max_version=ssl.TLSVersion.TLSv1_2,
    )
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(material.partner_ca)
    with TLSServer(context) as server:
        good = run_cli(
            "probe", f"127.0.0.1:{server.port}", "--client-cert", str(material.good_client),
            "--client-key", str(material.good_client_key), "--json",
        )  # fmt: skip
        bad = run_cli(
            "probe", f"127.0.0.1:{server.port}", "--client-cert", str(material.acme_client),
            "--client-key", str(material.acme_client_key), "--json",
        )  # fmt: skip
    assert good[0] == 0 and _json(good[1])["targets"][0]["tls"]["version"] == "TLSv1.2"
    assert bad[0] == 1
    target = _json(bad[1])["targets"][0]
    assert target["client"]["accepted"] is False and target["client"]["alert"] in ("unknown_ca", "bad_certificate")
    assert target["client_auth"] == {"requested": True, "acceptable_ca_names": []}
    assert "tls.client-refused" in _codes(target)


def test_client_identity_on_a_server_that_does_not_ask(material: OnlineMaterial, run_cli) -> None:
    with TLSServer(server_context(material.leaf, material.leaf_key)) as server:
        code, out, _ = run_cli(
            "probe", f"127.0.0.1:{server.port}", "--servername", "localhost", "--client-cert",
            str(material.good_client), "--client-key", str(material.good_client_key), "--json",
        )  # fmt: skip
    target = _json(out)["targets"][0]
    assert code == 0 and target["client"]["accepted"] is True
    assert "tls.client-not-requested" in _codes(target)


def test_connection_refused_is_exit_2_naming_the_target(run_cli) -> None:
    port = closed_port()
    code, out, err = run_cli("probe", f"127.0.0.1:{port}")
    assert code == 2
    assert err == f"certbench: error: 127.0.0.1:{port}: connection refused (nothing listens on that port)\n"
    assert out.startswith(f"127.0.0.1:{port}  ERROR  connection refused")


def test_timeout_on_a_socket_that_never_answers(run_cli) -> None:
    with silent_listener() as port:
        code, out, err = run_cli("probe", f"127.0.0.1:{port}", "--timeout", "0.5", "--json")
    assert code == 2
    target = _json(out)["targets"][0]
    assert target["error"] == "no TLS answer within 0.5 s (is this a TLS port? try --starttls)"
    assert target["presented"] == [] and target["tls"] == {"version": None, "cipher": None, "alpn": None}
    assert err.count("\n") == 1


def test_plain_http_on_the_port(run_cli) -> None:
    with http_server() as port:
        code, _, err = run_cli("probe", f"127.0.0.1:{port}")
    assert code == 2
    assert "did not answer with TLS (plain HTTP or another protocol on this port?" in err


def test_starttls_smtp(material: OnlineMaterial, run_cli) -> None:
    chain = _chain_file(material, "smtp-chain.pem", material.leaf, material.inter)
    with TLSServer(server_context(chain, material.leaf_key), smtp=True) as server:
        code, out, err = run_cli(
            "probe", f"127.0.0.1:{server.port}", "--starttls", "smtp", "--servername", "localhost",
            "--trust", str(material.root), "--json",
        )  # fmt: skip
        plain_code, _, plain_err = run_cli("probe", f"127.0.0.1:{server.port}", "--timeout", "5")
    assert code == 0, err
    target = _json(out)["targets"][0]
    assert target["tls"]["version"] == "TLSv1.3" and target["tls"]["alpn"] is None  # no ALPN after STARTTLS
    assert target["trusted"] is True
    assert server.smtp_commands[:2] == ["EHLO certbench.invalid", "STARTTLS"]
    # The same port without --starttls: the server greets in plain text, which is not TLS.
    assert plain_code == 2 and "try --starttls" in plain_err


def test_several_targets_concurrently_summary_in_order_worst_exit(material: OnlineMaterial, run_cli) -> None:
    refused = closed_port()
    chain = _chain_file(material, "multi.pem", material.leaf, material.inter)
    with (
        TLSServer(server_context(chain, material.leaf_key)) as good,
        TLSServer(server_context(material.expired, material.leaf_key)) as expired,
    ):
        code, out, err = run_cli(
            "probe", f"127.0.0.1:{good.port}", f"127.0.0.1:{expired.port}", f"127.0.0.1:{refused}",
            "--servername", "localhost",
        )  # fmt: skip
    summary = out.splitlines()[:3]
    assert summary[0].startswith(f"127.0.0.1:{good.port}  ok  ")
    assert summary[1].startswith(f"127.0.0.1:{expired.port}  FAIL  ")
    assert summary[2].startswith(f"127.0.0.1:{refused}  ERROR  connection refused")
    assert code == 2 and err.count("\n") == 1 and f"127.0.0.1:{refused}" in err


def test_import_stores_the_presented_chain_as_a_workspace_item(material: OnlineMaterial, run_cli, tmp_path) -> None:
    chain = _chain_file(material, "import.pem", material.leaf, material.inter)
    ws = tmp_path / "ws"
    with TLSServer(server_context(chain, material.leaf_key)) as server:
        code, out, _ = run_cli(
            "--workspace", str(ws), "probe", f"127.0.0.1:{server.port}", "--servername", "localhost",
            "--import", "api-gateway",
        )  # fmt: skip
    assert code == 0 and "Imported api-gateway into the workspace (1 chain certificate(s), no key)" in out
    workspace = Workspace.open(ws)
    item = workspace.get("api-gateway")
    assert item.subject == "CN=localhost" and item.extra["source"] == f"probe 127.0.0.1:{server.port}"
    assert [c.subject.rfc4514_string() for c in workspace.load_chain(item)] == [
        "O=Certbench Test,CN=Probe Test Issuing CA"
    ]
    assert workspace.read_audit()[-1]["action"] == "item.import"
    # The same kind and description as `certbench import` of the certificate's file (kind "imported" before).
    code, _out, err = run_cli("--workspace", str(ws), "import", "from-file", str(material.leaf))
    assert code == 0, err
    from_file = workspace.get("from-file")
    assert item.kind is from_file.kind is ItemKind.CERT
    described = ("role", "serial", "sans")
    assert {k: item.extra[k] for k in described} == {k: from_file.extra[k] for k in described}
    assert item.extra["sans"] == ["DNS:localhost", "IP:127.0.0.1"]


def test_usage_errors(run_cli, material: OnlineMaterial) -> None:
    assert run_cli("probe", "127.0.0.1:99999")[0] == 2
    code, _, err = run_cli("probe", "127.0.0.1:1", "127.0.0.1:2", "--save-chain", "x.pem")
    assert code == 2 and "--save-chain and --import take one target" in err
    code, _, err = run_cli("probe", "127.0.0.1:1", "--client-key", str(material.good_client_key))
    assert code == 2 and "--client-key needs --client-cert" in err
    code, _, err = run_cli("probe", "127.0.0.1:1", "--client-cert", str(material.good_client))
    assert code == 2 and "holds no private key" in err
    code, _, err = run_cli(
        "probe", "127.0.0.1:1", "--client-cert", str(material.good_client), "--client-key", str(material.leaf_key)
    )
    assert code == 2 and "no certificate in it matches the client key" in err
    assert run_cli("probe", "127.0.0.1:1", "--timeout", "0")[0] == 2


def test_unresolvable_name_is_one_line(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS query leaves the machine: the resolver is replaced by one that fails as a missing name does."""

    def no_such_name(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    code, _, err = run_cli("probe", "gateway.example.invalid")
    assert code == 2
    assert (
        err == "certbench: error: gateway.example.invalid:443: cannot resolve gateway.example.invalid: "
        "Name or service not known\n"
    )


def test_expiring_endpoints(material: OnlineMaterial, run_cli, tmp_path: Path) -> None:
    refused = closed_port()
    chain = _chain_file(material, "watch.pem", material.leaf, material.inter)
    with (
        TLSServer(server_context(chain, material.leaf_key)) as fresh,
        TLSServer(server_context(material.expired, material.leaf_key)) as old,
    ):
        endpoints = tmp_path / "endpoints.txt"
        endpoints.write_text(f"# gateways\n127.0.0.1:{fresh.port}\n\n127.0.0.1:{old.port}  # legacy\n")
        code, out, err = run_cli("expiring", "--endpoints", str(endpoints))
        wide_code, wide_out, _ = run_cli("expiring", "--endpoints", str(endpoints), "--within", "4000", "--json")
        endpoints.write_text(f"127.0.0.1:{fresh.port}\n127.0.0.1:{refused}\n")
        down_code, _, down_err = run_cli("expiring", "--endpoints", str(endpoints))
    assert code == 1 and err == ""
    assert out.splitlines() == [out.splitlines()[0]] and "EXPIRED" in out and f"127.0.0.1:{old.port}" in out
    listed = json.loads(wide_out)
    assert wide_code == 1
    assert [(e["source"], e["name"]) for e in listed] == [
        ("endpoint", f"127.0.0.1:{old.port}"),
        ("endpoint", f"127.0.0.1:{fresh.port}"),
        ("endpoint", f"127.0.0.1:{fresh.port} (chain #2)"),
    ]
    assert listed[0]["expired"] is True and listed[1]["subject"] == "CN=localhost"
    assert down_code == 2
    assert down_err == f"certbench: error: 127.0.0.1:{refused}: connection refused (nothing listens on that port)\n"
