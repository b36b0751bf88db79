"""Linking primitives on an openssl-made chain: issuers by signature, end entities, key matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core.linking import complete_chain, end_entities, same_key, spki_der
from tool_runner import run_tool

EXT = """[ca]
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign,cRLSign
[leaf]
basicConstraints=critical,CA:false
extendedKeyUsage=clientAuth
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("linking")
    (d / "ext.cnf").write_text(EXT)
    for name in ("root", "inter", "leaf", "other"):
        run_tool("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", f"{name}.key", cwd=d)  # fmt: skip
    run_tool("openssl", "req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=Link Root", "-days", "30",
             "-addext", "basicConstraints=critical,CA:true", "-out", "root.pem", cwd=d)  # fmt: skip
    for name, issuer, section in (("inter", "root", "ca"), ("leaf", "inter", "leaf"), ("other", "inter", "leaf")):
        run_tool("openssl", "req", "-new", "-key", f"{name}.key", "-subj", f"/CN=Link {name}", "-out", f"{name}.csr",
                 cwd=d)  # fmt: skip
        run_tool("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key",
                 "-CAcreateserial", "-days", "20", "-extfile", "ext.cnf", "-extensions", section,
                 "-out", f"{name}.pem", cwd=d)  # fmt: skip
    return {p.stem + p.suffix: p for p in d.iterdir()}


def cert(pki: dict[str, Path], name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki[f"{name}.pem"].read_bytes())


def test_end_entities_whatever_the_order_and_duplicates(pki: dict[str, Path]) -> None:
    root, inter, leaf, other = (cert(pki, n) for n in ("root", "inter", "leaf", "other"))
    # A second copy of the intermediate (a distinct object, equal bytes) is still an issuer, not a leaf.
    inter_copy = x509.load_pem_x509_certificate(inter.public_bytes(serialization.Encoding.PEM))
    assert end_entities([root, inter, leaf, inter_copy]) == [leaf]
    assert end_entities([leaf, root, inter, other, leaf]) == [leaf, other]
    assert end_entities([root]) == [root]  # a lone root is its own end entity
    assert end_entities([]) == []
    chain, ends_at_root = complete_chain(leaf, [inter_copy, root])
    assert chain == [leaf, inter, root] and ends_at_root


def test_same_key_links_key_certificate_and_csr(pki: dict[str, Path]) -> None:
    key = serialization.load_pem_private_key(pki["leaf.key"].read_bytes(), password=None)
    csr = x509.load_pem_x509_csr(pki["leaf.csr"].read_bytes())
    assert same_key(key, cert(pki, "leaf")) and same_key(cert(pki, "leaf"), csr)
    assert not same_key(key, cert(pki, "other"))
    assert spki_der(object()) is None and not same_key(object(), object())
