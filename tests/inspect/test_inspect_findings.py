"""Chain-doctor findings of issue 11 (section 8) and issue 12 on openssl-made material; where a finding
says what a peer does, the test asks openssl itself."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from findings_material import FindingsMaterial, findings_material
from inspect_material import InspectMaterial, inspect_material

from certbench.core.chain import ChainReport, Finding, analyze_chain
from certbench.core.describe import describe_certificate
from certbench.core.errors import FormatError
from certbench.core.formats.load import load_file
from conftest import FIXED_NOW

__all__ = ["findings_material", "inspect_material"]


def analyze(*paths: Path, now: datetime | None = None) -> ChainReport:
    """The findings material is valid from when it was made: analysed at the real time by default."""
    return analyze_chain([load_file(p) for p in paths], now=now or datetime.now(UTC))


def only(report: ChainReport) -> Finding:
    assert len(report.findings) == 1, report.findings
    return report.findings[0]


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)


def pem(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_aki_naming_another_key_is_an_aki_mismatch_not_a_bad_signature(findings_material: FindingsMaterial) -> None:
    m = findings_material
    # What the finding claims: the intermediate did sign the leaf, and openssl still refuses the chain.
    pem(m.aki_leaf).verify_directly_issued_by(pem(m.inter))
    refused = openssl("verify", "-CAfile", m.root, "-untrusted", m.inter, m.aki_leaf)
    assert refused.returncode != 0
    assert "unable to get local issuer certificate" in refused.stdout + refused.stderr

    report = analyze(m.aki_bundle)
    # The trust verdict is the tls profile's, i.e. what OpenSSL-based peers do: they refuse the chain.
    codes = {f.code: f for f in report.findings}
    assert set(codes) == {"chain.aki-mismatch", "trust.failed"}, report.findings
    finding = codes["chain.aki-mismatch"]
    assert (finding.code, finding.severity, finding.certificates) == ("chain.aki-mismatch", "warning", ("c1",))
    assert "signed by 'AKI Issuing CA'" in finding.message and "that of 'AKI Root CA'" in finding.message
    assert "'unable to get local issuer certificate'" in finding.message and "Java accepts it" in finding.message
    assert "re-issued by 'AKI Issuing CA'" in finding.fix
    # The chain is linked (as Java links it) and its signatures are fine: nothing says "bad signature".
    info = report.chains[0]
    assert info.certificates == ("c1", "c2", "c3") and info.complete and info.signatures_ok
    assert report.fixed_chain() == (pem(m.aki_leaf), pem(m.inter), pem(m.root))


def _handshake(server_chain: Path, key: Path, anchor: Path) -> str:
    """A TLS handshake on 127.0.0.1, Python's ssl (OpenSSL) as the client trusting ``anchor``."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(server_chain, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with contextlib.suppress(OSError), server.wrap_socket(connection, server_side=True):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = ssl.create_default_context(cafile=str(anchor))
    try:
        with client.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="api.example.com"):
            return "ok"
    except ssl.SSLCertVerificationError as exc:
        return str(exc.verify_message)
    finally:
        thread.join(timeout=30)
        listener.close()


def test_aki_mismatch_is_refused_by_a_real_openssl_peer(findings_material: FindingsMaterial, tmp_path: Path) -> None:
    """The finding's claim in a real handshake: the same leaf key and intermediate, only the AKI differs."""
    m = findings_material
    good, bad = tmp_path / "good.pem", tmp_path / "bad.pem"
    good.write_bytes(m.good_leaf.read_bytes() + m.inter.read_bytes())
    bad.write_bytes(m.aki_leaf.read_bytes() + m.inter.read_bytes())
    assert _handshake(good, m.leaf_key, m.root) == "ok"
    assert _handshake(bad, m.leaf_key, m.root) == "unable to get local issuer certificate"
    assert analyze(good, m.root).findings == ()


def test_aki_mismatch_cli(findings_material: FindingsMaterial, run_cli) -> None:
    code, out, err = run_cli("inspect", str(findings_material.aki_bundle))
    assert code == 1 and err == ""  # not trusted, as OpenSSL-based peers decide (the tls profile)
    assert "WARNING chain.aki-mismatch" in out and "ERROR   trust.failed" in out and "chain.signature" not in out


def test_ca_with_a_tls_eku_at_the_bottom_of_the_chain_is_ca_as_leaf(inspect_material: InspectMaterial) -> None:
    m = inspect_material
    # With keyCertSign it may be an EKU-constrained intermediate: a warning, no longer only chain.no-end-entity.
    eku_ca = only(analyze(m.eku_ca_bundle, now=FIXED_NOW))
    assert (eku_ca.code, eku_ca.severity) == ("cert.ca-as-leaf", "warning")
    assert "CA:TRUE, keyCertSign" in eku_ca.message and "serverAuth and clientAuth" in eku_ca.message
    assert "end-entity certificate (basicConstraints CA:FALSE" in eku_ca.fix
    assert "add the end-entity certificate it issued" in eku_ca.fix
    # Without keyCertSign it cannot be a CA at all: an end entity wrongly marked, an error.
    no_sign = only(analyze(m.ca_as_leaf, now=FIXED_NOW))
    assert (no_sign.code, no_sign.severity) == ("cert.ca-as-leaf", "error")
    assert "without keyCertSign" in no_sign.message
    # Its key given with it: used as the end entity, an error whatever its key usage.
    with_key = next(
        f for f in analyze(m.eku_ca_bundle, m.other_key, now=FIXED_NOW).findings if f.code == "cert.ca-as-leaf"
    )
    assert with_key.severity == "error" and "its private key was given" in with_key.message


