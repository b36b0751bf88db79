"""Our artifacts, read by their real consumers: openssl, keytool, jar, unzip."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from keystore_material import ITEM_PASSWORD, Pki, fill_workspace, shared_pki

from certbench.core.workspace import Workspace
from conftest import FIXED_NOW

pytestmark = pytest.mark.interop

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z", "ITEM_PW": ITEM_PASSWORD, "OUT_PW": "exportpass1"}


def _need(*tools: str) -> None:
    for tool in tools:
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed: run scripts/ensure-tools.sh (make test does)")


def _run(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed: {result.stderr}{result.stdout}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def pki() -> Pki:
    return shared_pki()


@pytest.fixture
def ws(workspace: Workspace, pki: Pki) -> Workspace:
    fill_workspace(workspace, pki, FIXED_NOW)
    return workspace


def _export(run_cli, ws: Workspace, item: str, fmt: str, out: Path, *extra: str) -> None:
    code, _, stderr = run_cli(
        "--workspace", str(ws.root), "export", item, "--format", fmt, "--out", str(out),
        "--in-password-env", "ITEM_PW", *extra, env=ENV,
    )  # fmt: skip
    assert code == 0, stderr


def _jar(run_cli, ws: Workspace, out: Path, *extra: str) -> None:
    code, _, stderr = run_cli(
        "--workspace", str(ws.root), "jar", "build", "leaf", "--out", str(out), "--in-password-env", "ITEM_PW",
        *extra, env={**ENV, "JAR_PW": "gatewaypass1"},
    )  # fmt: skip
    assert code == 0, stderr


def test_jar_listed_by_jar_and_unzip_in_order(run_cli, ws: Workspace, tmp_path: Path) -> None:
    _need("jar", "unzip")
    out = tmp_path / "gateway.jar"
    _jar(run_cli, ws, out, "--key-password-env", "JAR_PW")
    expected = ["META-INF/MANIFEST.MF", "META-INF/descriptor.properties", "leaf.pem", "leafKey.pem"]
    assert _run("jar", "tf", str(out)).split() == expected
    listing = _run("unzip", "-l", str(out)).splitlines()
    names = [line.split()[-1] for line in listing if line.strip().endswith((".MF", ".properties", ".pem"))]
    assert names == expected
    assert "1980-01-01 00:00" in "\n".join(listing)
    assert out.stat().st_size < 50 * 1024


def test_chain_from_the_jar_verifies_and_key_opens(run_cli, ws: Workspace, tmp_path: Path) -> None:
    _need("openssl", "unzip")
    out = tmp_path / "gateway.jar"
    _jar(run_cli, ws, out, "--key-password-env", "JAR_PW")
    extract = tmp_path / "x"
    _run("unzip", "-q", str(out), "-d", str(extract))
    blocks = (extract / "leaf.pem").read_text().split("\n\n")
    assert len(blocks) == 3
    for index, block in enumerate(blocks):
        (extract / f"c{index}.pem").write_text(block if block.endswith("\n") else block + "\n")
    verified = _run(
        "openssl", "verify", "-attime", str(int(FIXED_NOW.timestamp())), "-CAfile", str(extract / "c2.pem"),
        "-untrusted", str(extract / "c1.pem"), str(extract / "c0.pem"),
    )  # fmt: skip
    assert "c0.pem: OK" in verified
    _run("openssl", "pkey", "-in", str(extract / "leafKey.pem"), "-passin", "pass:gatewaypass1", "-noout")
    wrong = subprocess.run(
        ["openssl", "pkey", "-in", str(extract / "leafKey.pem"), "-passin", "pass:wrong", "-noout"],
        capture_output=True,
        check=False,
    )
    assert wrong.returncode != 0
    leaf_pub = _run("openssl", "x509", "-in", str(extract / "c0.pem"), "-noout", "-pubkey")
    key_pub = _run("openssl", "pkey", "-in", str(extract / "leafKey.pem"), "-passin", "pass:gatewaypass1", "-pubout")
    assert leaf_pub == key_pub


def test_two_builds_are_byte_identical(run_cli, ws: Workspace, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jar", tmp_path / "b.jar"
    _jar(run_cli, ws, first, "--no-key-password")
    _jar(run_cli, ws, second, "--no-key-password")
    assert first.read_bytes() == second.read_bytes()
    # An encrypted key has a random salt and IV, but the archive layout and timestamps do not move.
    third, fourth = tmp_path / "c.jar", tmp_path / "d.jar"
    _jar(run_cli, ws, third, "--key-password-env", "JAR_PW")
    _jar(run_cli, ws, fourth, "--key-password-env", "JAR_PW")
    with zipfile.ZipFile(third) as a, zipfile.ZipFile(fourth) as b:
        assert [(i.filename, i.date_time) for i in a.infolist()] == [(i.filename, i.date_time) for i in b.infolist()]
        assert a.read("leaf.pem") == b.read("leaf.pem")


@pytest.mark.parametrize("legacy", [False, True])
def test_p12_read_by_openssl_and_keytool(run_cli, ws: Workspace, tmp_path: Path, legacy: bool) -> None:
    _need("openssl", "keytool")
    out = tmp_path / "client.p12"
    _export(run_cli, ws, "leaf", "p12", out, "--password-env", "OUT_PW", *(["--legacy"] if legacy else []))
    info = _run(
        "openssl", "pkcs12", "-info", "-in", str(out), "-passin", "pass:exportpass1", "-nokeys",
        *(["-legacy"] if legacy else []),
    )  # fmt: skip
    if legacy:
        assert "pbeWithSHA1And3-KeyTripleDES-CBC" in info and "MAC: sha1" in info
    else:
        assert "AES-256-CBC" in info and "MAC: sha256" in info
    assert info.count("-----BEGIN CERTIFICATE-----") == 3
    assert "friendlyName: leaf" in info
    _run("openssl", "pkcs12", "-in", str(out), "-passin", "pass:exportpass1", "-nocerts", "-nodes", "-out", os_null())
    listing = _run("keytool", "-list", "-v", "-keystore", str(out), "-storetype", "PKCS12", "-storepass", "exportpass1")
    assert "Alias name: leaf" in listing
    assert "Entry type: PrivateKeyEntry" in listing
    assert "Certificate chain length: 3" in listing
    wrong = subprocess.run(
        ["openssl", "pkcs12", "-info", "-in", str(out), "-passin", "pass:wrong", "-noout"], capture_output=True
    )
    assert wrong.returncode != 0  # the MAC is checked


def os_null() -> str:
    return "/dev/null"


@pytest.mark.parametrize("item", ["leaf", "leafrsa"])
def test_jks_read_by_keytool(run_cli, ws: Workspace, tmp_path: Path, item: str) -> None:
    _need("keytool")
    out = tmp_path / "client.jks"
    _export(run_cli, ws, item, "jks", out, "--password-env", "OUT_PW")
    listing = _run("keytool", "-list", "-v", "-keystore", str(out), "-storetype", "JKS", "-storepass", "exportpass1")
    assert "Keystore type: JKS" in listing
    assert f"Alias name: {item}" in listing
    assert "Entry type: PrivateKeyEntry" in listing
    assert "Certificate chain length: 3" in listing
    if item == "leafrsa":
        # keytool can reach the key itself with the key password (= store password by default).
        converted = tmp_path / "converted.p12"
        _run(
            "keytool", "-importkeystore", "-srckeystore", str(out), "-srcstoretype", "JKS", "-srcstorepass",
            "exportpass1", "-destkeystore", str(converted), "-deststoretype", "PKCS12", "-deststorepass",
            "exportpass1", "-noprompt",
        )  # fmt: skip
        assert converted.stat().st_size > 0


def test_key_export_opened_by_openssl(run_cli, ws: Workspace, tmp_path: Path) -> None:
    _need("openssl")
    out = tmp_path / "key.pem"
    _export(run_cli, ws, "leaf", "key", out, "--password-env", "OUT_PW")
    assert out.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    _run("openssl", "pkey", "-in", str(out), "-passin", "pass:exportpass1", "-noout")
    plain = tmp_path / "plain.pem"
    _export(run_cli, ws, "leaf", "key", plain, "--no-key-password")
    _run("openssl", "pkey", "-in", str(plain), "-noout")


def test_pem_chain_der_p7b_read_by_openssl(run_cli, ws: Workspace, tmp_path: Path) -> None:
    _need("openssl")
    chain = tmp_path / "chain.pem"
    _export(run_cli, ws, "leaf", "pem-chain", chain)
    # Untrusted = the whole file; trust anchor = its last block (the root).
    root = chain.read_text().split("\n\n")[-1]
    (tmp_path / "root.pem").write_text(root)
    verified = _run(
        "openssl", "verify", "-attime", str(int(FIXED_NOW.timestamp())), "-CAfile", str(tmp_path / "root.pem"),
        "-untrusted", str(chain), str(chain),
    )  # fmt: skip
    assert "OK" in verified
    der = tmp_path / "leaf.cer"
    _export(run_cli, ws, "leaf", "der", der)
    assert "CN = api.example.test" in _run("openssl", "x509", "-inform", "DER", "-in", str(der), "-noout", "-subject")
    p7b = tmp_path / "chain.p7b"
    _export(run_cli, ws, "leaf", "p7b", p7b)
    printed = _run("openssl", "pkcs7", "-inform", "DER", "-in", str(p7b), "-print_certs", "-noout")
    assert printed.count("subject=") == 3
