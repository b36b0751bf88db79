"""Test material for the keystore slice, made by the real openssl (root -> intermediate -> leaf).

Validity dates are fixed (``openssl ca -startdate/-enddate``) around FIXED_NOW (2026-01-15), so the
same files behave the same whatever day the suite runs. Keys are EC P-256 (fast) plus one RSA-2048
leaf. ``expired`` expired on 2025-01-01; ``other.key`` belongs to no certificate.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core.workspace import ItemKind, Workspace
from openssl_ca import ca_config, ca_database
from tool_runner import run_tool

#: Password of the leaf items' keys inside the test workspace (no restricted characters).
ITEM_PASSWORD = "itempass1"

_CNF = ca_config(
    """
[ v3_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:api.example.test
""",
    subject=(
        "commonName",
        "organizationName",
        "countryName",
    ),
)


@dataclass(frozen=True)
class Pki:
    dir: Path

    def path(self, name: str) -> Path:
        return self.dir / name

    def cert(self, name: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((self.dir / f"{name}.pem").read_bytes())

    def key_pem(self, name: str) -> bytes:
        return (self.dir / f"{name}.key").read_bytes()


def _key(name: str, cwd: Path, rsa: bool = False) -> None:
    if rsa:
        run_tool(
            "openssl",
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            f"{name}.key",
            cwd=cwd,
        )
    else:
        run_tool(
            "openssl",
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            f"{name}.key",
            cwd=cwd,
        )


def _sign(name: str, subject: str, issuer: str | None, ext: str, start: str, end: str, cwd: Path) -> None:
    run_tool(
        "openssl",
        "req",
        "-new",
        "-config",
        "ca.cnf",
        "-key",
        f"{name}.key",
        "-subj",
        subject,
        "-out",
        f"{name}.csr",
        cwd=cwd,
    )
    args = ["openssl", "ca", "-batch", "-config", "ca.cnf", "-notext", "-in", f"{name}.csr", "-out", f"{name}.pem"]
    args += ["-extensions", ext, "-startdate", start, "-enddate", end]
    if issuer is None:
        args += ["-selfsign", "-keyfile", f"{name}.key"]
    else:
        args += ["-cert", f"{issuer}.pem", "-keyfile", f"{issuer}.key"]
    run_tool(*args, cwd=cwd)


def make_pki(directory: Path) -> Pki:
    """root -> int -> leaf (EC), leafrsa (RSA-2048), expired (EC, expired 2025-01-01), weird (a subject
    full of markup); other.key belongs to no certificate."""
    assert shutil.which("openssl"), "openssl is needed for the keystore tests"
    directory.mkdir(parents=True, exist_ok=True)
    ca_database(directory)
    (directory / "ca.cnf").write_text(_CNF.format(dir=directory))
    for name in ("root", "int", "leaf", "expired", "other", "weird"):
        _key(name, directory)
    _key("leafrsa", directory, rsa=True)
    _sign(
        "root",
        "/CN=Keystore Test Root/O=Certbench Tests",
        None,
        "v3_root",
        "20250101000000Z",
        "20350101000000Z",
        directory,
    )
    _sign(
        "int",
        "/CN=Keystore Test Intermediate/O=Certbench Tests",
        "root",
        "v3_int",
        "20250101000000Z",
        "20300101000000Z",
        directory,
    )
    _sign(
        "leaf",
        "/CN=api.example.test/O=Certbench Tests",
        "int",
        "v3_leaf",
        "20250601000000Z",
        "20270601000000Z",
        directory,
    )
    _sign(
        "leafrsa",
        "/CN=rsa.example.test/O=Certbench Tests",
        "int",
        "v3_leaf",
        "20250601000000Z",
        "20270601000000Z",
        directory,
    )
    _sign(
        "expired",
        "/CN=old.example.test/O=Certbench Tests",
        "int",
        "v3_leaf",
        "20240101000000Z",
        "20250101000000Z",
        directory,
    )
    _sign("weird", "/CN=[weird] corp/O=[bold]not markup[\\/bold]", "int", "v3_leaf", "20250601000000Z",
          "20270601000000Z", directory)  # fmt: skip
    (directory / "fullchain.pem").write_bytes(
        (directory / "leaf.pem").read_bytes()
        + (directory / "int.pem").read_bytes()
        + (directory / "root.pem").read_bytes()
    )
    return Pki(directory)


_SHARED: list[Pki] = []


def shared_pki() -> Pki:
    """One PKI per test process (xdist worker), shared by every keystore test module."""
    if not _SHARED:
        directory = Path(tempfile.mkdtemp(prefix="certbench-keystore-pki-"))
        atexit.register(shutil.rmtree, directory, True)
        _SHARED.append(make_pki(directory / "pki"))
    return _SHARED[0]


@functools.lru_cache(maxsize=64)
def encrypted_key_pem(pki: Pki, name: str, password: str = ITEM_PASSWORD) -> bytes:
    key = serialization.load_pem_private_key(pki.key_pem(name), None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )


def fill_workspace(workspace: Workspace, pki: Pki, now: datetime) -> None:
    """CA items for root and intermediate; leaf items whose stored chain is only the intermediate
    (the root must be completed from the workspace CAs); keys encrypted with ITEM_PASSWORD."""
    workspace.save_item("root", ItemKind.CA, now=now, certificate=pki.cert("root"))
    workspace.save_item(
        "int", ItemKind.CA, now=now, certificate=pki.cert("int"), chain=[pki.cert("root")], issuer="root"
    )
    for name in ("leaf", "leafrsa", "expired", "weird"):
        workspace.save_item(
            name,
            ItemKind.LEAF,
            now=now,
            certificate=pki.cert(name),
            chain=[pki.cert("int")],
            key_pem=encrypted_key_pem(pki, name),
            issuer="int",
        )
    # A leaf whose stored key is not its own.
    workspace.save_item(
        "mismatch",
        ItemKind.LEAF,
        now=now,
        certificate=pki.cert("leaf"),
        chain=[pki.cert("int")],
        key_pem=encrypted_key_pem(pki, "other"),
        issuer="int",
    )
