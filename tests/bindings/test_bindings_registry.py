"""The client_id <-> certificate registry and the ``bind`` / ``expiring`` commands, on openssl-made certs."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from certbench.core.bindings import Registry, Verdict, leaf_of
from certbench.core.errors import BindingError
from certbench.core.fingerprints import sha256_colon, x5t_s256
from certbench.core.lock import LOCK_NAME


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bindcerts")
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "root.key", cwd=d)
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        "root.key",
        "-subj",
        "/O=Bank/CN=Test Root",
        "-days",
        "3650",
        "-out",
        "root.pem",
        cwd=d,
    )
    for name, days in (("tpp1", "365"), ("tpp1next", "700"), ("tpp2", "365"), ("tpp3", "365"), ("short", "10")):
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key", cwd=d)
        _openssl("req", "-new", "-key", f"{name}.key", "-subj", f"/O=TPP/CN={name}", "-out", f"{name}.csr", cwd=d)
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            days,
            "-out",
            f"{name}.pem",
            cwd=d,
        )
    (d / "tpp1-chain.pem").write_bytes((d / "root.pem").read_bytes() + (d / "tpp1.pem").read_bytes())
    _openssl("x509", "-in", "tpp2.pem", "-outform", "DER", "-out", "tpp2.der", cwd=d)
    files = {p.stem: p for p in d.glob("*.pem")}
    files["tpp2-der"] = d / "tpp2.der"
    return files


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


NOW = datetime.now(UTC)


def test_add_records_fingerprints_and_rotation(tmp_path: Path, certs: dict[str, Path]) -> None:
    registry = Registry.load(tmp_path / "bindings.json")
    one = registry.add("client-1", _cert(certs["tpp1"]), now=NOW, note="prod")
    assert one.sha256 == sha256_colon(_cert(certs["tpp1"]))
    assert one.x5t_s256 == x5t_s256(_cert(certs["tpp1"]))
    assert one.subject == "CN=tpp1,O=TPP" and one.issuer == "CN=Test Root,O=Bank"
    registry.add("client-1", _cert(certs["tpp1next"]), now=NOW)
    newest, older = registry.for_client("client-1")
    assert newest.subject == "CN=tpp1next,O=TPP" and registry.is_newer(newest) and not registry.is_newer(older)
    with pytest.raises(BindingError, match="already holds 2"):
        registry.add("client-1", _cert(certs["tpp3"]), now=NOW)
    reloaded = Registry.load(tmp_path / "bindings.json")
    assert [b.sha256 for b in reloaded.bindings] == [b.sha256 for b in registry.bindings]
    assert reloaded.for_client("client-1")[1].note == "prod"


def test_one_certificate_one_client(tmp_path: Path, certs: dict[str, Path]) -> None:
    registry = Registry.load(tmp_path / "bindings.json")
    registry.add("client-1", _cert(certs["tpp1"]), now=NOW)
    with pytest.raises(BindingError, match="bound to client_id 'client-1'"):
        registry.add("client-2", _cert(certs["tpp1"]), now=NOW)
    assert [b.client_id for b in Registry.load(tmp_path / "bindings.json").bindings] == ["client-1"]


def test_check_verdicts(tmp_path: Path, certs: dict[str, Path]) -> None:
    registry = Registry.load(tmp_path / "bindings.json")
    registry.add("client-1", _cert(certs["tpp1"]), now=NOW)
    registry.add("client-2", _cert(certs["short"]), now=NOW)
    assert registry.check("client-1", _cert(certs["tpp1"]), now=NOW).verdict is Verdict.MATCH
    assert registry.check(" client-1 ", _cert(certs["tpp1"]), now=NOW).verdict is Verdict.MATCH
    assert registry.check("nobody", _cert(certs["tpp3"]), now=NOW).verdict is Verdict.UNKNOWN_CLIENT
    other = registry.check("client-2", _cert(certs["tpp1"]), now=NOW)
    assert other.verdict is Verdict.OTHER_CLIENT and "client-1" in other.reason
    assert registry.check("client-1", _cert(certs["tpp3"]), now=NOW).verdict is Verdict.NOT_BOUND
    later = NOW + timedelta(days=30)
    assert registry.check("client-2", _cert(certs["short"]), now=later).verdict is Verdict.EXPIRED


def test_leaf_of_chain_in_any_order(certs: dict[str, Path]) -> None:
    chain = x509.load_pem_x509_certificates(certs["tpp1-chain"].read_bytes())
    assert leaf_of(chain) == _cert(certs["tpp1"])
    assert leaf_of(list(reversed(chain))) == _cert(certs["tpp1"])
    with pytest.raises(BindingError, match="2 end-entity"):
        leaf_of([_cert(certs["tpp1"]), _cert(certs["tpp2"])])


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"schema": "certbench.bindings", "version": 99, "bindings": []}',
        b'{"schema": "certbench.bindings", "version": 1, "bindings": [{"client_id": "x"}]}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_corrupt_registry_reported_and_left_untouched(tmp_path: Path, certs: dict[str, Path], content: bytes) -> None:
    path = tmp_path / "bindings.json"
    path.write_bytes(content)
    with pytest.raises(BindingError) as info:
        Registry.load(path)
    assert info.value.path == str(path)
    assert path.read_bytes() == content


def test_tampered_fingerprint_is_refused(tmp_path: Path, certs: dict[str, Path]) -> None:
    path = tmp_path / "bindings.json"
    Registry.load(path).add("client-1", _cert(certs["tpp1"]), now=NOW)
    document = json.loads(path.read_text())
    document["bindings"][0]["x5t_s256"] = x5t_s256(_cert(certs["tpp2"]))
    path.write_text(json.dumps(document))
    with pytest.raises(BindingError, match="does not match"):
        Registry.load(path)


def test_write_is_atomic_no_temp_files_left(tmp_path: Path, certs: dict[str, Path]) -> None:
    registry = Registry.load(tmp_path / "bindings.json")
    registry.add("client-1", _cert(certs["tpp1"]), now=NOW)
    registry.remove("client-1")
    # Only the registry and the workspace lock file remain: no temporary file.
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME, "bindings.json"]
    assert Registry.load(tmp_path / "bindings.json").bindings == []


# -- CLI ------------------------------------------------------------------------------------------------


def test_cli_bind_flow(run_cli, tmp_path: Path, certs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    ws = ["--workspace", str(tmp_path / "ws")]
    code, out, _ = run_cli(*ws, "bind", "add", "client-1", str(certs["tpp1-chain"]), "--note", "prod")
    assert code == 0 and sha256_colon(_cert(certs["tpp1"])) in out
    code, out, err = run_cli(*ws, "bind", "add", "client-2", str(certs["tpp1"]))
    assert code == 2 and "bound to client_id 'client-1'" in err
    assert run_cli(*ws, "bind", "add", "client-2", str(certs["tpp2-der"]))[0] == 0
    assert run_cli(*ws, "bind", "add", "client-1", str(certs["tpp1next"]))[0] == 0

    code, out, _ = run_cli(*ws, "bind", "check", "client-1", str(certs["tpp1"]))
    assert (code, out.strip()) == (0, "match")
    code, out, _ = run_cli(*ws, "bind", "check", "client-2", str(certs["tpp1"]), "--json")
    assert code == 1 and json.loads(out)["result"] == "bound-to-another-client-id"
    code, out, _ = run_cli(*ws, "bind", "check", "ghost", str(certs["tpp3"]))
    assert code == 1 and "unknown client_id" in out
    code, _, err = run_cli(*ws, "bind", "check", "client-1", str(tmp_path / "missing.pem"))
    assert code == 2 and "missing.pem" in err

    code, out, _ = run_cli(*ws, "bind", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [(r["client_id"], r["newer"]) for r in rows] == [
        ("client-1", True),
        ("client-1", False),
        ("client-2", True),
    ]
    code, out, _ = run_cli(*ws, "bind", "list")
    assert "newer" in out and "older" in out

    export = tmp_path / "gateway.json"
    assert run_cli(*ws, "bind", "export", "-o", str(export))[0] == 0
    document = json.loads(export.read_text())
    assert document["clients"]["client-1"]["x5t#S256"][1] == x5t_s256(_cert(certs["tpp1"]))
    assert run_cli(*ws, "bind", "export", "-o", str(export))[0] == 2  # no overwrite without --force

    fp = x5t_s256(_cert(certs["tpp1"]))
    code, out, _ = run_cli(*ws, "bind", "remove", "client-1", f"--fingerprint={fp}")  # x5t#S256 may start with "-"
    assert code == 0 and len(Registry.load(tmp_path / "ws" / "bindings.json").for_client("client-1")) == 1
    assert run_cli(*ws, "bind", "remove", "ghost")[0] == 2


def test_cli_corrupt_registry_exit_2(run_cli, tmp_path: Path, certs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    assert run_cli("--workspace", str(ws), "bind", "list")[0] == 0
    (ws / "bindings.json").write_text("{oops")
    code, _, err = run_cli("--workspace", str(ws), "bind", "list")
    assert code == 2 and "bindings.json" in err and "not valid JSON" in err
    assert (ws / "bindings.json").read_text() == "{oops"


def test_cli_expiring(run_cli, tmp_path: Path, certs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    ws = ["--workspace", str(tmp_path / "ws")]
    assert run_cli(*ws, "expiring")[0] == 0
    assert run_cli(*ws, "bind", "add", "client-9", str(certs["short"]))[0] == 0
    code, out, _ = run_cli(*ws, "expiring", "--json")
    assert code == 1 and [(e["source"], e["name"]) for e in json.loads(out)] == [("binding", "client-9")]
    assert run_cli(*ws, "expiring", "--within", "5")[0] == 0
    future = (NOW + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out, _ = run_cli(*ws, "expiring", "--within", "0", "--json", env={"CERTBENCH_NOW": future})
    assert code == 1 and json.loads(out)[0]["expired"] is True


def test_cli_pkcs12_password_options(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bindings_material import MATERIAL, P12_PASSWORD

    ws = ["--workspace", str(tmp_path / "ws")]
    p12 = str(MATERIAL / "tpp4.p12")
    code, _, err = run_cli(*ws, "bind", "add", "tpp-four", p12)
    assert code == 2 and "tpp4.p12" in err and "--password-env" in err
    code, _, err = run_cli(*ws, "bind", "add", "tpp-four", p12, "--password-env", "P12PW", env={"P12PW": "nope"})
    assert code == 2 and "wrong password" in err
    code, out, _ = run_cli(*ws, "bind", "add", "tpp-four", p12, "--password-env", "P12PW", env={"P12PW": P12_PASSWORD})
    assert code == 0 and "tpp-four" in out
    code, out, _ = run_cli(
        *ws, "bind", "check", "tpp-four", p12, "--password-env", "P12PW", env={"P12PW": P12_PASSWORD}
    )
    assert (code, out.strip()) == (0, "match")
    assert P12_PASSWORD not in (tmp_path / "ws" / "audit.log").read_text()


def test_cli_expiring_lists_a_bound_item_once(run_cli, demo_workspace) -> None:  # type: ignore[no-untyped-def]
    """tpp1 is a workspace item and bound to axway-tpp-1: one certificate, one line, naming the client_id."""
    ws = ("--workspace", str(demo_workspace.root))
    env = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z"}
    code, out, _ = run_cli(*ws, "expiring", "--within", "800", "--json", env=env)
    assert code == 1
    entries = json.loads(out)
    tpp = [e for e in entries if "tpp1.demo.axway.com" in e["subject"]]
    assert [(e["source"], e["name"], e["client_ids"]) for e in tpp] == [("item", "tpp1", ["axway-tpp-1"])]
    assert not [e for e in entries if e["source"] == "binding"]
    code, out, _ = run_cli(*ws, "expiring", "--within", "800", env=env)
    assert "tpp1  CN=tpp1.demo.axway.com" in out and "(bound to axway-tpp-1)" in out
