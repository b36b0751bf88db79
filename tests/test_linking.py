"""Linking primitives on an openssl-made chain: issuers by signature, end entities, key matching."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core.chain import analyze_chain
from certbench.core.formats.material import Format, Material
from certbench.core.linking import (
    MAX_SIGNATURE_TRIALS,
    Linker,
    complete_chain,
    end_entities,
    is_issued_by,
    same_key,
    spki_der,
)
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


# -- many issuers of one name: indexed by key identifier, a bounded number of signature checks -----------

SAME_NAME_CAS = MAX_SIGNATURE_TRIALS * 2
SAME_NAME_EXT = """[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign
[ca_bare]
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign
subjectKeyIdentifier=none
authorityKeyIdentifier=none
[leaf]
basicConstraints=critical,CA:false
extendedKeyUsage=clientAuth
[leaf_bare]
basicConstraints=critical,CA:false
extendedKeyUsage=clientAuth
subjectKeyIdentifier=none
authorityKeyIdentifier=none
"""


@pytest.fixture(scope="module")
def same_name(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[x509.Certificate]]:
    """openssl: SAME_NAME_CAS self-signed CAs all named 'CN=Same Name CA' (each its own key), each with one
    leaf it signed; once with key identifiers (openssl's default) and once without ('bare')."""
    d = tmp_path_factory.mktemp("same-name")
    (d / "ext.cnf").write_text(SAME_NAME_EXT)
    run_tool("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key", cwd=d)
    run_tool("openssl", "req", "-new", "-key", "leaf.key", "-subj", "/CN=client", "-config", "ext.cnf",
             "-out", "leaf.csr", cwd=d)  # fmt: skip
    made: dict[str, list[x509.Certificate]] = {"cas": [], "leaves": [], "bare_cas": [], "bare_leaves": []}
    for index in range(SAME_NAME_CAS):
        run_tool("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", f"ca{index}.key", cwd=d)  # fmt: skip
        for bare in ("", "_bare"):
            ca, leaf = f"ca{index}{bare}.pem", f"leaf{index}{bare}.pem"
            run_tool("openssl", "req", "-x509", "-new", "-key", f"ca{index}.key", "-subj", "/CN=Same Name CA",
                     "-days", "30", "-config", "ext.cnf", "-extensions", f"ca{bare}", "-out", ca, cwd=d)  # fmt: skip
            run_tool("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", ca, "-CAkey", f"ca{index}.key",
                     "-set_serial", str(100 + index), "-days", "20", "-extfile", "ext.cnf",
                     "-extensions", f"leaf{bare}", "-out", leaf, cwd=d)  # fmt: skip
            made["bare_cas" if bare else "cas"].append(x509.load_pem_x509_certificate((d / ca).read_bytes()))
            made["bare_leaves" if bare else "leaves"].append(x509.load_pem_x509_certificate((d / leaf).read_bytes()))
    return made


def test_key_identifiers_find_the_issuer_with_one_signature_check(same_name: dict[str, list[x509.Certificate]]) -> None:
    cas, leaves = same_name["cas"], same_name["leaves"]
    linker = Linker([*leaves, *cas])
    assert [linker.issuer(leaf) for leaf in leaves] == cas
    # One check per leaf: the key identifier picks the right CA among the same-named ones.
    assert linker.trials == len(leaves)
    assert not linker.undecided and not linker.bad_signature
    assert end_entities([*cas, *leaves]) == leaves


def test_same_named_issuers_without_key_identifiers_cost_a_bounded_number_of_checks(
    same_name: dict[str, list[x509.Certificate]],
) -> None:
    cas, leaves = same_name["bare_cas"], same_name["bare_leaves"]
    linker = Linker([*leaves, *cas])
    found = [linker.issuer(leaf) for leaf in leaves]
    assert linker.trials == len(leaves) * MAX_SIGNATURE_TRIALS  # not len(cas) * len(leaves)
    # A leaf is linked when its CA is among those tried, otherwise left undecided (never "bad signature").
    for leaf, ca, issuer in zip(leaves, cas, found, strict=True):
        assert issuer in (ca, None)
        assert (issuer is None) == (id(leaf) in linker.undecided)
    assert linker.undecided and not linker.bad_signature


@pytest.mark.parametrize("bare", [False, True])
def test_the_doctor_reports_many_same_named_issuers(same_name: dict[str, list[x509.Certificate]], bare: bool) -> None:
    prefix = "bare_" if bare else ""
    cas, leaves = same_name[f"{prefix}cas"], same_name[f"{prefix}leaves"]
    material = Material(path="bundle.pem", format=Format.PEM, certificates=(*leaves, *cas), ordered=False)
    report = analyze_chain([material], now=datetime.now(UTC))
    (finding,) = [f for f in report.findings if f.code == "chain.ambiguous-issuers"]
    assert finding.severity == "warning"
    assert finding.message.startswith(f"{SAME_NAME_CAS} certificates are named CN=Same Name CA: ")
    assert f"at most {MAX_SIGNATURE_TRIALS} of them" in finding.message
    assert ("were left unlinked" in finding.message) == bare
    assert "different names" in finding.fix
    assert not [f for f in report.findings if f.code == "chain.signature"]


def test_one_ca_with_a_few_re_issued_copies_is_not_ambiguous(pki: dict[str, Path]) -> None:
    leaf, inter, root = (cert(pki, n) for n in ("leaf", "inter", "root"))
    material = Material(path="chain.pem", format=Format.PEM, certificates=(leaf, inter, root))
    report = analyze_chain([material], now=datetime.now(UTC))
    assert "chain.ambiguous-issuers" not in {f.code for f in report.findings}


def test_one_signature_rule_everywhere_a_sha1_ecdsa_link_is_a_link(tmp_path: Path, pki: dict[str, Path]) -> None:
    """cryptography's shortcut refuses SHA-1 with ECDSA; every caller (rules, JAR checklist, keystores) now
    links it as the doctor does, which then reports the weak signature instead of a broken chain."""
    run_tool("openssl", "x509", "-req", "-in", pki["leaf.csr"], "-CA", pki["inter.pem"], "-CAkey", pki["inter.key"],
             "-set_serial", "7", "-days", "20", "-sha1", "-out", "weak.pem", cwd=tmp_path)  # fmt: skip
    weak = x509.load_pem_x509_certificate((tmp_path / "weak.pem").read_bytes())
    inter, root = cert(pki, "inter"), cert(pki, "root")
    assert is_issued_by(weak, inter) and not is_issued_by(weak, root)
    assert complete_chain(weak, [root, inter]) == ([weak, inter, root], True)
