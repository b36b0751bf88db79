"""Openssl-made material for the chain doctor's findings of issues 11 and 12 (never hand-typed).

Certificates are made with ``openssl req -x509`` / ``openssl x509 -req -days`` (valid from the moment
they are made: tests analyse them at the real current time). ``python tests/inspect/findings_material.py
DIR`` writes the same set to DIR.

- an AKI mismatch: the leaf is signed by the intermediate, but its Authority Key Identifier is the root's
  SKI (made by signing with a stand-in issuer certificate that carries the intermediate's name and key and
  the root's SKI, which is where ``openssl x509 -req`` takes the AKI from);
- a v1 self-signed root (``openssl x509 -req -signkey`` without extensions makes a v1 certificate);
- a bundle of two roots; nine self-signed certificates with serial 0 (``-set_serial 0``);
- a CRL as PEM and as DER (``openssl ca -gencrl``, ``openssl crl -outform DER``);
- a DSA end-entity certificate whose key inherits its parameters from the issuer (as in NIST PKITS): an
  openssl-made DSA certificate whose SubjectPublicKeyInfo has the parameters removed, re-signed by the
  CA's key with ``openssl dgst -sign`` (openssl has no option to omit them, so this script edits the DER).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tool_runner import run_tool

CNF = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:api.example.com
[ stand_in ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign
subjectKeyIdentifier = {root_ski}
[ ca ]
default_ca = crlca
[ crlca ]
database = {directory}/index.txt
crlnumber = {directory}/crlnumber
default_md = sha256
default_crl_days = 30
"""


@dataclass(frozen=True)
class FindingsMaterial:
    directory: Path
    root: Path
    inter: Path
    aki_leaf: Path
    aki_bundle: Path  # aki_leaf, inter, root
    leaf_key: Path  # the key of aki_leaf and good_leaf
    good_leaf: Path  # the same leaf issued by inter with the right AKI (the control)
    v1_root: Path
    roots: Path  # root and v1_root
    zero_serials: Path  # nine self-signed certificates with serial 0
    crl_pem: Path
    crl_der: Path
    dsa_ca: Path
    dsa_inherited: Path  # DSA end entity without parameters in its SPKI, signed by dsa_ca


