"""Describing a certificate: eIDAS/PSD2 names and roles, fingerprints as openssl prints them."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from inspect_material import InspectMaterial, inspect_material, openssl_fingerprint, run

from certbench.core.describe import describe_certificate
from conftest import FIXED_NOW

__all__ = ["inspect_material"]

PSD2_CNF = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ psd2ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:tpp.example.com
1.3.6.1.5.5.7.1.3 = ASN1:SEQUENCE:qcstatements
[ qcstatements ]
s1 = SEQUENCE:psd2stmt
[ psd2stmt ]
id = OID:0.4.0.19495.2
info = SEQUENCE:psd2type
[ psd2type ]
roles = SEQUENCE:roles
nca = UTF8:Federal Financial Supervisory Authority
ncaid = UTF8:DE-BAFIN
[ roles ]
r1 = SEQUENCE:role_pi
r2 = SEQUENCE:role_ai
[ role_pi ]
oid = OID:0.4.0.19495.1.2
name = UTF8:PSP_PI
[ role_ai ]
oid = OID:0.4.0.19495.1.3
name = UTF8:PSP_AI
"""
PSD2_SUBJECT = (
    "/C=DE/O=Partner Bank AG/organizationIdentifier=PSDDE-BAFIN-123456/businessCategory=Private Organization"
    "/jurisdictionC=DE/serialNumber=HRB 12345/UID=tpp-01/CN=tpp.example.com"
)


@pytest.fixture(scope="module")
def psd2_cert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A QWAC-like certificate made by ``openssl req -x509`` with a PSD2 QCStatement (PSP_PI, PSP_AI)."""
    directory = tmp_path_factory.mktemp("psd2")
    (directory / "psd2.cnf").write_text(PSD2_CNF)
    run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "psd2.key", "-config", "psd2.cnf", "-extensions", "psd2ext", "-subj", PSD2_SUBJECT,
        "-days", "30", "-out", "psd2.pem", cwd=directory,
    )  # fmt: skip
    return directory / "psd2.pem"


def test_eidas_attributes_have_readable_names(psd2_cert: Path) -> None:
    certificate = x509.load_pem_x509_certificate(psd2_cert.read_bytes())
    summary = describe_certificate(certificate, now=certificate.not_valid_before_utc)
    names = {a.name: a.value for a in summary.subject_attributes}
    assert names["organizationIdentifier"] == "PSDDE-BAFIN-123456"
    assert names["businessCategory"] == "Private Organization"
    assert names["jurisdictionCountryName"] == "DE"
    assert names["serialNumber"] == "HRB 12345"
    assert names["UID"] == "tpp-01"
    assert summary.subject.startswith("CN=tpp.example.com,")
    assert "organizationIdentifier=PSDDE-BAFIN-123456" in summary.subject
    assert summary.psd2_roles == ("PSP_PI (payment initiation)", "PSP_AI (account information)")
    assert summary.self_issued and summary.days_left == 30
    assert summary.extended_key_usage == ("clientAuth",)
    assert summary.key_usage == ("digitalSignature",)


def test_fingerprints_and_x5t(inspect_material: InspectMaterial) -> None:
    certificate = x509.load_pem_x509_certificate(inspect_material.leaf.read_bytes())
    summary = describe_certificate(certificate, now=FIXED_NOW)
    assert summary.sha256 == openssl_fingerprint(inspect_material.leaf)
    assert summary.sha1 == openssl_fingerprint(inspect_material.leaf, "sha1")
    der = inspect_material.leaf_der.read_bytes()
    assert summary.x5t_s256 == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def test_everything_a_person_asks(inspect_material: InspectMaterial) -> None:
    leaf = describe_certificate(x509.load_pem_x509_certificate(inspect_material.leaf.read_bytes()), now=FIXED_NOW)
    inter = describe_certificate(x509.load_pem_x509_certificate(inspect_material.inter.read_bytes()), now=FIXED_NOW)
    serial = run("openssl", "x509", "-in", inspect_material.leaf, "-noout", "-serial", cwd=inspect_material.directory)
    assert leaf.serial.replace(":", "") == serial.decode().strip().split("=")[1]
    assert (leaf.key_type, leaf.key_size) == ("EC P-256", 256)
    assert leaf.signature_algorithm == "ecdsa-with-SHA256"
    assert leaf.days_left == 501  # 2026-01-15T12:00 -> 2027-06-01T00:00
    assert leaf.aki == inter.ski and leaf.ski is not None
    assert (leaf.is_ca, inter.is_ca) == (False, True)
    assert leaf.issuer == inter.subject
    document = leaf.to_json()
    assert document["not_after"] == "2027-06-01T00:00:00Z" and document["x5t#S256"] == leaf.x5t_s256
