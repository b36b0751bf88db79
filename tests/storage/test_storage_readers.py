"""Issue 11 §1: a reader racing replacements of an item gets the old item or the new one (certificate
and key of the same write) or a clean "replaced meanwhile" error, never a mix and never a crash."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from storage_support import make_self_signed

import certbench.core.workspace as workspace_module
from certbench.core.errors import WorkspaceError
from certbench.core.fingerprints import sha256_colon
from certbench.core.workspace import ItemKind, Workspace
from conftest import FIXED_NOW

REPLACEMENTS = 60


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_reader_never_mixes_two_writes(tmp_path: Path) -> None:
    pairs = []
    for name in ("first", "second"):
        cert_path = make_self_signed(tmp_path, name)
        pairs.append((x509.load_pem_x509_certificate(cert_path.read_bytes()), (tmp_path / f"{name}.key").read_bytes()))
    workspace = Workspace.open(tmp_path / "ws")

    def save(n: int) -> None:
        certificate, key_pem = pairs[n % 2]
        workspace.save_item(
            "x", ItemKind.IMPORTED, now=FIXED_NOW, certificate=certificate, key_pem=key_pem, key_encrypted=False,
            overwrite=True,
        )  # fmt: skip

    save(0)
    done = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(1, REPLACEMENTS + 1):
                save(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failures.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    whole = refused = 0
    while not done.is_set():
        try:
            item = workspace.get("x")
            certificate = workspace.load_certificate(item)
            key = workspace.load_private_key(item, None)
        except WorkspaceError as exc:
            assert "replaced" in exc.message or "deleted" in exc.message, exc
            refused += 1
            continue
        assert _spki(key.public_key()) == _spki(certificate.public_key()), "certificate and key of two writes"
        assert item.sha256 == sha256_colon(certificate), "item.json of another write"
        whole += 1
        assert [i.name for i in workspace.list_items()] == ["x"]
    thread.join()
    assert failures == []
    assert whole > 0, (whole, refused)


def test_a_reused_folder_inode_is_no_proof_of_the_same_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the replaced folder is removed, the file system may give its inode to the next write's folder:
    the reader then saw "the same folder" and took item.json of one write with the certificate of another
    (seen once under load in the test above). item.json's write id tells the two writes apart."""
    pairs = []
    for name in ("first", "second"):
        cert_path = make_self_signed(tmp_path, name)
        pairs.append((x509.load_pem_x509_certificate(cert_path.read_bytes()), (tmp_path / f"{name}.key").read_bytes()))
    workspace = Workspace.open(tmp_path / "ws")
    monkeypatch.setattr(workspace_module, "_folder_id", lambda _directory: (1, 1))  # every folder "the same"
    for n, (certificate, key_pem) in enumerate(pairs):
        workspace.save_item(
            "x", ItemKind.IMPORTED, now=FIXED_NOW, certificate=certificate, key_pem=key_pem, key_encrypted=False,
            overwrite=True,
        )  # fmt: skip
        if n == 0:
            item = workspace.get("x")
    with pytest.raises(WorkspaceError, match="replaced by another certbench"):
        workspace.load_certificate(item)
    assert workspace.load_certificate(workspace.get("x")) == pairs[1][0]
