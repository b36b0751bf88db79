"""`inspect` describes containers: PKCS#12 protection checked against `openssl pkcs12 -info`, keytool
JKS/JCEKS entries with their types, and which certificate holds each key."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tool_runner import run_tool

pytestmark = pytest.mark.interop
PASSWORD = "containerpw1"
ENV = {"CONTAINER_PW": PASSWORD}


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA and a leaf made by openssl; PKCS#12 modern and legacy; keytool JKS and JCEKS stores."""
    assert shutil.which("openssl") and shutil.which("keytool"), "openssl and keytool are needed"
    d = tmp_path_factory.mktemp("containers")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run_tool("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Container CA",
             "-days", "3650", "-addext", "basicConstraints=critical,CA:true", cwd=d)  # fmt: skip
    run_tool("openssl", "req", "-new", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf.test", cwd=d)
    run_tool("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-out", "leaf.pem",
             "-days", "365", cwd=d)  # fmt: skip
    export = ["openssl", "pkcs12", "-export", "-in", "leaf.pem", "-inkey", "leaf.key", "-certfile", "ca.pem"]
    run_tool(*export, "-name", "leaf", "-out", "modern.p12", "-passout", f"pass:{PASSWORD}", cwd=d)
    run_tool(*export, "-legacy", "-name", "leaf", "-out", "legacy.p12", "-passout", f"pass:{PASSWORD}", cwd=d)
    for store_type, name in (("JKS", "store.jks"), ("JCEKS", "store.jceks")):
        common = ["-keystore", name, "-storetype", store_type, "-storepass", PASSWORD]
        run_tool("keytool", "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                 "-dname", "CN=server.test", "-validity", "365", "-keypass", PASSWORD, *common, cwd=d)  # fmt: skip
        run_tool("keytool", "-importcert", "-noprompt", "-alias", "partner-ca", "-file", "ca.pem", *common, cwd=d)
        if store_type == "JCEKS":
            run_tool("keytool", "-genseckey", "-alias", "aes", "-keyalg", "AES", "-keysize", "128",
                     "-keypass", PASSWORD, *common, cwd=d)  # fmt: skip
    run_tool("keytool", "-importcert", "-noprompt", "-alias", "partner-ca", "-file", "ca.pem", "-keystore",
             "trust.p12", "-storetype", "PKCS12", "-storepass", PASSWORD, cwd=d)  # fmt: skip
    run_tool("openssl", "pkcs12", "-export", "-nokeys", "-in", "ca.pem", "-out", "plain.p12",
             "-passout", f"pass:{PASSWORD}", cwd=d)  # fmt: skip
    return d


def openssl_info(path: Path, *, legacy: bool) -> dict[str, str]:
    """The MAC, certificate and key encryption lines of `openssl pkcs12 -info -noout` (written to stderr)."""
    args = ["openssl", "pkcs12", "-info", "-noout", "-in", path.name, "-passin", f"pass:{PASSWORD}"]
    completed = subprocess.run(
        [*args, *(["-legacy"] if legacy else [])], cwd=path.parent, capture_output=True, text=True, check=True
    )
    facts: dict[str, str] = {}
    for line in completed.stderr.splitlines():
        facts.update(_parse_info_line(line))
    return facts


def _parse_info_line(line: str) -> dict[str, str]:
    for prefix, key in (("MAC: ", "mac"), ("PKCS7 Encrypted data: ", "certificates"), ("Shrouded Keybag: ", "keys")):
        if line.startswith(prefix):
            return {key: line[len(prefix) :].strip()}
    return {}


def inspect_json(run_cli, path: Path) -> dict:
    code, out, err = run_cli("inspect", str(path), "--json", "--password-env", "CONTAINER_PW", env=ENV)
    assert code in (0, 1, 2), err  # 2: a JCEKS secret key is reported as an entry certbench cannot use
    assert "Traceback" not in err
    return json.loads(out)


@pytest.mark.parametrize(("name", "legacy"), [("modern.p12", False), ("legacy.p12", True)])
def test_pkcs12_protection_matches_openssl(material: Path, run_cli, name: str, legacy: bool) -> None:
    expected = openssl_info(material / name, legacy=legacy)
    assert set(expected) == {"mac", "certificates", "keys"}, expected
    document = inspect_json(run_cli, material / name)
    container = document["inputs"][0]["container"]
    assert container["type"] == "pkcs12"
    facts = container["pkcs12"]
    assert facts == {
        "certificates_encryption": expected["certificates"],
        "keys_encryption": expected["keys"],
        "mac": expected["mac"],
        "legacy": legacy,
    }
    if legacy:
        assert "RC2" in facts["certificates_encryption"] and "3-KeyTripleDES" in facts["keys_encryption"]
        assert facts["mac"].startswith("sha1,")
    else:
        assert "AES-256-CBC" in facts["keys_encryption"] and facts["mac"].startswith("sha256,")


def test_pkcs12_entries_name_the_key_holder(material: Path, run_cli) -> None:
    document = inspect_json(run_cli, material / "modern.p12")
    subjects = {c["id"]: c["subject"] for c in document["certificates"]}
    (entry,) = document["inputs"][0]["container"]["entries"]
    assert entry["alias"] == "leaf" and entry["type"] == "private-key"
    assert [subjects[i] for i in entry["certificates"]] == ["CN=leaf.test", "CN=Container CA"]
    assert document["keys"][0]["matches"] == [entry["certificates"][0]]


@pytest.mark.parametrize(("name", "legacy"), [("modern.p12", False), ("legacy.p12", True)])
def test_pkcs12_text_says_who_can_open_it(material: Path, run_cli, name: str, legacy: bool) -> None:
    code, out, err = run_cli("inspect", str(material / name), "--password-env", "CONTAINER_PW", env=ENV)
    assert code in (0, 1), err
    assert "entry 'leaf': private key, held by [c" in out and "leaf.test" in out
    if legacy:
        assert "OpenSSL 3 opens it only with -legacy" in out
        assert "older Java" not in out
    else:
        assert "older Java releases cannot read it" in out
        assert "only with -legacy" not in out


@pytest.mark.parametrize(("name", "kind"), [("store.jks", "jks"), ("store.jceks", "jceks")])
def test_keytool_entries_with_their_types(material: Path, run_cli, name: str, kind: str) -> None:
    listing = run_tool("keytool", "-list", "-keystore", name, "-storepass", PASSWORD, cwd=material).decode()
    document = inspect_json(run_cli, material / name)
    container = document["inputs"][0]["container"]
    assert container["type"] == kind and container["pkcs12"] is None
    types = {e["alias"]: e["type"] for e in container["entries"]}
    keytool_types = {
        "PrivateKeyEntry": "private-key",
        "trustedCertEntry": "trusted-cert",
        "SecretKeyEntry": "secret-key",
    }
    expected = {}
    for line in listing.splitlines():  # "server, Dec 1, 2026, PrivateKeyEntry, "
        parts = [part.strip() for part in line.split(",") if part.strip()]
        if len(parts) >= 3 and parts[-1] in keytool_types:
            expected[parts[0]] = keytool_types[parts[-1]]
    assert types == expected
    assert types["server"] == "private-key" and types["partner-ca"] == "trusted-cert"
    assert (types.get("aes") == "secret-key") is (kind == "jceks")
    subjects = {c["id"]: c["subject"] for c in document["certificates"]}
    by_alias = {e["alias"]: e for e in container["entries"]}
    assert [subjects[i] for i in by_alias["server"]["certificates"]] == ["CN=server.test"]
    assert [subjects[i] for i in by_alias["partner-ca"]["certificates"]] == ["CN=Container CA"]


def test_plain_pem_has_no_container(material: Path, run_cli) -> None:
    document = inspect_json(run_cli, material / "leaf.pem")
    assert document["inputs"][0]["container"] is None


def test_pkcs12_trusted_entries_as_keytool_lists_them(material: Path, run_cli) -> None:
    """keytool's PKCS#12 truststore marks its bags with Java's trust attribute (a trustedCertEntry); a bag
    openssl -nokeys wrote has none, and keytool does not list it as an entry at all."""
    assert keytool_types(material / "trust.p12") == {"partner-ca": "trustedCertEntry"}
    assert keytool_types(material / "plain.p12") == {}
    (trusted,) = inspect_json(run_cli, material / "trust.p12")["inputs"][0]["container"]["entries"]
    assert trusted["alias"] == "partner-ca" and trusted["type"] == "trusted-cert"
    (plain,) = inspect_json(run_cli, material / "plain.p12")["inputs"][0]["container"]["entries"]
    assert plain["type"] == "certificate"


def keytool_types(path: Path) -> dict[str, str]:
    listing = run_tool("keytool", "-list", "-keystore", path.name, "-storepass", PASSWORD, cwd=path.parent).decode()
    found = {}
    for line in listing.splitlines():
        parts = [part.strip() for part in line.split(",") if part.strip()]
        if len(parts) >= 3 and parts[-1].endswith("Entry"):
            found[parts[0]] = parts[-1]
    return found
