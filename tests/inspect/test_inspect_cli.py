"""`certbench inspect` and `certbench verify`: exit codes, JSON shape, --fix-out proven by openssl verify."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from inspect_material import P12_PASSWORD, InspectMaterial, inspect_material, openssl_fingerprint

__all__ = ["inspect_material"]

AT = ("--at", "2026-01-15T12:00:00Z")


def test_inspect_json_shape_and_exit_0(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("inspect", str(inspect_material.chain), "--json", *AT)
    assert code == 0, err
    document = json.loads(out)
    assert set(document) >= {"inputs", "certificates", "keys", "chains", "findings"}
    assert document["inputs"] == [
        {"path": str(inspect_material.chain), "format": "pem", "error": None, "container": None}
    ]
    first = document["certificates"][0]
    assert set(first) >= {
        "id", "path", "index", "subject", "issuer", "serial", "not_before", "not_after", "sha256", "sha1",
        "x5t#S256", "key_type", "key_size", "is_ca", "self_signed", "san", "key_usage", "extended_key_usage",
    }  # fmt: skip
    assert first["sha256"] == openssl_fingerprint(inspect_material.leaf)
    chain = document["chains"][0]
    assert chain["certificates"] == ["c1", "c2", "c3"] and chain["leaf"] == "c1"
    assert (chain["as_given"], chain["complete"], chain["root_present"], chain["signatures_ok"], chain["trusted"]) == (
        "leaf-first", True, True, True, True,
    )  # fmt: skip
    assert document["findings"] == []


def test_inspect_exit_1_and_fix_out_accepted_by_openssl(  # type: ignore[no-untyped-def]
    run_cli, inspect_material: InspectMaterial, tmp_path: Path
) -> None:
    fixed = tmp_path / "fixed.pem"
    code, out, _ = run_cli(
        "inspect", str(inspect_material.unrelated), str(inspect_material.p7b_pem), "--fix-out", str(fixed), *AT
    )
    assert code == 1  # the PKCS#7 is root first
    assert "chain.order" in out and "chain.unrelated" in out and "fix:" in out
    text = fixed.read_text()
    assert text.count("BEGIN CERTIFICATE") == 3 and "-----END CERTIFICATE-----\n\n-----BEGIN" in text
    # openssl verify accepts the written chain: the root as anchor, the file as the untrusted chain.
    verify = ["openssl", "verify", "-CAfile", str(inspect_material.root), "-untrusted", str(fixed), str(fixed)]
    result = subprocess.run(verify, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    blocks = subprocess.run(
        ["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(fixed)], capture_output=True, check=True
    ).stdout
    printed = subprocess.run(
        ["openssl", "pkcs7", "-print_certs", "-noout"], input=blocks, capture_output=True, check=True
    ).stdout.decode()
    subjects = [line for line in printed.splitlines() if line.startswith("subject=")]
    assert "api.example.com" in subjects[0] and "Test Issuing CA" in subjects[1] and "Test Root CA" in subjects[2]
    # The fixed chain inspects clean, and the file is not overwritten without --force.
    assert run_cli("inspect", str(fixed), *AT)[0] == 0
    code, _, err = run_cli("inspect", str(inspect_material.chain), "--fix-out", str(fixed), *AT)
    assert code == 2 and "already exists" in err
    assert run_cli("inspect", str(inspect_material.chain), "--fix-out", str(fixed), "--force", *AT)[0] == 0


def test_inspect_exit_2_but_still_reports(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("inspect", str(inspect_material.chain), str(inspect_material.garbage), "--json", *AT)
    assert code == 2
    document = json.loads(out)
    assert [i["path"] for i in document["inputs"]] == [str(inspect_material.chain), str(inspect_material.garbage)]
    assert document["inputs"][1]["error"] and document["inputs"][1]["format"] is None
    assert len(document["certificates"]) == 3
    assert document["findings"][0]["code"] == "input.unreadable"
    code, _, err = run_cli("inspect", str(inspect_material.garbage))
    assert code == 2 and err.startswith("certbench: error: ") and "garbage.pem" in err and "Traceback" not in err
    code, out, _ = run_cli("inspect", str(inspect_material.truncated), *AT)
    assert code == 2 and "input.unreadable" in out and "Test Issuing CA" in out


def test_inspect_passwords(run_cli, inspect_material: InspectMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("inspect", str(inspect_material.p12_legacy), "--json", *AT)
    assert code == 2
    assert json.loads(out)["findings"][0]["code"] == "input.password"
    code, out, _ = run_cli(
        "inspect", str(inspect_material.p12_legacy), "--json", "--password-env", "P12PW", *AT, env={"P12PW": "wrong"}
    )
    assert code == 2 and "wrong password" in json.loads(out)["findings"][0]["message"]
    secret = tmp_path / "pw.txt"
    secret.write_text(P12_PASSWORD + "\n")
    code, out, _ = run_cli("inspect", str(inspect_material.p12_modern), "--json", "--password-file", str(secret), *AT)
    assert code == 0
    document = json.loads(out)
    assert document["inputs"][0]["format"] == "pkcs12"
    assert document["keys"][0]["matches"] == [document["chains"][0]["leaf"]]
    assert P12_PASSWORD not in out


def test_inspect_key_mismatch_and_trust(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("inspect", str(inspect_material.chain), str(inspect_material.other_key), "--json", *AT)
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["key.mismatch"]
    code, out, _ = run_cli("inspect", str(inspect_material.chain), "--trust", str(inspect_material.other_root), *AT)
    assert code == 1 and "trust.failed" in out
    code, out, _ = run_cli(
        "inspect", str(inspect_material.no_root), "--trust", str(inspect_material.root), "--purpose", "server", *AT
    )
    assert code == 0 and "trusted" in out


def test_verify_exit_codes(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    chain, root = str(inspect_material.no_root), str(inspect_material.root)
    code, out, _ = run_cli("verify", chain, "--trust", root, "--name", "api.example.com", *AT)
    assert code == 0 and out.startswith("valid: valid for server authentication as api.example.com")
    assert "revocation" in out and "Test Root CA" in out
    code, out, _ = run_cli("verify", chain, "--trust", root, "--name", "other.example.com", "--json", *AT)
    document = json.loads(out)
    assert code == 1 and document["valid"] is False and document["purpose"] == "server"
    assert document["reason"] and document["at"] == "2026-01-15T12:00:00Z"
    code, out, _ = run_cli(
        "verify", str(inspect_material.leaf), str(inspect_material.inter), "--trust", root, "--json", *AT
    )
    document = json.loads(out)
    assert code == 0 and document["purpose"] == "client" and len(document["chain"]) == 3
    code, _, err = run_cli("verify", chain, *AT)
    assert code == 2 and "no trust anchors" in err
    code, _, err = run_cli("verify", chain, "--trust", root, "--purpose", "server", *AT)
    assert code == 2 and "--name" in err
    code, out, _ = run_cli("verify", str(inspect_material.expired_chain), "--trust", root, *AT)
    assert code == 1 and out.startswith("not valid:") and len(out.splitlines()) == 1
    code, _, err = run_cli("verify", str(inspect_material.garbage), "--trust", root)
    assert code == 2 and "garbage.pem" in err


def test_inspect_system_trust_csr_and_warnings(run_cli, inspect_material: InspectMaterial, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SSL_CERT_FILE", str(inspect_material.root))
    code, out, _ = run_cli("inspect", str(inspect_material.no_root), "--system-trust", "--json", *AT)
    document = json.loads(out)
    assert code == 0 and document["chains"][0]["trusted"] is True
    assert document["certificates"][-1]["source"] == "trust"
    csr = inspect_material.directory / "leaf.csr"
    if not csr.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-new",
                "-key",
                str(inspect_material.leaf_key),
                "-subj",
                "/CN=csr.example.com",
                "-out",
                str(csr),
            ],
            check=True,
            capture_output=True,
        )
    code, out, _ = run_cli("inspect", str(csr), str(inspect_material.leaf_key), *AT)
    assert code == 0 and "CSR from" in out and "CN=csr.example.com" in out and "signature   valid" in out
    # cryptography's BER warning on an openssl-made DER PKCS#7 is one note line on stderr, not a traceback.
    code, out, err = run_cli("inspect", str(inspect_material.p7b_der), *AT)
    assert code == 0 and err.count("\n") <= 1


def test_inspect_a_keystore_jar_shows_the_gateway_checklist(  # type: ignore[no-untyped-def]
    run_cli, demo_workspace, tmp_path: Path, monkeypatch
) -> None:
    """A JAR built by `certbench jar build` and read back: the same checklist, checked with `jar tf` too."""
    monkeypatch.setenv("DEMO_PW", "certbench-demo")
    jar = tmp_path / "tpp1.jar"
    workspace = ["--workspace", str(demo_workspace.root)]
    code, _out, err = run_cli(*workspace, "jar", "build", "tpp1", "--out", str(jar), "--in-password-env", "DEMO_PW",
                              "--no-key-password")  # fmt: skip
    assert code == 0, err
    assert subprocess.run(["jar", "tf", str(jar)], capture_output=True, text=True, check=True).stdout.split() == [
        "META-INF/MANIFEST.MF", "META-INF/descriptor.properties", "tpp1.pem", "tpp1Key.pem"
    ]  # fmt: skip
    code, out, _err = run_cli(*workspace, "inspect", str(jar))
    assert code == 0
    assert "Keystore JAR checklist" in out and "ok   JAR is under 50 KB" in out
    code, out, _err = run_cli(*workspace, "inspect", str(jar), "--json", "--at", "2030-01-01T00:00:00Z")
    assert code == 1  # by 2030 tpp1 has expired: a finding and a failed checklist rule
    checks = {c["title"]: c for c in json.loads(out)["keystore_jar_checks"][str(jar)]}
    assert checks["Nothing in the chain is expired"]["passed"] is False
    assert checks["Key matches the certificate"]["passed"] is True


def test_an_unreadable_input_finding_names_its_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A finding is read alone (TUI findings table, JSON, a ticket): it says which file it is about."""
    bad = tmp_path / "customer.pem"
    bad.write_text("not a certificate\n")
    good = tmp_path / "good.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k.pem"),
         "-subj", "/CN=good", "-days", "30", "-out", str(good)],
        check=True, capture_output=True,
    )  # fmt: skip
    code, out, _ = run_cli("--workspace", str(tmp_path / "ws"), "inspect", str(bad), str(good))
    assert code == 2
    assert f"input.unreadable: {bad}: is text without any PEM block" in out
