"""`certbench store`: every edit checked with keytool -list (JKS, PKCS#12) and openssl; .bak kept and refused;
a wrong password is one line and exit 2. Stores are made by keytool and openssl in the session."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from certbench.core.workspace import ItemKind, Workspace
from conftest import FIXED_NOW
from tool_runner import run_tool

pytestmark = pytest.mark.interop
PW = "storepass1"
ENV = {"STORE_PW": PW, "NEW_PW": "changed22", "ITEM_PW": "itempass1"}
PASS = ("--password-env", "STORE_PW")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem and other.pem (openssl); a keytool JKS with a key entry; an openssl PKCS#12 truststore."""
    assert shutil.which("openssl") and shutil.which("keytool"), "openssl and keytool are needed"
    d = tmp_path_factory.mktemp("stores")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for name in ("ca", "other"):
        run_tool("openssl", "req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem",
                 "-subj", f"/CN=Store Test {name}", "-days", "3650", cwd=d)  # fmt: skip
    run_tool("keytool", "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
             "-dname", "CN=server.test", "-validity", "365", "-keystore", "keys.jks", "-storetype", "JKS",
             "-storepass", PW, "-keypass", PW, cwd=d)  # fmt: skip
    run_tool("keytool", "-importcert", "-noprompt", "-alias", "first", "-file", "ca.pem", "-keystore", "trust.p12",
             "-storetype", "PKCS12", "-storepass", PW, cwd=d)  # fmt: skip
    return d


@pytest.fixture
def stores(made: Path, tmp_path: Path) -> Path:
    for name in ("ca.pem", "other.pem", "other.key", "keys.jks", "trust.p12"):
        shutil.copy(made / name, tmp_path / name)
    return tmp_path


def keytool_entries(path: Path, password: str = PW) -> dict[str, str]:
    """alias -> entry type, as `keytool -list` prints them."""
    listing = run_tool("keytool", "-list", "-keystore", path.name, "-storepass", password, cwd=path.parent).decode()
    found = {}
    for line in listing.splitlines():  # "server, Dec 1, 2026, PrivateKeyEntry, "
        parts = [part.strip() for part in line.split(",") if part.strip()]
        if len(parts) >= 3 and parts[-1].endswith("Entry"):
            found[parts[0]] = parts[-1]
    return found


def test_list_json(stores: Path, run_cli) -> None:
    code, out, err = run_cli("store", "list", str(stores / "keys.jks"), *PASS, "--json", env=ENV)
    assert code == 0, err
    document = json.loads(out)
    assert document["format"] == "jks"
    (entry,) = document["entries"]
    assert entry["alias"] == "server" and entry["type"] == "private-key" and entry["subject"] == "CN=server.test"
    assert isinstance(entry["days_left"], int)


def test_add_rename_remove_on_jks_keytool_reads_each_step(stores: Path, run_cli) -> None:
    store = stores / "keys.jks"
    original = store.read_bytes()
    code, out, err = run_cli("store", "add", str(store), str(stores / "ca.pem"), "--alias", "partner", *PASS, env=ENV)
    assert code == 0, err
    assert keytool_entries(store) == {"server": "PrivateKeyEntry", "partner": "trustedCertEntry"}
    assert (stores / "keys.jks.bak").read_bytes() == original
    # A second edit is refused while keys.jks.bak exists: one line, exit 2, file unchanged.
    before = store.read_bytes()
    code, out, err = run_cli("store", "rename", str(store), "partner", "partner2", *PASS, env=ENV)
    assert code == 2 and err.count("\n") == 1 and "keys.jks.bak already exists" in err
    assert store.read_bytes() == before
    code, out, err = run_cli("store", "rename", str(store), "partner", "partner2", *PASS, "--force", env=ENV)
    assert code == 0, err
    assert keytool_entries(store) == {"server": "PrivateKeyEntry", "partner2": "trustedCertEntry"}
    code, out, err = run_cli("store", "remove", str(store), "server", *PASS, "--force", "--json", env=ENV)
    assert code == 0, err
    assert json.loads(out)["removed"] == ["server"]
    assert keytool_entries(store) == {"partner2": "trustedCertEntry"}


