"""certbench ca|cert|csr|demo on the command line: exit codes, files, passwords, interop with openssl."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from create_material import TPP1_CNF, TPP2_CNF, openssl
from cryptography import x509

from certbench.core.workspace import Workspace

PASS = {"KP": "s3cret-key", "CAP": "ca-pass"}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def with_root(ws: Path, run_cli) -> Path:
    code, _out, err = run_cli(
        "--workspace", str(ws), "ca", "create", "root", "--subject", "/C=US/O=Axway/CN=Axway Root CA",
        "--key", "ec:p256", "--key-password-env", "CAP", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    return ws


def item_dir(ws: Path, name: str) -> Path:
    return ws / "items" / name


def test_ca_create_writes_an_encrypted_0600_key(with_root: Path) -> None:
    key = item_dir(with_root, "root") / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    good = openssl("pkey", "-in", str(key), "-passin", "env:CAP", "-noout", env=PASS)
    assert good.returncode == 0, good.stderr
    bad = openssl("pkey", "-in", str(key), "-passin", "pass:wrong", "-noout")
    assert bad.returncode != 0
    meta = json.loads((item_dir(with_root, "root") / "item.json").read_text())
    assert meta["kind"] == "ca" and meta["key_encrypted"] is True
    assert "ca-pass" not in (with_root / "audit.log").read_text()
    assert "ca-pass" not in json.dumps(meta)


def test_a_key_password_is_required_or_explicitly_refused(ws: Path, run_cli) -> None:
    code, _out, err = run_cli("--workspace", str(ws), "ca", "create", "r", "--subject", "/CN=r", "--key", "ec:p256")
    assert code == 2 and "--no-key-password" in err and err.count("\n") == 1
    assert not (ws / "items" / "r").exists()
    code, _out, err = run_cli(
        "--workspace", str(ws), "ca", "create", "r", "--subject", "/CN=r", "--key", "ec:p256", "--no-key-password",
        "--key-password-env", "KP", env=PASS,
    )  # fmt: skip
    assert code == 2 and "not both" in err
    code, out, err = run_cli(
        "--workspace", str(ws), "ca", "create", "r", "--subject", "/CN=r", "--key", "ec:p256", "--no-key-password"
    )
    assert code == 0, err
    key = item_dir(ws, "r") / "key.pem"
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "NOT encrypted" in out


def test_existing_name_is_refused_without_force(with_root: Path, run_cli) -> None:
    before = (item_dir(with_root, "root") / "cert.pem").read_bytes()
    args = ("--workspace", str(with_root), "ca", "create", "root", "--subject", "/CN=Other", "--key", "ec:p256",
            "--no-key-password")  # fmt: skip
    code, _out, err = run_cli(*args)
    assert code == 2 and "already exists" in err and "--force" in err
    assert (item_dir(with_root, "root") / "cert.pem").read_bytes() == before
    code, _out, err = run_cli(*args, "--force")
    assert code == 0, err
    assert (item_dir(with_root, "root") / "cert.pem").read_bytes() != before


def test_cert_create_from_cnf_matches_the_seed(with_root: Path, run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "--workspace", str(with_root), "cert", "create", "tpp1", "--issuer", "root", "--from-cnf", str(TPP1_CNF),
        "--issuer-key-password-env", "CAP", "--key-password-env", "KP", "--days", "730", "--json", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "leaf" and data["issuer"] == "root" and data["key_encrypted"] is True
    assert data["subject"].startswith("CN=tpp1.demo.axway.com,UID=")
    cert = x509.load_pem_x509_certificate((item_dir(with_root, "tpp1") / "cert.pem").read_bytes())
    assert cert.public_key().key_size == 2048  # default_bits from the config
    # openssl agrees that the key in the workspace is the certificate's key
    key_path = item_dir(with_root, "tpp1") / "key.pem"
    pub_from_key = openssl("pkey", "-in", str(key_path), "-passin", "env:KP", "-pubout", env=PASS).stdout
    pub_from_cert = openssl("x509", "-in", str(item_dir(with_root, "tpp1") / "cert.pem"), "-noout", "-pubkey").stdout
    assert pub_from_key and pub_from_key == pub_from_cert
    verify = openssl(
        "verify", "-CAfile", str(item_dir(with_root, "root") / "cert.pem"), "-purpose", "sslclient",
        str(item_dir(with_root, "tpp1") / "cert.pem"),
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr


def test_cert_create_errors_exit_2(with_root: Path, run_cli) -> None:
    base = ("--workspace", str(with_root), "cert", "create", "x", "--issuer", "root", "--issuer-key-password-env",
            "CAP", "--no-key-password", "--key", "ec:p256")  # fmt: skip
    for extra, message in (
        (("--profile", "server", "--subject", "/CN=x"), "needs at least one SAN"),
        (("--subject", "/CN=x/C=USA"), "two-letter"),
        (("--subject", "/CN=x", "--san", "bogus"), "TYPE:VALUE"),
        (("--subject", "/CN=x", "--days", "0"), "days must be between"),
        (("--subject", "/CN=x", "--days", "99999"), "days must be between"),
    ):
        code, _out, err = run_cli(*base, *extra, env=PASS)
        assert code == 2, (extra, err)
        assert message in err and err.startswith("certbench: error: ") and err.count("\n") == 1
    code, _out, err = run_cli(*base, "--subject", "/CN=x", env={"CAP": "wrong"})
    assert code == 2 and "wrong password" in err
    code, _out, err = run_cli(*[a for a in base if a not in ("--issuer-key-password-env", "CAP")], "--subject", "/CN=x")
    assert code == 2 and "--issuer-key-password-env VAR" in err
    code, _out, err = run_cli(*base[:6], "nope", *base[7:], "--subject", "/CN=x", env=PASS)
    assert code == 2 and "no item named 'nope'" in err
    assert not (with_root / "items" / "x").exists()


def test_csr_create_and_ca_sign_into_its_item(with_root: Path, run_cli, tmp_path: Path) -> None:
    ws = str(with_root)
    code, _out, err = run_cli(
        "--workspace", ws, "csr", "create", "tpp2", "--from-cnf", str(TPP2_CNF), "--key-password-env", "KP",
        "--out", str(tmp_path / "tpp2.csr"), env=PASS,
    )  # fmt: skip
    assert code == 0, err
    assert openssl("req", "-in", str(tmp_path / "tpp2.csr"), "-noout", "-verify").returncode == 0
    code, out, err = run_cli(
        "--workspace", ws, "ca", "sign", "root", str(tmp_path / "tpp2.csr"), "--profile", "tpp", "--into", "tpp2",
        "--out", str(tmp_path / "tpp2.crt"), "--days", "365", "--issuer-key-password-env", "CAP", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    assert "asks for" in out and "DNS:tpp2.demo.axway.com" in out and "held by workspace item 'tpp2'" in out
    item = Workspace.open(with_root).get("tpp2")
    assert item.kind.value == "leaf" and item.cert_path.read_bytes() == (tmp_path / "tpp2.crt").read_bytes()
    pub_from_key = openssl("pkey", "-in", str(item.key_path), "-passin", "env:KP", "-pubout", env=PASS).stdout
    pub_from_cert = openssl("x509", "-in", str(item.cert_path), "-noout", "-pubkey").stdout
    assert pub_from_key == pub_from_cert
    # --out is not overwritten without --force
    code, _out, err = run_cli(
        "--workspace", ws, "ca", "sign", "root", str(tmp_path / "tpp2.csr"), "--out", str(tmp_path / "tpp2.crt"),
        "--issuer-key-password-env", "CAP", env=PASS,
    )  # fmt: skip
    assert code == 2 and "already exists" in err


def test_the_axway_mistake_is_caught(with_root: Path, run_cli, tmp_path: Path) -> None:
    """The seed signs tpp2.crt from tpp1.csr, so tpp2.key no longer matches tpp2.crt. certbench refuses."""
    ws = str(with_root)
    for name, cnf in (("tpp1", TPP1_CNF), ("tpp2", TPP2_CNF)):
        code, _out, err = run_cli("--workspace", ws, "csr", "create", name, "--from-cnf", str(cnf), "--no-key-password")
        assert code == 0, err
    tpp1_csr = str(item_dir(with_root, "tpp1") / "csr.pem")
    code, _out, err = run_cli(
        "--workspace", ws, "ca", "sign", "root", tpp1_csr, "--profile", "tpp", "--into", "tpp2",
        "--issuer-key-password-env", "CAP", env=PASS,
    )  # fmt: skip
    assert code == 2
    assert "not made with the key of item 'tpp2'" in err and "belongs to 'tpp1'" in err
    assert Workspace.open(with_root).get("tpp2").kind.value == "csr"  # nothing was stored


def test_intermediate_chain_and_openssl_verify(with_root: Path, run_cli) -> None:
    ws = str(with_root)
    code, _out, err = run_cli(
        "--workspace", ws, "ca", "create", "issuing", "--subject", "/O=Axway/CN=Axway Issuing CA", "--issuer",
        "root", "--issuer-key-password-env", "CAP", "--key", "ec:p384", "--key-password-env", "CAP", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run_cli(
        "--workspace", ws, "cert", "create", "api", "--issuer", "issuing", "--profile", "client-server", "--subject",
        "CN=api.test,O=Axway", "--san", "DNS:api.test", "--san", "IP:127.0.0.1", "--key", "ec:p256",
        "--issuer-key-password-env", "CAP", "--no-key-password", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    api = item_dir(with_root, "api")
    chain = x509.load_pem_x509_certificates((api / "chain.pem").read_bytes())
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=Axway Issuing CA,O=Axway",
        "CN=Axway Root CA,O=Axway,C=US",
    ]
    result = openssl(
        "verify", "-x509_strict", "-CAfile", str(item_dir(with_root, "root") / "cert.pem"), "-untrusted",
        str(item_dir(with_root, "issuing") / "cert.pem"), str(api / "cert.pem"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_demo_command(ws: Path, run_cli) -> None:
    code, out, err = run_cli("--workspace", str(ws), "demo", env={"CERTBENCH_NOW": "2026-01-15T12:00:00Z"})
    assert code == 0, err
    assert "expired-client" in out and "EXPIRED" in out and "certbench-demo" in out
    code, _out, err = run_cli("--workspace", str(ws), "demo")
    assert code == 2 and "--force" in err
    code, out, err = run_cli(
        "--workspace", str(ws), "demo", "--force", "--json", env={"CERTBENCH_NOW": "2026-01-15T12:00:00Z"}
    )
    assert code == 0, err
    names = [item["name"] for item in json.loads(out)["items"]]
    assert names[0] == "axway-root-ca" and {"tpp1", "tpp2", "connectpay-client"} <= set(names)


def test_help_documents_the_commands(run_cli) -> None:
    for group in ("ca", "cert", "csr"):
        with pytest.raises(SystemExit) as info:
            run_cli(group, "create", "--help")
        assert info.value.code == 0


def test_ca_sign_refuses_unreadable_csr_files(with_root: Path, run_cli, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csr"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all\n-----END CERTIFICATE REQUEST-----\n")
    for path, message in ((garbage, "is not a certificate signing request"), (tmp_path / "missing.csr", "cannot read")):
        code, _out, err = run_cli(
            "--workspace", str(with_root), "ca", "sign", "root", str(path), "--out", str(tmp_path / "x.pem"),
            "--issuer-key-password-env", "CAP", env=PASS,
        )  # fmt: skip
        assert code == 2 and message in err and str(path) in err and err.count("\n") == 1
        assert "Traceback" not in err and not (tmp_path / "x.pem").exists()
    code, _out, err = run_cli(
        "--workspace", str(with_root), "ca", "sign", "root", str(garbage), "--issuer-key-password-env", "CAP", env=PASS
    )
    assert code == 2 and "--out FILE" in err


def test_cert_create_from_cnf_reports_unknown_keys(with_root: Path, run_cli, tmp_path: Path) -> None:
    cnf = tmp_path / "odd.cnf"
    cnf.write_text(TPP1_CNF.read_text().replace("prompt = no", "prompt = no\nfavourite_colour = blue"))
    code, _out, err = run_cli(
        "--workspace", str(with_root), "cert", "create", "odd", "--issuer", "root", "--from-cnf", str(cnf),
        "--issuer-key-password-env", "CAP", "--no-key-password", env=PASS,
    )  # fmt: skip
    assert code == 0, err
    assert f"certbench: note: {cnf}: [req] favourite_colour" in err
    ca_cnf = tmp_path / "ca.cnf"
    ca_cnf.write_text(TPP1_CNF.read_text().replace("CA:FALSE", "CA:TRUE"))
    code, _out, err = run_cli(
        "--workspace", str(with_root), "cert", "create", "bad", "--issuer", "root", "--from-cnf", str(ca_cnf),
        "--issuer-key-password-env", "CAP", "--no-key-password", env=PASS,
    )  # fmt: skip
    assert code == 2 and "ca create" in err
