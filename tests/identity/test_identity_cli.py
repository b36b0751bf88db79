"""Issue 15, identities: `certbench import`, `csr complete`, `cert renew`, `show`, `rm`/`restore`/`trash`.

Material is made by openssl and keytool in the session; results are checked with openssl, keytool and jar.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from certbench.core.workspace import ItemKind, Workspace
from tool_runner import run_tool

pytestmark = pytest.mark.interop
PW = "storepass1"
ENV = {"IN_PW": PW, "KEY_PW": "keypass11", "OUT_PW": "outpass11", "CA_PW": "capass111"}
IN = ("--in-password-env", "IN_PW")
KEY = ("--key-password-env", "KEY_PW")
LEAF_EXT = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"


def _ec(name: str) -> list[str]:
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name]


def _sign(d: Path, csr: str, out: str) -> None:
    """openssl x509 -req with the session CA (a client leaf)."""
    run_tool("openssl", "x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "365", "-extfile", "leaf.ext", "-out", out, cwd=d)  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem/ca.key (openssl); two.jks: keytool entries 'one' (self-signed RSA) and 'two' (EC, signed by the
    CA, chain installed); legacy.pfx (openssl -legacy: RC2/3DES) with leaf + CA; stray.crt signed for another key."""
    assert shutil.which("openssl") and shutil.which("keytool") and shutil.which("jar"), "openssl, keytool, jar needed"
    d = tmp_path_factory.mktemp("identity")
    (d / "leaf.ext").write_text(LEAF_EXT)
    run_tool("openssl", "req", "-x509", *_ec("ca.key"), "-out", "ca.pem", "-subj", "/CN=Identity Test CA",
             "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)  # fmt: skip
    jks = ["-keystore", "two.jks", "-storetype", "JKS", "-storepass", PW]
    run_tool("keytool", "-genkeypair", "-alias", "one", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=one",
             "-keypass", PW, *jks, cwd=d)  # fmt: skip
    run_tool("keytool", "-genkeypair", "-alias", "two", "-keyalg", "EC", "-groupname", "secp256r1",
             "-dname", "CN=two.example", "-keypass", PW, *jks, cwd=d)  # fmt: skip
    run_tool("keytool", "-certreq", "-alias", "two", "-file", "two.csr", *jks, cwd=d)
    _sign(d, "two.csr", "two.crt")
    run_tool("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", *jks, cwd=d)
    run_tool("keytool", "-importcert", "-alias", "two", "-file", "two.crt", *jks, cwd=d)
    run_tool("openssl", "req", "-new", *_ec("legacy.key"), "-subj", "/CN=legacy.example", "-out", "legacy.csr", cwd=d)
    _sign(d, "legacy.csr", "legacy.crt")
    run_tool("openssl", "pkcs12", "-export", "-legacy", "-inkey", "legacy.key", "-in", "legacy.crt",
             "-certfile", "ca.pem", "-out", "legacy.pfx", "-passout", f"pass:{PW}", cwd=d)  # fmt: skip
    run_tool("openssl", "req", "-new", *_ec("stray.key"), "-subj", "/CN=stray", "-out", "stray.csr", cwd=d)
    _sign(d, "stray.csr", "stray.crt")
    return d


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def cli(run_cli, ws: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("--workspace", str(ws), *args, env=ENV)


def openssl_text(path: Path, *options: str) -> str:
    return run_tool("openssl", "x509", "-in", path.name, "-noout", *options, cwd=path.parent).decode()


def test_jks_with_two_key_entries_imported_by_alias_then_built_into_a_jar_and_a_pkcs12(
    made: Path, ws: Path, run_cli, tmp_path: Path
) -> None:
    code, _out, err = cli(run_cli, ws, "import", "two", str(made / "two.jks"), *IN, *KEY)
    assert code == 2 and "choose one with --alias" in err and "one" in err and "two" in err
    assert not (ws / "items" / "two").exists(), "an ambiguous import writes nothing"
    code, _out, err = cli(run_cli, ws, "import", "x", str(made / "two.jks"), *IN, *KEY, "--alias", "nope")
    assert code == 2 and "'nope'" in err and "one, two" in err.replace("two, one", "one, two")

    code, out, err = cli(run_cli, ws, "import", "two", str(made / "two.jks"), *IN, *KEY, "--alias", "two", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "leaf" and data["alias"] == "two" and data["key_encrypted"] is True
    key = ws / "items" / "two" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    run_tool("openssl", "pkey", "-in", key, "-passin", "pass:keypass11", "-noout", cwd=tmp_path)

    jar = tmp_path / "two.jar"
    code, _out, err = cli(run_cli, ws, "jar", "build", "two", "--out", str(jar), *KEY)
    assert code == 0, err
    listing = run_tool("jar", "tf", jar, cwd=tmp_path).decode().split()
    assert "META-INF/MANIFEST.MF" in listing and "META-INF/descriptor.properties" in listing
    [chain_name] = [n for n in listing if n.endswith(".pem") and not n.endswith("Key.pem")]
    with zipfile.ZipFile(jar) as archive:
        blocks = re.findall(
            rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", archive.read(chain_name), re.S
        )
    assert len(blocks) == 2, "leaf then the CA, as keytool installed the reply"
    (tmp_path / "leaf.pem").write_bytes(blocks[0])
    assert b"OK" in run_tool("openssl", "verify", "-CAfile", made / "ca.pem", "leaf.pem", cwd=tmp_path)
    assert "two.example" in openssl_text(tmp_path / "leaf.pem", "-subject")

    p12 = tmp_path / "two.p12"
    code, _out, err = cli(run_cli, ws, "export", "two", "--format", "p12", "--out", str(p12),
                          "--password-env", "OUT_PW", "--in-password-env", "KEY_PW")  # fmt: skip
    assert code == 0, err
    listing = run_tool("keytool", "-list", "-v", "-keystore", p12, "-storetype", "PKCS12", "-storepass", "outpass11",
                       cwd=tmp_path).decode()  # fmt: skip
    assert "PrivateKeyEntry" in listing and "CN=two.example" in listing and "Certificate chain length: 2" in listing


def test_jceks_entry_imported(made: Path, ws: Path, run_cli, tmp_path: Path) -> None:
    run_tool("keytool", "-importkeystore", "-srckeystore", made / "two.jks", "-srcstoretype", "JKS",
             "-srcstorepass", PW, "-destkeystore", "two.jceks", "-deststoretype", "JCEKS", "-deststorepass", PW,
             "-destkeypass", PW, "-srcalias", "one", "-srckeypass", PW, cwd=tmp_path)  # fmt: skip
    code, out, err = cli(run_cli, ws, "import", "one", str(tmp_path / "two.jceks"), *IN, *KEY)
    assert code == 0, err
    assert "imported leaf 'one': CN=one" in out
    dumped = run_tool("openssl", "pkey", "-in", ws / "items" / "one" / "key.pem", "-passin", "pass:keypass11",
                      "-pubout", cwd=tmp_path)  # fmt: skip
    assert dumped == run_tool("openssl", "x509", "-in", ws / "items" / "one" / "cert.pem", "-pubkey", "-noout",
                              cwd=tmp_path)  # fmt: skip


def test_legacy_openssl_pfx_imported_and_exported(made: Path, ws: Path, run_cli, tmp_path: Path) -> None:
    code, out, err = cli(run_cli, ws, "import", "legacy", str(made / "legacy.pfx"), *IN, "--no-key-password")
    assert code == 0, err
    assert "imported leaf 'legacy'" in out and "stored unencrypted" in out
    item = Workspace.open(ws).get("legacy")
    assert item.kind is ItemKind.LEAF and item.key_encrypted is False
    assert item.cert_path.read_bytes() == (made / "legacy.crt").read_bytes().replace(b"\r\n", b"\n")
    out_p12 = tmp_path / "again.p12"
    code, _out, err = cli(run_cli, ws, "export", "legacy", "--format", "p12", "--legacy", "--out", str(out_p12),
                          "--password-env", "OUT_PW")  # fmt: skip
    assert code == 0, err
    dumped = run_tool("openssl", "pkcs12", "-legacy", "-in", out_p12, "-passin", "pass:outpass11", "-nodes",
                      cwd=tmp_path).decode()  # fmt: skip
    assert "subject=CN = legacy.example" in dumped and "subject=CN = Identity Test CA" in dumped
    run_tool("openssl", "pkey", "-in", made / "legacy.key", "-pubout", "-out", "a.pub", cwd=tmp_path)
    (tmp_path / "dump.pem").write_text(dumped)
    run_tool("openssl", "pkey", "-in", "dump.pem", "-pubout", "-out", "b.pub", cwd=tmp_path)
    assert (tmp_path / "a.pub").read_bytes() == (tmp_path / "b.pub").read_bytes(), "the same key came back out"


def test_pem_files_in_any_order_key_must_match_and_certificates_alone(made: Path, ws: Path, run_cli) -> None:
    code, _out, err = cli(run_cli, ws, "import", "bad", str(made / "legacy.crt"), str(made / "stray.key"),
                          "--no-key-password")  # fmt: skip
    assert code == 2 and "belongs to none of the certificates" in err and "Traceback" not in err
    assert not (ws / "items" / "bad").exists()
    code, out, err = cli(run_cli, ws, "import", "pem", str(made / "ca.pem"), str(made / "legacy.key"),
                         str(made / "legacy.crt"), *KEY, "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "leaf" and data["chain"] == ["/CN=Identity Test CA"]
    code, out, err = cli(run_cli, ws, "import", "caonly", str(made / "ca.pem"), str(made / "ca.key"),
                         "--no-key-password")  # fmt: skip
    assert code == 0 and "imported ca 'caonly'" in out, err
    code, out, err = cli(run_cli, ws, "import", "certonly", str(made / "stray.crt"))
    assert code == 0 and "imported cert 'certonly'" in out, err
    assert "1 from workspace CAs" in out, "the chain is completed from the workspace CA"
    code, _out, err = cli(run_cli, ws, "import", "nokeypw", str(made / "stray.crt"), str(made / "stray.key"))
    assert code == 2 and "--no-key-password" in err


def test_a_ca_imported_with_its_key_can_sign(made: Path, ws: Path, run_cli) -> None:
    assert cli(run_cli, ws, "import", "ca", str(made / "ca.pem"), str(made / "ca.key"), "--no-key-password")[0] == 0
    code, _out, err = cli(run_cli, ws, "cert", "create", "c1", "--issuer", "ca", "--subject", "/CN=c1",
                          "--key", "ec:p256", "--no-key-password")  # fmt: skip
    assert code == 0, err
    cert = ws / "items" / "c1" / "cert.pem"
    assert b"OK" in run_tool("openssl", "verify", "-CAfile", made / "ca.pem", cert, cwd=made)


def test_csr_complete_attaches_the_signed_certificate_and_refuses_another_keys(
    made: Path, ws: Path, run_cli, tmp_path: Path
) -> None:
    for name in ("req1", "req2"):
        code, _out, err = cli(run_cli, ws, "csr", "create", name, "--subject", f"/CN={name}", "--key", "ec:p256",
                              "--no-key-password")  # fmt: skip
        assert code == 0, err
    for name in ("req1", "req2"):
        shutil.copy(ws / "items" / name / "csr.pem", made / f"{name}.csr")
        _sign(made, f"{name}.csr", f"{name}.crt")
    before = {p.name: p.read_bytes() for p in (ws / "items" / "req1").iterdir()}
    code, _out, err = cli(run_cli, ws, "csr", "complete", "req1", str(made / "req2.crt"))
    assert code == 2 and "'req2'" in err and "unchanged" in err
    code, _out, err = cli(run_cli, ws, "csr", "complete", "req1", str(made / "stray.crt"))
    assert code == 2 and "no workspace item holds its key" in err
    assert {p.name: p.read_bytes() for p in (ws / "items" / "req1").iterdir()} == before

    code, out, err = cli(
        run_cli, ws, "csr", "complete", "req1", str(made / "req1.crt"), "--chain", str(made / "ca.pem")
    )
    assert code == 0 and "completed CSR item 'req1'" in out, err
    item = Workspace.open(ws).get("req1")
    assert item.kind is ItemKind.LEAF
    chain = x509.load_pem_x509_certificates(item.chain_path.read_bytes())
    assert [c.subject.rfc4514_string() for c in chain] == ["CN=Identity Test CA"]
    run_tool("openssl", "verify", "-CAfile", made / "ca.pem", item.cert_path, cwd=tmp_path)


def _make_ca_and_leaf(run_cli, ws: Path, *, ca_password: bool = False) -> None:
    ca_key = ("--key-password-env", "CA_PW") if ca_password else ("--no-key-password",)
    code, _out, err = cli(run_cli, ws, "ca", "create", "root", "--subject", "/CN=Renew Root", "--key", "ec:p256",
                          *ca_key)  # fmt: skip
    assert code == 0, err
    issuer = ("--issuer-key-password-env", "CA_PW") if ca_password else ()
    code, _out, err = cli(run_cli, ws, "cert", "create", "srv", "--issuer", "root", "--profile", "server",
                          "--subject", "/CN=srv.example/O=Example", "--san", "DNS:srv.example", "--san",
                          "IP:127.0.0.1", "--key", "ec:p256", "--days", "90", *issuer, *KEY)  # fmt: skip
    assert code == 0, err


def test_renew_keeps_subject_and_sans_changes_serial_and_validity(ws: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws)
    item_dir = ws / "items" / "srv"
    key_before = (item_dir / "key.pem").read_bytes()
    monkeypatch.setenv("CERTBENCH_NOW", "2026-03-01T12:00:00Z")
    code, out, err = cli(run_cli, ws, "cert", "renew", "srv")
    assert code == 0, err
    assert "same key" in out
    old, new = item_dir / "history" / "1" / "cert.pem", item_dir / "cert.pem"
    for options in (("-subject",), ("-ext", "subjectAltName,extendedKeyUsage")):
        assert openssl_text(old, *options) == openssl_text(new, *options)
    assert "DNS:srv.example, IP Address:127.0.0.1" in openssl_text(new, "-ext", "subjectAltName")
    assert openssl_text(old, "-serial") != openssl_text(new, "-serial")
    assert openssl_text(old, "-startdate") != openssl_text(new, "-startdate")
    assert openssl_text(new, "-startdate").strip().endswith("2026 GMT") and "Mar  1" in openssl_text(new, "-startdate")
    assert openssl_text(old, "-pubkey") == openssl_text(new, "-pubkey")
    assert (item_dir / "key.pem").read_bytes() == key_before
    at = str(int(datetime(2026, 3, 2, tzinfo=UTC).timestamp()))  # the renewal's clock, not the machine's
    run_tool("openssl", "verify", "-attime", at, "-CAfile", ws / "items" / "root" / "cert.pem", new, cwd=ws)

    code, out, err = cli(run_cli, ws, "cert", "renew", "srv", "--new-key", *KEY, "--json")
    assert code == 0, err
    assert json.loads(out)["new_key"] is True
    assert (item_dir / "history" / "2" / "key.pem").read_bytes() == key_before
    assert (item_dir / "history" / "1" / "cert.pem").is_file(), "older history is carried along"
    assert openssl_text(item_dir / "history" / "2" / "cert.pem", "-pubkey") != openssl_text(new, "-pubkey")
    run_tool("openssl", "pkey", "-in", item_dir / "key.pem", "-passin", "pass:keypass11", "-noout", cwd=ws)
    code, out, err = cli(run_cli, ws, "show", "srv", "--json")
    assert code == 0, err
    history = json.loads(out)["history"]
    assert [h["number"] for h in history] == [1, 2] and [h["key_replaced"] for h in history] == [False, True]
    assert "key.pem" in history[1]["files"]


def test_renew_needs_the_ca_password_and_tells_how_to_rotate_a_binding(ws: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws, ca_password=True)
    cert = ws / "items" / "srv" / "cert.pem"
    assert cli(run_cli, ws, "bind", "add", "client-a", str(cert))[0] == 0
    code, _out, err = cli(run_cli, ws, "cert", "renew", "srv")
    assert code == 2 and "--issuer-key-password-env" in err
    code, _out, err = cli(run_cli, ws, "cert", "renew", "srv", *KEY)
    assert code == 2 and "without --new-key" in err
    code, out, err = cli(run_cli, ws, "cert", "renew", "srv", "--issuer-key-password-env", "CA_PW")
    assert code == 0, err
    assert f"certbench bind add client-a {cert}" in out
    code, out, err = cli(run_cli, ws, "cert", "renew", "srv", "--issuer-key-password-env", "CA_PW", "--rebind")
    assert code == 0, err
    assert "bound the successor to client_id client-a" in out
    code, out, _err = cli(run_cli, ws, "bind", "list", "--json")
    assert len([b for b in json.loads(out) if b["client_id"] == "client-a"]) == 2


def test_rm_then_restore_gives_back_identical_files(ws: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws)
    before = {p.relative_to(ws): p.read_bytes() for p in (ws / "items" / "srv").rglob("*") if p.is_file()}
    code, out, err = cli(run_cli, ws, "rm", "srv")
    assert code == 0 and "srv~1" in out, err
    assert not (ws / "items" / "srv").exists()
    code, out, _err = cli(run_cli, ws, "trash", "--json")
    [entry] = json.loads(out)
    assert (entry["trash_id"], entry["name"], entry["kind"]) == ("srv~1", "srv", "leaf")
    assert "CN=srv.example" in entry["subject"]
    code, out, err = cli(run_cli, ws, "restore", "srv")
    assert code == 0 and "restored 'srv' from srv~1" in out, err
    after = {p.relative_to(ws): p.read_bytes() for p in (ws / "items" / "srv").rglob("*") if p.is_file()}
    assert after == before
    assert stat.S_IMODE((ws / "items" / "srv" / "key.pem").stat().st_mode) == 0o600


def test_rm_of_a_ca_that_issued_items_needs_force_and_trash_empty(ws: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws)
    code, _out, err = cli(run_cli, ws, "rm", "root")
    assert code == 2 and "issued srv" in err and "--force" in err
    assert (ws / "items" / "root" / "item.json").is_file()
    assert cli(run_cli, ws, "rm", "root", "--force")[0] == 0
    assert cli(run_cli, ws, "rm", "srv")[0] == 0
    code, out, _err = cli(run_cli, ws, "trash")
    assert "root~1" in out and "srv~1" in out
    code, out, _err = cli(run_cli, ws, "trash", "--empty")
    assert code == 0 and "deleted 2" in out
    assert cli(run_cli, ws, "trash", "--json")[1].strip() == "[]"
    code, _out, err = cli(run_cli, ws, "restore", "srv")
    assert code == 2 and "no item named 'srv'" in err
    actions = [json.loads(line)["action"] for line in (ws / "audit.log").read_text().splitlines()]
    assert actions.count("item.trash") == 2 and "trash.empty" in actions


def test_show_lists_dependents(ws: Path, run_cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws)
    assert cli(run_cli, ws, "bind", "add", "client-b", str(ws / "items" / "srv" / "cert.pem"))[0] == 0
    assert cli(run_cli, ws, "jar", "build", "srv", "--out", str(tmp_path / "srv.jar"), *KEY)[0] == 0
    assert cli(run_cli, ws, "trust", "build", "--out", str(tmp_path / "t.pem"), "ws:root")[0] == 0
    code, out, err = cli(run_cli, ws, "show", "root", "--json")
    assert code == 0, err
    root = json.loads(out)["dependents"]
    assert root["issued"] == ["srv"]
    assert [(a["action"], a["out"]) for a in root["artifacts"]] == [("trust.build", str(tmp_path / "t.pem"))]
    code, out, err = cli(run_cli, ws, "show", "srv")
    assert code == 0, err
    assert "issued by workspace item 'root'" in out and "bindings: client-b" in out
    assert f"jar.build  {tmp_path / 'srv.jar'}" in out


def test_wrong_item_kinds_are_one_line_refusals(made: Path, ws: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CERTBENCH_NOW", "2026-01-15T12:00:00Z")
    _make_ca_and_leaf(run_cli, ws)
    code, _out, err = cli(run_cli, ws, "cert", "renew", "root")
    assert code == 2 and err.strip() == "certbench: error: item 'root' is a ca: only leaf items are renewed this way"
    code, _out, err = cli(run_cli, ws, "csr", "complete", "srv", str(made / "stray.crt"))
    assert code == 2 and err.strip() == "certbench: error: item 'srv' is a leaf, not a CSR item"
    code, _out, err = cli(run_cli, ws, "import", "q", str(made / "legacy.pfx"), "--no-key-password")
    assert code == 2 and "legacy.pfx" in err and "--in-password" in err and len(err.strip().splitlines()) == 1