def test_ca_as_leaf_fix_is_honest_about_openssl(inspect_material: InspectMaterial) -> None:
    """The fix says OpenSSL accepts a CA certificate as the peer's certificate: openssl verify agrees."""
    m = inspect_material
    at = str(int(FIXED_NOW.timestamp()))
    ca_leaf = m.directory / "caleaf.pem"
    accepted = openssl(
        "verify", "-attime", at, "-purpose", "sslclient", "-CAfile", m.root, "-untrusted", m.inter, ca_leaf
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "OpenSSL and Java accept a CA certificate" in only(analyze(m.ca_as_leaf, now=FIXED_NOW)).fix


def test_v1_root_alone_is_a_root(findings_material: FindingsMaterial, run_cli) -> None:
    v1_root = findings_material.v1_root
    assert "Version: 1 (0x0)" in openssl("x509", "-in", v1_root, "-noout", "-text").stdout
    report = analyze(v1_root)
    assert report.findings == ()
    certificate = report.to_json()["certificates"][0]
    assert certificate["is_ca"] is True and certificate["self_signed"] is True
    assert describe_certificate(pem(v1_root), now=datetime.now(UTC)).is_ca
    code, out, _ = run_cli("inspect", str(v1_root))
    assert code == 0
    assert "role        CA" in out and "Old V1 Root (root)" in out and "end entity" not in out


def test_a_bundle_of_roots_has_no_end_entity(findings_material: FindingsMaterial) -> None:
    finding = only(analyze(findings_material.roots))
    assert (finding.code, finding.severity) == ("chain.no-end-entity", "info")
    assert "the 2 certificates given are CA certificates" in finding.message
    assert analyze(findings_material.root).findings == ()  # a lone root is a root: nothing to say


def test_zero_serial_warning_counts_certificates(findings_material: FindingsMaterial, tmp_path: Path) -> None:
    serials = openssl("storeutl", "-noout", "-text", "-certs", findings_material.zero_serials).stdout
    assert serials.count("Serial Number: 0 (0x0)") == 9
    # A real process: in-process, pytest would swallow the Python warnings this test is about.
    for command in (["inspect"], ["inspect", "--json"], ["trust", "list"]):
        result = subprocess.run(
            [sys.executable, "-m", "certbench", "--workspace", str(tmp_path / "ws"), *command,
             str(findings_material.zero_serials)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("certbench: warning: certificate serial number not positive")
        assert result.stderr.rstrip().endswith("(9 certificates)"), result.stderr


@pytest.mark.parametrize("attribute", ["crl_der", "crl_pem"])
def test_crls_are_named_as_crls(findings_material: FindingsMaterial, attribute: str, run_cli) -> None:
    path = getattr(findings_material, attribute)
    inform = "DER" if attribute == "crl_der" else "PEM"
    assert "Certificate Revocation List" in openssl("crl", "-inform", inform, "-in", path, "-noout", "-text").stdout
    with pytest.raises(FormatError, match=r"holds a certificate revocation list \(CRL\), not a certificate"):
        load_file(path)
    code, out, err = run_cli("inspect", str(path))
    assert (code, out) == (2, "")
    assert err == f"certbench: error: {path}: holds a certificate revocation list (CRL), not a certificate\n"


def test_dsa_certificate_with_inherited_parameters_is_named(
    findings_material: FindingsMaterial, tmp_path: Path
) -> None:
    m = findings_material
    # openssl reads the certificate but cannot use its key (OpenSSL 3 no longer inherits DSA parameters).
    dump = openssl("x509", "-inform", "DER", "-in", m.dsa_inherited, "-noout", "-text")
    assert dump.returncode == 0 and "DSA Inherited EE" in dump.stdout and "Unable to load Public Key" in dump.stdout
    expected = "whose DSA key has no parameters of its own (it inherits them from its issuer's certificate"
    with pytest.raises(FormatError, match=r": is an X\.509 certificate whose DSA key has no parameters") as caught:
        load_file(m.dsa_inherited)
    assert expected in caught.value.message
    # In PEM, beside its CA: the CA is read, the certificate named in one problem line.
    as_pem = tmp_path / "dsa-bundle.pem"
    converted = openssl("x509", "-inform", "DER", "-in", m.dsa_inherited, "-outform", "PEM")
    as_pem.write_text(converted.stdout + m.dsa_ca.read_text())
    material = load_file(as_pem)
    assert len(material.certificates) == 1
    assert len(material.problems) == 1 and material.problems[0].startswith("PEM block 1 (CERTIFICATE) is an X.509")
    assert expected in material.problems[0]
