"""The workspace: layout, permissions, metadata, audit log, list command."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from certbench.core.errors import PasswordError, UsageError, WorkspaceError
from certbench.core.workspace import ItemKind, Workspace, validate_item_name


@pytest.fixture(scope="module")
def openssl_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[x509.Certificate, bytes]:
    """A self-signed certificate and its encrypted key, made by openssl (not by us)."""
    d = tmp_path_factory.mktemp("openssl")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            str(d / "key.pem"),
            "-out",
            str(d / "cert.pem"),
            "-days",
            "30",
            "-subj",
            "/CN=Workspace Test/O=certbench",
            "-passout",
            "pass:s3cret",
        ],
        check=True,
        capture_output=True,
    )
    cert = x509.load_pem_x509_certificate((d / "cert.pem").read_bytes())
    return cert, (d / "key.pem").read_bytes()


def test_open_creates_private_layout(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "new" / "ws")
    assert stat.S_IMODE(ws.root.stat().st_mode) == 0o700
    assert ws.items_dir.is_dir() and ws.artifacts_dir.is_dir()
    assert ws.list_items() == []


def test_save_and_read_item(workspace: Workspace, openssl_pair, fixed_now) -> None:
    cert, key_pem = openssl_pair
    item = workspace.save_item("test-ca", ItemKind.CA, now=fixed_now, certificate=cert, key_pem=key_pem)
    assert item.subject == "O=certbench,CN=Workspace Test"
    assert item.sha256 == cert.fingerprint(hashes.SHA256()).hex(":").upper()
    assert stat.S_IMODE(item.key_path.stat().st_mode) == 0o600
    assert workspace.get("test-ca") == item
    assert workspace.load_certificate(item) == cert
    assert item.days_left(cert.not_valid_before_utc) in (29, 30)
    loaded = workspace.load_private_key(item, b"s3cret")
    assert loaded.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_encrypted_key_password_errors(workspace: Workspace, openssl_pair, fixed_now) -> None:
    cert, key_pem = openssl_pair
    item = workspace.save_item("x", ItemKind.LEAF, now=fixed_now, certificate=cert, key_pem=key_pem)
    with pytest.raises(PasswordError, match="encrypted") as missing:
        workspace.load_private_key(item, None)
    assert missing.value.missing
    with pytest.raises(PasswordError, match="wrong password"):
        workspace.load_private_key(item, b"nope")


def test_existing_name_refused_without_overwrite(workspace: Workspace, openssl_pair, fixed_now) -> None:
    cert, key_pem = openssl_pair
    workspace.save_item("dup", ItemKind.LEAF, now=fixed_now, certificate=cert, key_pem=key_pem)
    with pytest.raises(WorkspaceError, match="already exists"):
        workspace.save_item("dup", ItemKind.LEAF, now=fixed_now, certificate=cert)
    item = workspace.save_item("dup", ItemKind.LEAF, now=fixed_now, certificate=cert, overwrite=True)
    assert not item.key_path.exists(), "replacing an item drops files the new item does not have"


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden", "x" * 65, "sp ace"])
def test_item_names_are_validated(bad: str) -> None:
    with pytest.raises(UsageError):
        validate_item_name(bad)


def test_unknown_item_lists_known(workspace: Workspace, openssl_pair, fixed_now) -> None:
    cert, _ = openssl_pair
    workspace.save_item("alpha", ItemKind.IMPORTED, now=fixed_now, certificate=cert)
    with pytest.raises(WorkspaceError, match="alpha"):
        workspace.get("beta")


def test_damaged_metadata_is_reported(workspace: Workspace, openssl_pair, fixed_now) -> None:
    cert, _ = openssl_pair
    item = workspace.save_item("alpha", ItemKind.IMPORTED, now=fixed_now, certificate=cert)
    workspace.save_item("beta", ItemKind.IMPORTED, now=fixed_now, certificate=cert)
    (item.directory / "item.json").write_text("{not json")
    items, damaged = workspace.scan_items()
    assert [i.name for i in items] == ["beta"]
    assert [(d.name, "damaged item metadata" in d.reason) for d in damaged] == [("alpha", True)]
    assert [i.name for i in workspace.list_items()] == ["beta"]
    with pytest.raises(WorkspaceError, match="damaged item metadata"):
        workspace.get("alpha")


def test_audit_log_appends_and_refuses_secrets(workspace: Workspace, fixed_now) -> None:
    workspace.audit("item.create", fixed_now, item="a")
    workspace.audit("item.delete", fixed_now + timedelta(seconds=1), item="a")
    assert [entry["action"] for entry in workspace.read_audit()] == ["item.create", "item.delete"]
    with pytest.raises(ValueError, match="secrets"):
        workspace.audit("x", fixed_now, key_password="hunter2")
    assert "hunter2" not in workspace.audit_path.read_text()


def test_list_json_on_new_workspace_creates_it(tmp_path: Path, run_cli) -> None:
    target = tmp_path / "x"
    code, out, err = run_cli("--workspace", str(target), "list", "--json")
    assert (code, json.loads(out), err) == (0, [], "")
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_list_uses_environment_variable(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTBENCH_WORKSPACE", str(tmp_path / "from-env"))
    code, out, _ = run_cli("list")
    assert code == 0 and "is empty" in out
    assert (tmp_path / "from-env" / "items").is_dir()


def test_list_shows_items_with_days_left(tmp_path: Path, run_cli, openssl_pair, fixed_now) -> None:
    cert, _ = openssl_pair
    ws = Workspace.open(tmp_path / "ws")
    ws.save_item("alpha", ItemKind.IMPORTED, now=fixed_now, certificate=cert)
    at = cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out, _ = run_cli("--workspace", str(ws.root), "list", "--json", env={"CERTBENCH_NOW": at})
    (entry,) = json.loads(out)
    assert entry["name"] == "alpha" and entry["kind"] == "imported" and entry["days_left"] == 30
    code, out, _ = run_cli("--workspace", str(ws.root), "list")
    assert code == 0 and "alpha" in out and "CN=Workspace Test" in out