def test_passwd_changes_store_and_key_passwords(stores: Path, run_cli) -> None:
    store = stores / "keys.jks"
    code, _out, err = run_cli("store", "passwd", str(store), *PASS, "--new-password-env", "NEW_PW", env=ENV)
    assert code == 0, err
    assert keytool_entries(store, "changed22") == {"server": "PrivateKeyEntry"}
    # The key entry opens with the new password too: keytool exports it to PKCS#12, which openssl reads.
    run_tool("keytool", "-importkeystore", "-noprompt", "-srckeystore", "keys.jks", "-srcstorepass", "changed22",
             "-destkeystore", "out.p12", "-deststoretype", "PKCS12", "-deststorepass", "changed22",
             cwd=stores)  # fmt: skip
    info = subprocess.run(["openssl", "pkcs12", "-in", "out.p12", "-passin", "pass:changed22", "-nodes", "-info"],
                          cwd=stores, capture_output=True, text=True, check=True)  # fmt: skip
    assert "PRIVATE KEY" in info.stdout and "server.test" in info.stdout
    code, _out, err = run_cli("store", "list", str(store), *PASS, env=ENV)
    assert code == 2 and err.count("\n") == 1 and "wrong password" in err


def test_pkcs12_truststore_add_and_convert(stores: Path, run_cli) -> None:
    store = stores / "trust.p12"
    code, _out, err = run_cli("store", "add", str(store), str(stores / "other.pem"), *PASS, env=ENV)
    assert code == 0, err
    entries = keytool_entries(store)
    assert list(entries.values()) == ["trustedCertEntry", "trustedCertEntry"] and "first" in entries
    listed = subprocess.run(["openssl", "storeutl", "-passin", f"pass:{PW}", "-certs", "trust.p12"],
                            cwd=stores, capture_output=True, text=True, check=True)  # fmt: skip
    assert "Total found: 2" in listed.stdout
    code, _out, err = run_cli("store", "convert", str(store), "--out", str(stores / "trust.jks"), *PASS, env=ENV)
    assert code == 0, err
    assert sorted(keytool_entries(stores / "trust.jks").values()) == ["trustedCertEntry", "trustedCertEntry"]
    code, _out, err = run_cli("store", "convert", str(store), "--out", str(stores / "trust.pem"), *PASS, env=ENV)
    assert code == 0, err
    pem = (stores / "trust.pem").read_text()
    assert pem.count("BEGIN CERTIFICATE") == 2 and "# first: CN=Store Test ca" in pem
    code, _out, err = run_cli("store", "rename", str(stores / "trust.pem"), "first", "root-one", "--json", env=ENV)
    assert code == 0, err
    assert "# root-one: CN=Store Test ca" in (stores / "trust.pem").read_text()
    assert (stores / "trust.pem.bak").read_text() == pem


