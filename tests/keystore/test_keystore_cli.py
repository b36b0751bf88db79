"""``certbench jar build`` and ``certbench export``: flags, exit codes, JSON, refusals."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from keystore_material import ITEM_PASSWORD, Pki, fill_workspace, shared_pki

from certbench.core.formats.jar import load_keystore_jar
from certbench.core.formats.load import load_file
from certbench.core.workspace import Workspace
from conftest import FIXED_NOW

ENV = {
    "CERTBENCH_NOW": "2026-01-15T12:00:00Z",
    "ITEM_PW": ITEM_PASSWORD,
    "JAR_PW": "gatewaypass1",
    "BAD_PW": "gate#way:pass",
    "OUT_PW": "exportpass1",
}


@pytest.fixture(scope="module")
def pki() -> Pki:
    return shared_pki()


@pytest.fixture
def ws(workspace: Workspace, pki: Pki) -> Workspace:
    fill_workspace(workspace, pki, FIXED_NOW)
    return workspace


def _jar(run_cli, ws: Workspace, *args: str) -> tuple[int, str, str]:
    return run_cli("--workspace", str(ws.root), "jar", "build", *args, env=ENV)


def _export(run_cli, ws: Workspace, *args: str) -> tuple[int, str, str]:
    return run_cli("--workspace", str(ws.root), "export", *args, env=ENV)


def test_jar_build_from_item(run_cli, ws: Workspace, pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "gw.jar"
    code, stdout, stderr = _jar(
        run_cli, ws, "leaf", "--out", str(out), "--key-password-env", "JAR_PW", "--in-password-env", "ITEM_PW"
    )
    assert code == 0, stderr
    assert f"wrote {out}" in stdout and "[ok  ] Key matches the certificate" in stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    material = load_keystore_jar(out.read_bytes(), path=str(out), password=b"gatewaypass1")
    assert material.certificates == (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    audit = ws.read_audit()[-1]
    assert audit["action"] == "jar.build" and audit["item"] == "leaf" and audit["out"] == str(out)
    assert "gatewaypass1" not in json.dumps(ws.read_audit())


def test_jar_build_json(run_cli, ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "gw.jar"
    code, stdout, _ = _jar(
        run_cli, ws, "leaf", "--out", str(out), "--name", "Gw", "--no-key-password", "--in-password-env", "ITEM_PW"
    )
    assert code == 0
    code, stdout, _ = _jar(
        run_cli,
        ws,
        "leaf",
        "--out",
        str(out),
        "--name",
        "Gw",
        "--no-key-password",
        "--in-password-env",
        "ITEM_PW",
        "--force",
        "--json",
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["ok"] is True and report["kind"] == "jar" and report["out"] == str(out)
    assert report["bytes"] == out.stat().st_size
    assert report["chain"][0] == "O=Certbench Tests,CN=api.example.test"
    assert {c["code"] for c in report["checks"]} >= {"jar.key-matches", "jar.chain", "jar.size", "jar.names"}
    assert zipfile.ZipFile(io.BytesIO(out.read_bytes())).namelist()[2:] == ["Gw.pem", "GwKey.pem"]


def test_jar_build_from_files(run_cli, ws: Workspace, pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "files.jar"
    code, _, stderr = _jar(
        run_cli,
        ws,
        "--cert",
        str(pki.path("leaf.pem")),
        "--key",
        str(pki.path("leaf.key")),
        "--chain",
        str(pki.path("int.pem")),
        "--out",
        str(out),
        "--key-password-env",
        "JAR_PW",
    )
    assert code == 0, stderr
    material = load_keystore_jar(out.read_bytes(), path="x", password=b"gatewaypass1")
    # The root came from the workspace CAs.
    assert material.certificates[-1] == pki.cert("root")
    assert material.details["certFile"] == "leaf.pem"


@pytest.mark.parametrize(
    ("item", "extra", "expected"),
    [
        ("expired", ["--key-password-env", "JAR_PW"], "Nothing in the chain is expired"),
        ("mismatch", ["--key-password-env", "JAR_PW"], "Key matches the certificate"),
        ("leaf", ["--key-password-env", "BAD_PW"], "Password has no restricted characters"),
        ("leaf", ["--key-password-env", "JAR_PW", "--name", "my_gateway"], "Names are alphanumeric"),
    ],
)
def test_jar_build_refusals_exit_1(
    run_cli, ws: Workspace, tmp_path: Path, item: str, extra: list[str], expected: str
) -> None:
    out = tmp_path / "refused.jar"
    code, stdout, stderr = _jar(run_cli, ws, item, "--out", str(out), "--in-password-env", "ITEM_PW", *extra)
    assert code == 1
    lines = stderr.strip().splitlines()
    assert lines == [line for line in lines if line.startswith("certbench: refused: ")]
    assert any(line.startswith(f"certbench: refused: {expected}: ") for line in lines)
    assert not out.exists()
    assert "gate#way:pass" not in stderr + stdout
    if item == "leaf" and "BAD_PW" in extra:
        assert "contains 2 restricted characters" in stderr and "contains #" not in stderr  # not which ones


def test_jar_build_refusal_lists_every_failure(run_cli, ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "refused.jar"
    code, _, stderr = _jar(
        run_cli, ws, "expired", "--out", str(out), "--in-password-env", "ITEM_PW", "--key-password-env", "BAD_PW"
    )
    assert code == 1
    assert len(stderr.strip().splitlines()) == 2


def test_jar_build_no_overwrite_without_force(run_cli, ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "exists.jar"
    out.write_bytes(b"precious")
    code, _, stderr = _jar(run_cli, ws, "leaf", "--out", str(out), "--no-key-password", "--in-password-env", "ITEM_PW")
    assert code == 2 and "already exists" in stderr and str(out) in stderr
    assert out.read_bytes() == b"precious"
    code, _, _ = _jar(
        run_cli, ws, "leaf", "--out", str(out), "--no-key-password", "--in-password-env", "ITEM_PW", "--force"
    )
    assert code == 0 and out.read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leaf", "--out", "{out}"], "--key-password-env"),  # no password, no TTY
        # the item's key password
        (["leaf", "--out", "{out}", "--no-key-password"], "is encrypted: give it with --in-password-env"),
        (["leaf", "--out", "{out}", "--no-key-password", "--in-password-env", "JAR_PW"], "wrong password"),
        (["nosuch", "--out", "{out}", "--no-key-password"], "no item named 'nosuch'"),
        (["--out", "{out}", "--no-key-password"], "give a workspace ITEM or --cert FILE"),
        (["leaf", "--cert", "x.pem", "--out", "{out}", "--no-key-password"], "not both"),
        (["--cert", "{missing}", "--key", "{missing}", "--out", "{out}", "--no-key-password"], "cannot read"),
        (["leaf", "--out", "{out}", "--no-key-password", "--key-password-env", "JAR_PW"], "not both"),
        (["leaf", "--out", "{out}", "--no-key-password", "--in-password-env", "ITEM_PW", "--name", "a/b"], "--name"),
    ],
)
def test_jar_build_usage_errors_exit_2(run_cli, ws: Workspace, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "x.jar"
    filled = [a.format(out=out, missing=tmp_path / "missing.pem") for a in args]
    code, _, stderr = _jar(run_cli, ws, *filled)
    assert code == 2
    assert stderr.startswith("certbench: error: ") and message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_garbage_cert_file_exit_2(run_cli, ws: Workspace, tmp_path: Path, pki: Pki) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    code, _, stderr = _jar(
        run_cli, ws, "--cert", str(garbage), "--key", str(pki.path("leaf.key")), "--out", str(tmp_path / "o.jar"),
        "--no-key-password",
    )  # fmt: skip
    assert code == 2 and str(garbage) in stderr


@pytest.mark.parametrize(
    ("fmt", "extra", "secret"),
    [
        ("pem-chain", [], False),
        ("pem-cert", [], False),
        ("der", [], False),
        ("p7b", [], False),
        ("key", ["--password-env", "OUT_PW"], True),
        ("key", ["--no-key-password"], True),
        ("p12", ["--password-env", "OUT_PW"], True),
        ("p12", ["--password-env", "OUT_PW", "--legacy"], True),
        ("jks", ["--password-env", "OUT_PW"], True),
    ],
)
def test_export_formats(run_cli, ws: Workspace, tmp_path: Path, fmt: str, extra: list[str], secret: bool) -> None:
    out = tmp_path / f"out.{fmt}"
    code, stdout, stderr = _export(
        run_cli, ws, "leaf", "--format", fmt, "--out", str(out), "--in-password-env", "ITEM_PW", *extra
    )
    assert code == 0, stderr
    assert stat.S_IMODE(out.stat().st_mode) == (0o600 if secret else 0o644)
    assert f"({fmt}, {out.stat().st_size} bytes)" in stdout
    # certbench reads back what it wrote (the inspect loaders).
    password = b"exportpass1" if "--password-env" in extra else None
    material = load_file(out, password=password)
    assert material.certificates or material.keys
    if fmt in ("p12", "jks"):
        assert len(material.key_entries) == 1 and len(material.key_entries[0].chain) == 3


def test_export_p12_friendly_name_and_no_root(run_cli, ws: Workspace, tmp_path: Path, pki: Pki) -> None:
    out = tmp_path / "client.p12"
    code, stdout, _ = _export(
        run_cli,
        ws,
        "leaf",
        "--format",
        "p12",
        "--out",
        str(out),
        "--password-env",
        "OUT_PW",
        "--in-password-env",
        "ITEM_PW",
        "--no-root",
        "--json",
    )
    assert code == 0
    assert json.loads(stdout)["kind"] == "p12"
    bundle = pkcs12.load_pkcs12(out.read_bytes(), b"exportpass1")
    assert bundle.cert is not None and bundle.cert.friendly_name == b"leaf"
    assert [c.certificate for c in bundle.additional_certs] == [pki.cert("int")]


def test_export_certificates_need_no_key_password(run_cli, ws: Workspace, tmp_path: Path, pki: Pki) -> None:
    out = tmp_path / "chain.pem"
    code, _, stderr = _export(run_cli, ws, "leaf", "--format", "pem-chain", "--out", str(out))
    assert code == 0, stderr
    assert out.read_bytes() == b"\n".join(pki.path(f"{n}.pem").read_bytes() for n in ("leaf", "int", "root"))


def test_export_warnings_and_refusals(run_cli, ws: Workspace, tmp_path: Path) -> None:
    code, _, stderr = _export(run_cli, ws, "expired", "--format", "pem-chain", "--out", str(tmp_path / "e.pem"))
    assert code == 0 and "certbench: warning: Nothing in the chain is expired" in stderr
    code, _, stderr = _export(
        run_cli, ws, "mismatch", "--format", "p12", "--out", str(tmp_path / "m.p12"), "--password-env", "OUT_PW",
        "--in-password-env", "ITEM_PW",
    )  # fmt: skip
    assert code == 1 and stderr.startswith("certbench: refused: Key matches the certificate")
    assert not (tmp_path / "m.p12").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leaf", "--format", "pem-chain", "--legacy"], "--legacy applies"),
        (["leaf", "--format", "p12", "--no-key-password"], "--no-key-password applies"),
        (["leaf", "--format", "p12", "--key-password-env", "OUT_PW"], "apply to --format jks only"),
        (["leaf", "--format", "p12"], "needs a password"),
        (["root", "--format", "p12", "--password-env", "OUT_PW"], "has no private key"),
    ],
)
def test_export_usage_errors(run_cli, ws: Workspace, tmp_path: Path, args: list[str], message: str) -> None:
    code, _, stderr = _export(run_cli, ws, *args, "--out", str(tmp_path / "x"))
    assert code == 2 and message in stderr


def test_export_unknown_format_is_usage(run_cli, ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _export(run_cli, ws, "leaf", "--format", "zip", "--out", str(tmp_path / "x"))
    assert exit_info.value.code == 2


def test_jar_check(run_cli, ws: Workspace, tmp_path: Path, pki: Pki) -> None:
    out = tmp_path / "gw.jar"
    code, _, _ = _jar(
        run_cli, ws, "leaf", "--out", str(out), "--key-password-env", "JAR_PW", "--in-password-env", "ITEM_PW"
    )
    assert code == 0
    code, stdout, _ = run_cli("jar", "check", str(out), "--key-password-env", "JAR_PW", env=ENV)
    assert code == 0 and "[ok  ] Chain links leaf to root" in stdout
    # The same JAR a year after the leaf expired fails the checklist.
    later = {**ENV, "CERTBENCH_NOW": "2027-07-01T00:00:00Z"}
    code, stdout, _ = run_cli("jar", "check", str(out), "--key-password-env", "JAR_PW", "--json", env=later)
    report = json.loads(stdout)
    assert code == 1 and report["ok"] is False
    assert [c["code"] for c in report["checks"] if not c["passed"]] == ["jar.not-expired"]
    code, _, stderr = run_cli("jar", "check", str(out), env=ENV)
    assert code == 2 and "holds an encrypted private key: give it with" in stderr
    code, _, stderr = run_cli("jar", "check", str(pki.path("leaf.pem")), "--key-password-env", "JAR_PW", env=ENV)
    assert code == 2 and "not a zip" in stderr and str(pki.path("leaf.pem")) in stderr
