"""Test material for the inspect slice, made by openssl (never hand-typed).

Fixed subjects and validity dates around the test clock (FIXED_NOW = 2026-01-15T12:00Z) via
``openssl ca -startdate/-enddate``; keys are fresh EC P-256 keys each session (RSA only for the weak
1024-bit key). ``python tests/inspect/inspect_material.py DIR`` writes the same set to DIR (the committed
``tests/inspect/material/`` used by the screen snapshot was made that way, without the private keys).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from openssl_ca import ca_config, ca_database
from tool_runner import run_tool as run

P12_PASSWORD = "s3cret-P12"

CA_CNF = ca_config(
    """
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_eku_ca ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:api.example.com,IP:127.0.0.1
[ v3_ca_leaf ]
basicConstraints = critical,CA:true
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:ca-leaf.example.com
""",
    subject=(
        "commonName",
        "organizationName",
        "organizationIdentifier",
        "countryName",
    ),
)

ROOT_SUBJECT = "/C=DE/O=Certbench Test/CN=Test Root CA"
INTER_SUBJECT = "/C=DE/O=Certbench Test/CN=Test Issuing CA"
LEAF_SUBJECT = "/C=DE/O=Partner Bank AG/organizationIdentifier=PSDDE-BAFIN-123456/CN=api.example.com"


@dataclass(frozen=True)
class InspectMaterial:
    """Paths of every file made; ``*.pem`` are single certificates unless named as bundles."""

    directory: Path
    root: Path
    inter: Path
    leaf: Path
    leaf_key: Path
    other_key: Path
    chain: Path  # leaf, inter, root (correct)
    reversed: Path  # root, inter, leaf
    shuffled: Path  # inter, leaf, root
    missing_inter: Path  # leaf, root
    no_root: Path  # leaf, inter
    duplicate: Path  # leaf, inter, inter, root
    unrelated: Path  # leaf, inter, root, other root
    other_root: Path
    expired_chain: Path  # expired leaf, inter, root
    soon_chain: Path  # leaf expiring 2026-02-01, inter, root
    future_chain: Path  # leaf valid from 2026-06-01
    wrong_signature: Path  # leaf, impostor inter (same name, other key), root
    ca_as_leaf: Path  # CA:TRUE certificate with clientAuth, inter, root
    eku_ca_bundle: Path  # an EKU-constrained intermediate (serverAuth, clientAuth, keyCertSign) and the root
    weak_key: Path  # RSA-1024 leaf, inter, root
    weak_signature: Path  # SHA-1 signed leaf, inter, root
    leaf_der: Path
    inter_der: Path
    root_der: Path
    p7b_pem: Path
    p7b_der: Path
    p12_modern: Path
    p12_legacy: Path
    text_dump: Path
    crlf_bom: Path
    truncated: Path  # chain with the last block cut off
    garbage: Path


def make_inspect_material(directory: Path) -> InspectMaterial:
    directory.mkdir(parents=True, exist_ok=True)
    ca_dir = directory / "ca"
    ca_database(ca_dir)
    cnf = directory / "ca.cnf"
    cnf.write_text(CA_CNF.format(dir=ca_dir))

    def key(stem: str, rsa_bits: int | None = None) -> Path:
        path = directory / f"{stem}.key"
        if rsa_bits:
            run(
                "openssl",
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                f"rsa_keygen_bits:{rsa_bits}",
                "-out",
                path,
                cwd=directory,
            )
        else:
            run(
                "openssl",
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                path,
                cwd=directory,
            )
        return path

    def cert(
        stem: str,
        subject: str,
        ext: str,
        issuer: str | None,
        start: str = "20250101000000Z",
        end: str = "20350101000000Z",
        key_stem: str | None = None,
        md: str = "sha256",
    ) -> Path:
        key_path = directory / f"{key_stem or stem}.key"
        csr = directory / f"{stem}.csr"
        run("openssl", "req", "-new", "-config", cnf, "-key", key_path, "-subj", subject, "-out", csr, cwd=directory)
        out = directory / f"{stem}.pem"
        args: list[str | Path] = ["openssl", "ca", "-batch", "-notext", "-config", cnf, "-in", csr, "-out", out]
        args += ["-startdate", start, "-enddate", end, "-extensions", ext, "-md", md]
        if issuer is None:
            args += ["-selfsign", "-keyfile", key_path]
        else:
            args += ["-cert", directory / f"{issuer}.pem", "-keyfile", directory / f"{issuer}.key"]
        run(*args, cwd=directory)
        csr.unlink()
        return out

    def bundle(name: str, *parts: Path) -> Path:
        out = directory / name
        out.write_bytes(b"".join(p.read_bytes() for p in parts))
        return out

    key("root")
    root = cert("root", ROOT_SUBJECT, "v3_ca", None)
    key("inter")
    inter = cert("inter", INTER_SUBJECT, "v3_ca", "root", end="20340101000000Z")
    leaf_key = key("leaf")
    leaf = cert("leaf", LEAF_SUBJECT, "v3_leaf", "inter", start="20250601000000Z", end="20270601000000Z")
    other_key = key("other")
    key("otherroot")
    other_root = cert("otherroot", "/O=Elsewhere/CN=Unrelated Root CA", "v3_ca", None)
    expired = cert(
        "expired",
        "/O=Partner Bank AG/CN=old.example.com",
        "v3_leaf",
        "inter",
        "20240101000000Z",
        "20250101000000Z",
        key_stem="leaf",
    )
    soon = cert(
        "soon",
        "/O=Partner Bank AG/CN=soon.example.com",
        "v3_leaf",
        "inter",
        "20250201000000Z",
        "20260201000000Z",
        key_stem="leaf",
    )
    future = cert(
        "future",
        "/O=Partner Bank AG/CN=future.example.com",
        "v3_leaf",
        "inter",
        "20260601000000Z",
        "20280601000000Z",
        key_stem="leaf",
    )
    key("impostor")
    impostor = cert("impostor", INTER_SUBJECT, "v3_ca", "root", end="20340101000000Z")
    ca_leaf = cert("caleaf", "/O=Partner Bank AG/CN=ca-leaf.example.com", "v3_ca_leaf", "inter", key_stem="other")
    key("weak", rsa_bits=1024)
    weak = cert("weak", "/O=Partner Bank AG/CN=weak.example.com", "v3_leaf", "inter")
    eku_ca = cert("ekuca", "/O=Certbench Test/CN=TLS Issuing CA", "v3_eku_ca", "root", key_stem="other")
    sha1 = cert("sha1", "/O=Partner Bank AG/CN=sha1.example.com", "v3_leaf", "inter", key_stem="leaf", md="sha1")

    chain = bundle("chain.pem", leaf, inter, root)
    material = InspectMaterial(
        directory=directory,
        root=root,
        inter=inter,
        leaf=leaf,
        leaf_key=leaf_key,
        other_key=other_key,
        chain=chain,
        reversed=bundle("reversed.pem", root, inter, leaf),
        shuffled=bundle("shuffled.pem", inter, leaf, root),
        missing_inter=bundle("missing-inter.pem", leaf, root),
        no_root=bundle("no-root.pem", leaf, inter),
        duplicate=bundle("duplicate.pem", leaf, inter, inter, root),
        unrelated=bundle("unrelated.pem", leaf, inter, root, other_root),
        other_root=other_root,
        expired_chain=bundle("expired-chain.pem", expired, inter, root),
        soon_chain=bundle("soon-chain.pem", soon, inter, root),
        future_chain=bundle("future-chain.pem", future, inter, root),
        wrong_signature=bundle("wrong-signature.pem", leaf, impostor, root),
        ca_as_leaf=bundle("ca-as-leaf.pem", ca_leaf, inter, root),
        eku_ca_bundle=bundle("eku-ca-bundle.pem", eku_ca, root),
        weak_key=bundle("weak-key.pem", weak, inter, root),
        weak_signature=bundle("weak-signature.pem", sha1, inter, root),
        leaf_der=directory / "leaf.cer",
        inter_der=directory / "inter.der",
        root_der=directory / "root.crt",
        p7b_pem=directory / "chain.p7b",
        p7b_der=directory / "chain-der.p7c",
        p12_modern=directory / "modern.pfx",
        p12_legacy=directory / "legacy.p12",
        text_dump=directory / "leaf-text.txt",
        crlf_bom=directory / "crlf-bom.pem",
        truncated=directory / "truncated.pem",
        garbage=directory / "garbage.pem",
    )
    for pem, der in ((leaf, material.leaf_der), (inter, material.inter_der), (root, material.root_der)):
        run("openssl", "x509", "-in", pem, "-outform", "DER", "-out", der, cwd=directory)
    # root first in the PKCS#7 on purpose: openssl keeps the -certfile order.
    run("openssl", "crl2pkcs7", "-nocrl", "-certfile", material.reversed, "-out", material.p7b_pem, cwd=directory)
    run(
        "openssl", "crl2pkcs7", "-nocrl", "-certfile", chain, "-outform", "DER", "-out", material.p7b_der, cwd=directory
    )
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        leaf_key,
        "-in",
        leaf,
        "-certfile",
        bundle("cas.pem", inter, root),
        "-name",
        "partner",
        "-passout",
        f"pass:{P12_PASSWORD}",
        "-out",
        material.p12_modern,
        cwd=directory,
    )
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        leaf_key,
        "-in",
        leaf,
        "-certfile",
        directory / "cas.pem",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-keypbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
        "-passout",
        f"pass:{P12_PASSWORD}",
        "-out",
        material.p12_legacy,
        cwd=directory,
    )
    material.text_dump.write_bytes(run("openssl", "x509", "-in", leaf, "-text", cwd=directory))
    material.crlf_bom.write_bytes(b"\xef\xbb\xbf" + chain.read_bytes().replace(b"\n", b"\r\n"))
    text = chain.read_bytes()
    material.truncated.write_bytes(text[: len(text) - 200])
    material.garbage.write_bytes(b"this is not a certificate\n")
    return material


_CACHE: dict[str, InspectMaterial] = {}


@pytest.fixture(scope="session")
def inspect_material(tmp_path_factory: pytest.TempPathFactory) -> InspectMaterial:
    """The openssl-made material, built once per test process."""
    base = str(tmp_path_factory.getbasetemp())
    if base not in _CACHE:
        _CACHE[base] = make_inspect_material(tmp_path_factory.mktemp("inspect-material"))
    return _CACHE[base]


def openssl_fingerprint(path: Path, digest: str = "sha256") -> str:
    """What ``openssl x509 -fingerprint`` prints after the ``=``."""
    out = run("openssl", "x509", "-in", path, "-noout", "-fingerprint", f"-{digest}", cwd=path.parent)
    return out.decode().strip().split("=", 1)[1]


if __name__ == "__main__":
    target = Path(sys.argv[1]).resolve()
    make_inspect_material(target)
    for junk in [*list(target.glob("*.key")), target / "ca", target / "ca.cnf"]:
        shutil.rmtree(junk) if junk.is_dir() else junk.unlink()
    print(f"wrote {len(list(target.iterdir()))} files to {target}")