def make_findings_material(directory: Path) -> FindingsMaterial:
    directory.mkdir(parents=True, exist_ok=True)

    def run(*args: str | Path) -> bytes:
        return run_tool(*args, cwd=directory)

    def ec_key(stem: str) -> Path:
        path = directory / f"{stem}.key"
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
        return path

    cnf = directory / "findings.cnf"
    cnf.write_text(CNF.format(root_ski="hash", directory=directory))

    def csr(stem: str, subject: str, key: Path) -> Path:
        path = directory / f"{stem}.csr"
        run("openssl", "req", "-new", "-config", cnf, "-key", key, "-subj", subject, "-out", path)
        return path

    def sign(stem: str, request: Path, ca: Path, ca_key: Path, section: str) -> Path:
        out = directory / f"{stem}.pem"
        run(
            "openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-days", "365",
            "-extfile", cnf, "-extensions", section, "-out", out,
        )  # fmt: skip
        return out

    root_key = ec_key("root")
    root = directory / "root.pem"
    run(
        "openssl", "req", "-x509", "-new", "-config", cnf, "-key", root_key, "-subj", "/O=Certbench Test/CN=AKI Root CA",  # noqa: E501
        "-days", "3650", "-extensions", "v3_ca", "-out", root,
    )  # fmt: skip
    inter_key = ec_key("inter")
    inter_csr = csr("inter", "/O=Certbench Test/CN=AKI Issuing CA", inter_key)
    inter = sign("inter", inter_csr, root, root_key, "v3_ca")

    # The stand-in: the intermediate's name and key, the root's SKI; the leaf signed "by it" gets the root's
    # SKI as AKI while the signature is the intermediate's.
    root_ski = run("openssl", "x509", "-in", root, "-noout", "-ext", "subjectKeyIdentifier").decode().split()[-1]
    cnf.write_text(CNF.format(root_ski=root_ski, directory=directory))
    stand_in = sign("stand-in", inter_csr, root, root_key, "stand_in")
    aki_leaf = sign(
        "aki-leaf",
        csr("aki-leaf", "/O=Partner Bank AG/CN=api.example.com", ec_key("leaf")),
        stand_in,
        inter_key,
        "v3_leaf",
    )
    good_leaf = sign("good-leaf", directory / "aki-leaf.csr", inter, inter_key, "v3_leaf")  # the same key, right AKI
    aki_bundle = directory / "aki-bundle.pem"
    aki_bundle.write_bytes(aki_leaf.read_bytes() + inter.read_bytes() + root.read_bytes())

    v1_key = directory / "v1.key"
    run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", v1_key)
    v1_root = directory / "v1-root.pem"
    v1_csr = csr("v1", "/O=Certbench Test/CN=Old V1 Root", v1_key)
    run("openssl", "x509", "-req", "-in", v1_csr, "-signkey", v1_key, "-days", "3650", "-out", v1_root)
    roots = directory / "roots.pem"
    roots.write_bytes(root.read_bytes() + v1_root.read_bytes())

    zero_parts = []
    for number in range(1, 10):
        out = directory / f"zero{number}.pem"
        run(
            "openssl", "req", "-x509", "-new", "-config", cnf, "-key", root_key, "-subj", f"/CN=Serial Zero {number}",
            "-set_serial", "0", "-days", "365", "-extensions", "v3_ca", "-out", out,
        )  # fmt: skip
        zero_parts.append(out.read_bytes())
    zero_serials = directory / "zero-serials.pem"
    zero_serials.write_bytes(b"".join(zero_parts))

    (directory / "index.txt").write_text("")
    (directory / "crlnumber").write_text("1000\n")
    crl_pem = directory / "root.crl.pem"
    crl_der = directory / "root.crl"
    run("openssl", "ca", "-config", cnf, "-gencrl", "-cert", root, "-keyfile", root_key, "-out", crl_pem)
    run("openssl", "crl", "-in", crl_pem, "-outform", "DER", "-out", crl_der)

    dsa_params = directory / "dsa.params"
    run(
        "openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", dsa_params
    )
    dsa_ca_key = directory / "dsa-ca.key"
    dsa_ee_key = directory / "dsa-ee.key"
    run("openssl", "genpkey", "-paramfile", dsa_params, "-out", dsa_ca_key)
    run("openssl", "genpkey", "-paramfile", dsa_params, "-out", dsa_ee_key)
    dsa_ca = directory / "dsa-ca.pem"
    run(
        "openssl", "req", "-x509", "-new", "-config", cnf, "-key", dsa_ca_key, "-subj", "/O=Certbench Test/CN=DSA CA",
        "-days", "3650", "-extensions", "v3_ca", "-sha256", "-out", dsa_ca,
    )  # fmt: skip
    dsa_full = sign(
        "dsa-full", csr("dsa-ee", "/O=Certbench Test/CN=DSA Inherited EE", dsa_ee_key), dsa_ca, dsa_ca_key, "v3_leaf"
    )
    dsa_inherited = directory / "dsa-inherited.der"
    dsa_inherited.write_bytes(_without_dsa_parameters(dsa_full, dsa_ca_key, directory))
    return FindingsMaterial(
        directory=directory,
        root=root,
        inter=inter,
        aki_leaf=aki_leaf,
        aki_bundle=aki_bundle,
        leaf_key=directory / "leaf.key",
        good_leaf=good_leaf,
        v1_root=v1_root,
        roots=roots,
        zero_serials=zero_serials,
        crl_pem=crl_pem,
        crl_der=crl_der,
        dsa_ca=dsa_ca,
        dsa_inherited=dsa_inherited,
    )


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of element) of the DER element at ``offset``."""
    tag, first = data[offset], data[offset + 1]
    if first < 0x80:
        return tag, offset + 2, offset + 2 + first
    count = first & 0x7F
    length = int.from_bytes(data[offset + 2 : offset + 2 + count], "big")
    return tag, offset + 2 + count, offset + 2 + count + length


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _children(data: bytes, start: int, end: int) -> list[bytes]:
    parts = []
    while start < end:
        _, _, stop = _tlv(data, start)
        parts.append(data[start:stop])
        start = stop
    return parts


def _without_dsa_parameters(certificate_pem: Path, ca_key: Path, directory: Path) -> bytes:
    """The certificate with its SPKI's DSA parameters removed, re-signed by ``ca_key`` (openssl dgst)."""
    der = run_tool("openssl", "x509", "-in", certificate_pem, "-outform", "DER", cwd=directory)
    _, body, end = _tlv(der, 0)
    tbs, signature_algorithm, _ = _children(der, body, end)
    _, tbs_body, tbs_end = _tlv(tbs, 0)
    fields = _children(tbs, tbs_body, tbs_end)
    spki_index = 6 if fields[0][0] == 0xA0 else 5  # [0] version, serial, sigalg, issuer, validity, subject, SPKI
    spki = fields[spki_index]
    _, spki_body, spki_end = _tlv(spki, 0)
    algorithm, public_key = _children(spki, spki_body, spki_end)
    _, algorithm_body, algorithm_end = _tlv(algorithm, 0)
    oid = _children(algorithm, algorithm_body, algorithm_end)[0]
    fields[spki_index] = _der(0x30, _der(0x30, oid) + public_key)
    new_tbs = _der(0x30, b"".join(fields))
    (directory / "dsa-tbs.der").write_bytes(new_tbs)
    signature = run_tool("openssl", "dgst", "-sha256", "-sign", ca_key, "dsa-tbs.der", cwd=directory)
    return _der(0x30, new_tbs + signature_algorithm + _der(0x03, b"\x00" + signature))


_CACHE: dict[str, FindingsMaterial] = {}


@pytest.fixture(scope="session")
def findings_material(tmp_path_factory: pytest.TempPathFactory) -> FindingsMaterial:
    """The openssl-made material, built once per test process."""
    base = str(tmp_path_factory.getbasetemp())
    if base not in _CACHE:
        _CACHE[base] = make_findings_material(tmp_path_factory.mktemp("findings-material"))
    return _CACHE[base]


if __name__ == "__main__":
    made = make_findings_material(Path(sys.argv[1]).resolve())
    print(f"wrote {len(list(made.directory.iterdir()))} files to {made.directory}")
