"""``certbench trust build|list|diff`` end to end, with every output proved by keytool, openssl and ssl."""

from __future__ import annotations

import json
import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
import truststore_material
from truststore_material import STOREPASS, TrustMaterial, keytool_list

from conftest import FIXED_NOW

trust_material = truststore_material.trust_material  # the session fixture

NOW_ENV = {"CERTBENCH_NOW": FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "TRUST_PW": "s3cret-pw"}


def _entries(listing: str) -> list[tuple[str, str]]:
    """(alias, entry type) pairs from ``keytool -list`` output."""
    return re.findall(r"^([^\s,]+), [^,]+, [^,]+, (\w+),\s*$", listing, flags=re.MULTILINE)


def _openssl(*args: str | Path, env: dict[str, str] | None = None) -> str:
    import os

    result = subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _build(run_cli, out: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("--workspace", str(out.parent / "ws"), "trust", "build", "--out", str(out), *args, env=NOW_ENV)


@pytest.mark.interop
def test_build_pem_report_and_openssl(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    out = tmp_path / "trust.pem"
    code, stdout, stderr = _build(run_cli, out, "--ca-only", "--drop-expired", str(trust_material.bundle))
    assert code == 0, stderr
    assert "duplicate alpha-root-ca" in stdout
    assert re.search(r"^expired\s+old-root-ca", stdout, re.MULTILINE)
    assert re.search(r"^non-ca\s+localhost", stdout, re.MULTILINE)
    assert "7 added, 1 duplicate, 1 expired dropped, 1 non-CA dropped, 0 filtered out" in stdout
    printed = _openssl("storeutl", "-noout", "-text", "-certs", out)
    assert printed.count("Certificate:\n") == 7
    subjects = _openssl("crl2pkcs7", "-nocrl", "-certfile", out)
    p7 = tmp_path / "t.p7b"
    p7.write_text(subjects)
    listed = _openssl("pkcs7", "-print_certs", "-noout", "-in", p7)
    assert "subject=O = Twin Two, CN = Twin Root CA" in listed
    assert "CN = localhost" not in listed
    first = _openssl("x509", "-noout", "-subject", "-enddate", "-in", out)
    assert "Alpha Root CA" in first and "Jan  1 00:00:00 2035 GMT" in first
    assert out.read_text().startswith("# alpha-root-ca: CN=Alpha Root CA,O=Certbench Test (expires 2035-01-01")


@pytest.mark.interop
def test_build_jks_keytool_sees_trusted_cert_entries(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    out = tmp_path / "trust.jks"
    code, _stdout, stderr = _build(run_cli, out, "--password-env", "TRUST_PW", str(trust_material.bundle))
    assert code == 0, stderr
    listing = keytool_list(out, "JKS", "s3cret-pw")
    assert "Your keystore contains 9 entries" in listing
    entries = _entries(listing)
    assert len(entries) == 9
    assert {kind for _alias, kind in entries} == {"trustedCertEntry"}
    assert {"alpha-root-ca", "twin-root-ca", "twin-root-ca-2", "weird-root-ca"} <= {alias for alias, _ in entries}


@pytest.mark.interop
def test_build_p12_keytool_and_openssl(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    out = tmp_path / "trust.p12"
    code, _stdout, stderr = _build(
        run_cli, out, "--password-env", "TRUST_PW", "--include", "root", str(trust_material.bundle)
    )
    assert code == 0, stderr
    listing = keytool_list(out, "PKCS12", "s3cret-pw")
    assert "Your keystore contains 7 entries" in listing
    entries = _entries(listing)
    assert len(entries) == 7 and {kind for _a, kind in entries} == {"trustedCertEntry"}
    dump = _openssl("pkcs12", "-in", out, "-nokeys", "-passin", "env:TRUST_PW", env={"TRUST_PW": "s3cret-pw"})
    assert dump.count("-----BEGIN CERTIFICATE-----") == 7
    assert "PRIVATE KEY" not in dump
    assert "friendlyName: twin-root-ca-2" in dump


@pytest.mark.interop
def test_python_ssl_client_trusting_only_the_pem_truststore(
    trust_material: TrustMaterial, tmp_path: Path, run_cli
) -> None:
    good = tmp_path / "good.pem"
    bad = tmp_path / "bad.pem"
    assert _build(run_cli, good, "--ca-only", "--include", "Alpha Root", str(trust_material.bundle))[0] == 0
    assert _build(run_cli, bad, "--ca-only", "--exclude", "Alpha", str(trust_material.bundle))[0] == 0
    chain = tmp_path / "server-chain.pem"
    chain.write_bytes(trust_material.server_cert.read_bytes() + trust_material.intermediate.read_bytes())
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(chain, trust_material.server_key)

    def handshake(cafile: Path) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        failures: list[BaseException] = []

        def serve() -> None:
            connection, _ = listener.accept()
            try:
                with server_context.wrap_socket(connection, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError) as exc:
                failures.append(exc)
            finally:
                listener.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        client_context = ssl.create_default_context(cafile=str(cafile))
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
                client_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
            ):
                return tls.recv(5).decode()
        finally:
            thread.join(timeout=5)

    assert handshake(good) == "hello"
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(bad)


def test_inputs_p7b_p12_and_workspace_items(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    from cryptography import x509

    from certbench.core.workspace import ItemKind, Workspace

    workspace = Workspace.open(tmp_path / "ws")
    certificate = x509.load_pem_x509_certificate(trust_material.roots["soon"].read_bytes())
    workspace.save_item("soon", ItemKind.CA, now=FIXED_NOW, certificate=certificate)
    old = x509.load_pem_x509_certificate(trust_material.roots["old"].read_bytes())
    workspace.save_item("old-root", ItemKind.CA, now=FIXED_NOW, certificate=old)
    out = tmp_path / "mixed.pem"
    code, stdout, stderr = run_cli(
        "--workspace", str(tmp_path / "ws"), "trust", "build", "--out", str(out), "--json",
        "--input-password-env", "IN_PW", str(trust_material.p7b), str(trust_material.keytool_p12), "ws:soon",
        "old-root", env={**NOW_ENV, "IN_PW": STOREPASS},
    )  # fmt: skip
    assert code == 0, stderr
    report = json.loads(stdout)
    assert (report["added"], report["duplicate"]) == (4, 2)
    sources = [d["source"] for d in report["decisions"] if d["status"] == "added"]
    assert sources[-2:] == ["workspace:soon", "workspace:old-root"]
    assert report["format"] == "pem"
    audit = workspace.read_audit()
    assert audit[-1]["action"] == "trust.build" and audit[-1]["added"] == 4
    assert "s3cret" not in (tmp_path / "ws" / "audit.log").read_text()


def test_list_text_and_json(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    out = tmp_path / "trust.p12"
    assert _build(run_cli, out, "--password-env", "TRUST_PW", str(trust_material.bundle))[0] == 0
    code, stdout, _ = run_cli("trust", "list", str(out), "--password-env", "TRUST_PW", env=NOW_ENV)
    assert code == 0
    assert re.search(r"^soon-root-ca\s+2026-02-01\s+16 SOON\s+yes\s+CN=Soon Root CA,O=Certbench Test$", stdout, re.M)
    assert re.search(r"^old-root-ca\s+2020-01-01\s+-\d+ EXPIRED\s+yes", stdout, re.MULTILINE)
    assert re.search(r"^localhost\s+2035-01-01\s+\d+\s+no\s+CN=localhost$", stdout, re.MULTILINE)
    assert stdout.rstrip().endswith(f"9 certificate(s) in {out}")
    code, stdout, _ = run_cli("trust", "list", str(out), "--json", "--password-env", "TRUST_PW", env=NOW_ENV)
    rows = json.loads(stdout)
    assert len(rows) == 9
    soon = next(r for r in rows if r["alias"] == "soon-root-ca")
    assert soon["days_left"] == 16 and soon["ca"] is True and soon["expired"] is False
    assert soon["not_after"] == "2026-02-01T00:00:00Z" and len(soon["sha256"]) == 95


def test_list_keytool_made_p12_keeps_its_aliases(trust_material: TrustMaterial, run_cli) -> None:
    code, stdout, stderr = run_cli(
        "trust", "list", "--json", str(trust_material.keytool_p12), "--password-env", "IN_PW", env={"IN_PW": STOREPASS}
    )
    assert code == 0, stderr
    assert sorted(r["alias"] for r in json.loads(stdout)) == ["alpha", "beta"]


def test_diff_exit_codes_across_formats(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    pem = tmp_path / "a.pem"
    p12 = tmp_path / "a.p12"
    smaller = tmp_path / "b.pem"
    assert _build(run_cli, pem, "--ca-only", str(trust_material.bundle))[0] == 0
    assert _build(run_cli, p12, "--ca-only", "--password-env", "TRUST_PW", str(trust_material.bundle))[0] == 0
    assert _build(run_cli, smaller, "--ca-only", "--exclude", "beta", str(trust_material.bundle))[0] == 0
    code, stdout, _ = run_cli("trust", "diff", str(pem), str(p12), "--password-env", "TRUST_PW", env=NOW_ENV)
    assert code == 0
    assert "same certificates; 8 in both; 1 expired; 1 close to expiry (within 30 days)" in stdout
    old_line = next(line for line in stdout.splitlines() if line.startswith("! old-root-ca"))
    assert "(EXPIRED " in old_line and "day(s) ago" in old_line
    code, stdout, _ = run_cli("trust", "diff", str(p12), str(smaller), "--password-env", "TRUST_PW", env=NOW_ENV)
    assert code == 1
    assert "- beta-root-ca  CN=Beta Root CA,O=Certbench Test" in stdout
    assert "! soon-root-ca" in stdout and "expires in 16 day(s)" in stdout
    code, stdout, _ = run_cli("trust", "diff", str(smaller), str(pem), "--json", "--days", "0", env=NOW_ENV)
    assert code == 1
    result = json.loads(stdout)
    assert [c["alias"] for c in result["added"]] == ["beta-root-ca"]
    assert result["removed"] == [] and result["equal"] is False and result["unchanged"] == 7
    assert result["expiring"] == [] and [c["alias"] for c in result["expired"]] == ["old-root-ca"]


def test_jks_input_and_output_read_back(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    jks_out = tmp_path / "t.jks"
    pem_out = tmp_path / "t.pem"
    assert _build(run_cli, jks_out, "--password-env", "TRUST_PW", str(trust_material.bundle))[0] == 0
    assert _build(run_cli, pem_out, str(trust_material.bundle))[0] == 0
    code, _stdout, _ = run_cli("trust", "diff", str(pem_out), str(jks_out), "--password-env", "TRUST_PW", env=NOW_ENV)
    assert code == 0
    code, stdout, _ = run_cli("trust", "list", "--json", str(jks_out), "--password-env", "TRUST_PW", env=NOW_ENV)
    assert code == 0
    rows = json.loads(stdout)
    assert len(rows) == 9 and {"twin-root-ca", "twin-root-ca-2"} <= {r["alias"] for r in rows}
    # A keytool-made JKS as an input: its two roots are already in the bundle.
    code, stdout, stderr = run_cli(
        "trust", "build", "--out", str(tmp_path / "again.pem"), "--json", "--input-password-env", "IN_PW",
        str(trust_material.bundle), str(trust_material.keytool_jks), env={**NOW_ENV, "IN_PW": STOREPASS},
    )  # fmt: skip
    assert code == 0, stderr
    report = json.loads(stdout)
    assert (report["added"], report["duplicate"]) == (9, 3)
    jks_rows = [d for d in report["decisions"] if d["source"] == str(trust_material.keytool_jks)]
    assert {d["status"] for d in jks_rows} == {"duplicate"} and len(jks_rows) == 2
    code, _, stderr = run_cli("trust", "list", str(trust_material.keytool_jks), env=NOW_ENV)
    assert code == 2 and "password" in stderr.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["INPUT_GARBAGE"], "garbage.pem: "),
        (["does-not-exist.pem"], "does-not-exist.pem: no such file"),
        (["no_such_item"], "no_such_item: no such file, and no workspace item of that name"),
        (["ws:missing"], "no item named 'missing'"),
        (["INPUT_P12_NO_PASSWORD"], "--input-password-env VAR"),
    ],
)
def test_bad_inputs_are_one_line_errors(
    trust_material: TrustMaterial, tmp_path: Path, run_cli, args: list[str], message: str
) -> None:
    replaced = [
        str(trust_material.garbage)
        if a == "INPUT_GARBAGE"
        else str(trust_material.keytool_p12)
        if a == "INPUT_P12_NO_PASSWORD"
        else a
        for a in args
    ]
    code, _stdout, stderr = _build(run_cli, tmp_path / "out.pem", *replaced)
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("certbench: error: ")
    assert message in stderr
    assert not (tmp_path / "out.pem").exists()


def test_output_rules(trust_material: TrustMaterial, tmp_path: Path, run_cli) -> None:
    bundle = str(trust_material.bundle)
    code, _, stderr = _build(run_cli, tmp_path / "out.jks", bundle)
    assert code == 2 and "JKS truststore needs a password" in stderr
    code, _, stderr = _build(run_cli, tmp_path / "out.bin", bundle)
    assert code == 2 and "give --format pem|jks|p12" in stderr
    assert _build(run_cli, tmp_path / "out.bin", "--format", "pem", bundle)[0] == 0
    code, _, stderr = _build(run_cli, tmp_path / "out.bin", "--format", "pem", bundle)
    assert code == 2 and "already exists" in stderr
    assert _build(run_cli, tmp_path / "out.bin", "--format", "pem", "--force", "--include", "beta", bundle)[0] == 0
    assert (tmp_path / "out.bin").read_text().count("BEGIN CERTIFICATE") == 1
    code, _, stderr = _build(run_cli, tmp_path / "empty.pem", "--include", "nothing-matches", bundle)
    assert code == 2 and "no certificate left" in stderr
    code, _, stderr = _build(run_cli, tmp_path / "none.pem")
    assert code == 2 and "give at least one INPUT or --system-trust" in stderr
    code, _, stderr = run_cli("trust", "diff", bundle, bundle, "--days", "-3")
    assert code == 2 and "--days: DAYS must be from 0" in stderr


def test_system_trust(tmp_path: Path, run_cli) -> None:
    from certbench.core.system_bundle import system_bundle_path

    if system_bundle_path() is None:
        pytest.skip("no system CA bundle on this machine")
    out = tmp_path / "system.pem"
    code, stdout, stderr = _build(run_cli, out, "--system-trust", "--ca-only", "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["added"] > 50
    assert all(d["source"].startswith("system:") for d in report["decisions"])
    assert "Traceback" not in stderr and "CryptographyDeprecationWarning" not in stderr


def test_list_and_diff_bad_input_are_one_line_errors(trust_material: TrustMaterial, run_cli) -> None:
    for args in (
        ["trust", "list", str(trust_material.garbage)],
        ["trust", "diff", str(trust_material.bundle), str(trust_material.garbage)],
        ["trust", "diff", str(trust_material.bundle), "nowhere.pem"],
    ):
        code, stdout, stderr = run_cli(*args, env=NOW_ENV)
        assert code == 2, args
        assert stderr.startswith("certbench: error: ") and stderr.count("\n") == 1
        assert "garbage.pem" in stderr or "nowhere.pem" in stderr
        assert stdout == ""
