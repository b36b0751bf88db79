"""Issue 11 §1: a reader racing replacements of an item gets the old item or the new one (certificate
and key of the same write) or a clean "replaced meanwhile" error, never a mix and never a crash."""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from storage_support import make_self_signed

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