def test_add_workspace_key_entry_to_jks(stores: Path, run_cli, tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    workspace = Workspace.open(tmp_path / "ws")
    key = serialization.load_pem_private_key((stores / "other.key").read_bytes(), None)
    pkcs8 = serialization.PrivateFormat.PKCS8
    encryption = serialization.BestAvailableEncryption(b"itempass1")
    encrypted = key.private_bytes(serialization.Encoding.PEM, pkcs8, encryption)
    certificate = x509.load_pem_x509_certificate((stores / "other.pem").read_bytes())
    workspace.save_item("partner-id", ItemKind.LEAF, now=FIXED_NOW, certificate=certificate, key_pem=encrypted)
    store = stores / "keys.jks"
    code, _out, err = run_cli("--workspace", str(workspace.root), "store", "add", str(store), "ws:partner-id", *PASS,
                              "--key-password-env", "ITEM_PW", env=ENV)  # fmt: skip
    assert code == 0, err
    assert keytool_entries(store) == {"server": "PrivateKeyEntry", "partner-id": "PrivateKeyEntry"}
    records = [r for r in workspace.read_audit() if r["action"] == "store.add"]
    assert records and records[-1]["added"] == ["partner-id"] and PW not in json.dumps(records)


def test_key_with_another_password_refuses_edits(stores: Path, run_cli) -> None:
    """keytool lets a JKS key entry have its own password: certbench cannot carry it over, so it refuses."""
    run_tool("keytool", "-genkeypair", "-alias", "own", "-keyalg", "EC", "-groupname", "secp256r1",
             "-dname", "CN=own.test", "-validity", "365", "-keystore", "keys.jks", "-storepass", PW,
             "-keypass", "anotherpass9", cwd=stores)  # fmt: skip
    store = stores / "keys.jks"
    before = store.read_bytes()
    code, out, err = run_cli("store", "add", str(store), str(stores / "ca.pem"), *PASS, env=ENV)
    assert code == 2 and err.count("\n") == 1, err
    assert "'own'" in err and "store password" in err
    assert store.read_bytes() == before and not (stores / "keys.jks.bak").exists()
    code, out, err = run_cli("store", "list", str(store), *PASS, env=ENV)
    assert code == 0 and "own" in out and "warning" in out


def test_jceks_is_converted_not_edited(stores: Path, run_cli) -> None:
    common = ["-keystore", "s.jceks", "-storetype", "JCEKS", "-storepass", PW]
    run_tool("keytool", "-importcert", "-noprompt", "-alias", "partner", "-file", "ca.pem", *common, cwd=stores)
    code, _out, err = run_cli("store", "remove", str(stores / "s.jceks"), "partner", *PASS, env=ENV)
    assert code == 2 and "cannot write JCEKS" in err and "convert" in err
    convert = ("store", "convert", str(stores / "s.jceks"), "--out", str(stores / "s.jks"), *PASS)
    code, _out, err = run_cli(*convert, env=ENV)
    assert code == 0, err
    assert keytool_entries(stores / "s.jks") == {"partner": "trustedCertEntry"}
    # The output exists now: refused without --force.
    code, _out, err = run_cli(*convert, env=ENV)
    assert code == 2 and "already exists" in err


def test_pkcs12_keystore_rename_and_convert_to_jks(stores: Path, run_cli) -> None:
    run_tool("keytool", "-importkeystore", "-noprompt", "-srckeystore", "keys.jks", "-srcstorepass", PW,
             "-destkeystore", "keys.p12", "-deststoretype", "PKCS12", "-deststorepass", PW, cwd=stores)  # fmt: skip
    store = stores / "keys.p12"
    code, _out, err = run_cli("store", "rename", str(store), "server", "api", *PASS, env=ENV)
    assert code == 0, err
    assert keytool_entries(store) == {"api": "PrivateKeyEntry"}
    info = subprocess.run(["openssl", "pkcs12", "-in", "keys.p12", "-passin", f"pass:{PW}", "-nodes", "-info"],
                          cwd=stores, capture_output=True, text=True, check=True)  # fmt: skip
    assert "friendlyName: api" in info.stdout and "PRIVATE KEY" in info.stdout
    # A PKCS#12 keystore with a key takes no trusted certificates beside it (Java would not list them).
    code, _out, err = run_cli("store", "add", str(store), str(stores / "ca.pem"), *PASS, "--force", env=ENV)
    assert code == 2 and "use the jks format" in err
    code, _out, err = run_cli("store", "convert", str(store), "--out", str(stores / "keys2.jks"), *PASS, env=ENV)
    assert code == 0, err
    assert keytool_entries(stores / "keys2.jks") == {"api": "PrivateKeyEntry"}


def test_not_a_store_is_one_line(stores: Path, run_cli) -> None:
    der = stores / "ca.der"
    run_tool("openssl", "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der", cwd=stores)
    code, _out, err = run_cli("store", "remove", str(der), "x", *PASS, env=ENV)
    assert code == 2 and err.count("\n") == 1 and "ca.der: is a der file, not a store certbench edits" in err
    code, _out, err = run_cli("store", "list", str(stores / "other.key"), env=ENV)
    assert code == 2 and err.count("\n") == 1 and "not a store" in err
    code, _out, err = run_cli("store", "list", str(stores / "missing.jks"), *PASS, env=ENV)
    assert code == 2 and err.count("\n") == 1 and "missing.jks" in err


def test_pkcs12_passwd(stores: Path, run_cli) -> None:
    store = stores / "trust.p12"
    code, out, err = run_cli("store", "passwd", str(store), *PASS, "--new-password-env", "NEW_PW", "--json", env=ENV)
    assert code == 0, err
    assert json.loads(out)["action"] == "passwd"
    assert keytool_entries(store, "changed22") == {"first": "trustedCertEntry"}
    listed = subprocess.run(["openssl", "storeutl", "-passin", "pass:changed22", "-certs", "trust.p12"],
                            cwd=stores, capture_output=True, text=True, check=True)  # fmt: skip
    assert "Total found: 1" in listed.stdout
    old = subprocess.run(["openssl", "pkcs12", "-info", "-noout", "-in", "trust.p12", "-passin", f"pass:{PW}"],
                         cwd=stores, capture_output=True, text=True, check=False)  # fmt: skip
    assert old.returncode != 0
    code, _out, err = run_cli("store", "passwd", str(stores / "ca.pem"), "--new-password-env", "NEW_PW", env=ENV)
    assert code == 2 and "PEM bundle has no store password" in err
