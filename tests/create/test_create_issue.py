"""Structure of every role's and profile's certificate, proven with openssl verify and x509 -text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from create_material import as_issuer, make_leaf, make_root, openssl, write_pem
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID as EKU

from certbench.core import issue
from certbench.core.errors import IssuanceError, UsageError
from certbench.core.issue import KeySpec, Plan, Profile, Role
from certbench.core.subject import parse_san, parse_subject
from conftest import FIXED_NOW

ATTIME = str(int((FIXED_NOW + timedelta(hours=1)).timestamp()))


@pytest.fixture(scope="module")
def root() -> issue.Issued:
    return make_root(FIXED_NOW, spec=KeySpec.RSA_2048)


@pytest.fixture(scope="module")
def intermediate(root: issue.Issued) -> issue.Issued:
    return issue.issue_intermediate_ca(
        parse_subject("CN=Test Issuing CA,O=Test"),
        key=issue.generate_key(KeySpec.EC_P384),
        issuer=as_issuer(root),
        now=FIXED_NOW,
        days=1825,
    )


def ext(certificate: x509.Certificate, kind: type) -> x509.Extension:
    return certificate.extensions.get_extension_for_class(kind)


def assert_key_ids(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    ski = ext(certificate, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(certificate.public_key())
    aki = ext(certificate, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ext(issuer, x509.SubjectKeyIdentifier).value.digest


def test_root_ca_structure(root: issue.Issued) -> None:
    cert = root.certificate
    bc = ext(cert, x509.BasicConstraints)
    assert bc.critical and bc.value.ca is True and bc.value.path_length is None
    ku = ext(cert, x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.ExtendedKeyUsage)
    assert_key_ids(cert, cert)
    assert cert.issuer == cert.subject
    assert 0 < cert.serial_number < 2**128
    assert cert.not_valid_before_utc == FIXED_NOW
    assert cert.not_valid_after_utc == FIXED_NOW + timedelta(days=3650)
    assert isinstance(cert.public_key(), rsa.RSAPublicKey)


def test_intermediate_structure(root: issue.Issued, intermediate: issue.Issued) -> None:
    cert = intermediate.certificate
    bc = ext(cert, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.ExtendedKeyUsage)
    assert_key_ids(cert, root.certificate)
    assert intermediate.chain == (root.certificate,)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and cert.public_key().curve.name == "secp384r1"


@pytest.mark.parametrize(
    ("profile", "ekus"),
    [
        (Profile.CLIENT, [EKU.CLIENT_AUTH]),
        (Profile.SERVER, [EKU.SERVER_AUTH]),
        (Profile.CLIENT_SERVER, [EKU.SERVER_AUTH, EKU.CLIENT_AUTH]),
    ],
)
def test_leaf_profiles_structure(intermediate: issue.Issued, profile: Profile, ekus: list) -> None:
    leaf = make_leaf(intermediate, FIXED_NOW, profile, sans=("DNS:api.test", "IP:127.0.0.1"))
    cert = leaf.certificate
    bc = ext(cert, x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    ku = ext(cert, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_encipherment  # EC key
    assert not ku.value.key_cert_sign
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == ekus
    sans = ext(cert, x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["api.test"]
    assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert_key_ids(cert, intermediate.certificate)
    assert leaf.chain == (intermediate.certificate, *intermediate.chain)


def test_tpp_profile_structure(root: issue.Issued) -> None:
    subject = (
        "/businessCategory=Third Party Provider 1/jurisdictionC=US/serialNumber=18505934000140/C=US/O=AXWAY"
        "/CN=tpp1.demo.axway.com"
    )
    leaf = make_leaf(
        root, FIXED_NOW, Profile.TPP, subject=subject, sans=("DNS:tpp1.demo.axway.com",), spec=KeySpec.RSA_2048
    )
    ku = ext(leaf.certificate, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.key_encipherment  # as tpp1.cnf
    assert list(ext(leaf.certificate, x509.ExtendedKeyUsage).value) == [EKU.CLIENT_AUTH]


def test_tpp_profile_refuses_what_partners_refuse(root: issue.Issued) -> None:
    with pytest.raises(UsageError, match="eIDAS"):
        make_leaf(root, FIXED_NOW, Profile.TPP, subject="/CN=tpp.test", sans=("DNS:tpp.test",), spec=KeySpec.RSA_2048)
    with pytest.raises(UsageError, match="RSA"):
        make_leaf(
            root,
            FIXED_NOW,
            Profile.TPP,
            subject="/organizationIdentifier=PSDGB-FCA-123/CN=tpp.test",
            sans=("DNS:tpp.test",),
        )
    with pytest.raises(UsageError, match="DNS SAN"):
        make_leaf(
            root,
            FIXED_NOW,
            Profile.TPP,
            subject="/organizationIdentifier=PSDGB-FCA-123/CN=tpp.test",
            sans=(),
            spec=KeySpec.RSA_2048,
        )


def test_server_needs_san_and_client_may_go_without(root: issue.Issued) -> None:
    with pytest.raises(UsageError, match="SAN"):
        make_leaf(root, FIXED_NOW, Profile.SERVER, sans=())
    leaf = make_leaf(root, FIXED_NOW, Profile.CLIENT, subject="/CN=MyCompany-ConnectPay/O=MyCompany", sans=())
    with pytest.raises(x509.ExtensionNotFound):
        ext(leaf.certificate, x509.SubjectAlternativeName)


def test_rsa_leaf_gets_key_encipherment(root: issue.Issued) -> None:
    leaf = make_leaf(root, FIXED_NOW, Profile.CLIENT, spec=KeySpec.RSA_2048)
    assert ext(leaf.certificate, x509.KeyUsage).value.key_encipherment


def test_serials_are_random_positive_128_bit() -> None:
    serials = {issue.random_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(0 < s < 2**128 for s in serials)
    assert max(serials).bit_length() > 120  # they use the whole range
    assert issue.serial_from_name("tpp1") == issue.serial_from_name("tpp1") != issue.serial_from_name("tpp2")


def test_leaf_cannot_outlive_its_ca(root: issue.Issued) -> None:
    with pytest.raises(IssuanceError, match="at most"):
        make_leaf(root, FIXED_NOW + timedelta(days=10), Profile.CLIENT, days=3650)


def test_ca_is_never_given_a_tls_profile_and_a_leaf_never_ca(root: issue.Issued) -> None:
    with pytest.raises(UsageError, match="CA never"):
        issue.validate_plan(Plan(Role.ROOT, parse_subject("/CN=x"), profile=Profile.CLIENT), now=FIXED_NOW)
    leaf = make_leaf(root, FIXED_NOW, Profile.CLIENT)
    # a leaf cannot issue: making it an Issuer fails before anything is signed
    with pytest.raises(IssuanceError, match="not a CA"):
        make_leaf(leaf, FIXED_NOW, Profile.CLIENT)


def test_pathlen_zero_ca_cannot_sign_intermediates(intermediate: issue.Issued) -> None:
    with pytest.raises(IssuanceError, match="pathlen 0"):
        issue.issue_intermediate_ca(
            parse_subject("/CN=Too deep"),
            key=issue.generate_key(KeySpec.EC_P256),
            issuer=as_issuer(intermediate),
            now=FIXED_NOW,
        )


def test_check_refuses_a_key_that_is_not_the_certificates(root: issue.Issued) -> None:
    """The Axway seed signs tpp2.crt from tpp1.csr: the key and certificate no longer match."""
    leaf1 = make_leaf(root, FIXED_NOW, Profile.CLIENT)
    other_key = issue.generate_key(KeySpec.EC_P256)
    with pytest.raises(IssuanceError, match="does not belong"):
        issue.check_key_matches(leaf1.certificate, other_key)
    with pytest.raises(IssuanceError, match="does not belong"):
        issue.check_issued(
            issue.Issued(leaf1.certificate, leaf1.chain, other_key),
            role=Role.LEAF,
            now=FIXED_NOW,
            profile=Profile.CLIENT,
        )


def test_sign_csr_copies_sans_decides_extensions(root: issue.Issued) -> None:
    key = issue.generate_key(KeySpec.EC_P256)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(parse_subject("/CN=wants-ca.test"))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([parse_san("DNS:wants-ca.test")]), critical=False)
        .sign(key, issue.primitives._hash_for(key))
    )
    request = issue.read_csr_request(csr)
    assert request.wants_ca and request.signature_ok
    issued = issue.sign_csr(csr, issuer=as_issuer(root), profile=Profile.SERVER, now=FIXED_NOW, days=30)
    assert ext(issued.certificate, x509.BasicConstraints).value.ca is False
    assert ext(issued.certificate, x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == [
        "wants-ca.test"
    ]
    assert any("basicConstraints" in note for note in issued.notes)
    assert issued.key is None
    assert issued.certificate.public_key() == key.public_key()


def test_create_csr_asks_for_the_profile(tmp_path: Path) -> None:
    key = issue.generate_key(KeySpec.RSA_2048)
    csr = issue.create_csr(parse_subject("/CN=c.test"), key=key, sans=[parse_san("DNS:c.test")], profile=Profile.CLIENT)
    assert csr.is_signature_valid
    assert list(csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [EKU.CLIENT_AUTH]
    path = tmp_path / "c.csr"
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    result = openssl("req", "-in", str(path), "-noout", "-verify", "-text")
    assert result.returncode == 0, result.stderr
    assert b"TLS Web Client Authentication" in result.stdout


@pytest.mark.interop
def test_openssl_verify_accepts_leaves_and_intermediates(
    tmp_path: Path, root: issue.Issued, intermediate: issue.Issued
) -> None:
    ca_file = write_pem(tmp_path / "root.pem", root.certificate)
    untrusted = write_pem(tmp_path / "inter.pem", intermediate.certificate)
    files = [untrusted]
    for index, profile in enumerate((Profile.CLIENT, Profile.SERVER, Profile.CLIENT_SERVER)):
        leaf = make_leaf(intermediate, FIXED_NOW, profile, sans=("DNS:leaf.test",))
        files.append(write_pem(tmp_path / f"leaf{index}.pem", leaf.certificate))
    direct = make_leaf(root, FIXED_NOW, Profile.CLIENT, spec=KeySpec.RSA_2048)
    files.append(write_pem(tmp_path / "direct.pem", direct.certificate))
    result = openssl(
        "verify",
        "-attime",
        ATTIME,
        "-x509_strict",
        "-CAfile",
        str(ca_file),
        "-untrusted",
        str(untrusted),
        *map(str, files),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().count(": OK") == len(files)
    purpose = openssl(
        "verify",
        "-attime",
        ATTIME,
        "-purpose",
        "sslclient",
        "-CAfile",
        str(ca_file),
        "-untrusted",
        str(untrusted),
        str(files[1]),
    )
    assert purpose.returncode == 0, purpose.stderr
    wrong = openssl(
        "verify",
        "-attime",
        ATTIME,
        "-purpose",
        "sslserver",
        "-CAfile",
        str(ca_file),
        "-untrusted",
        str(untrusted),
        str(files[1]),
    )
    assert wrong.returncode != 0  # a client certificate is not a server certificate


@pytest.mark.interop
def test_openssl_x509_text_parses(tmp_path: Path, root: issue.Issued) -> None:
    leaf = make_leaf(
        root,
        FIXED_NOW,
        Profile.CLIENT_SERVER,
        sans=("DNS:a.test", "IP:10.0.0.1", "email:ops@a.test", "URI:https://a.test/id"),
    )
    path = write_pem(tmp_path / "leaf.pem", leaf.certificate)
    text = openssl("x509", "-in", str(path), "-noout", "-text").stdout.decode()
    assert "X509v3 Basic Constraints: critical" in text and "CA:FALSE" in text
    assert "X509v3 Key Usage: critical" in text and "Digital Signature" in text
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text
    assert "DNS:a.test, IP Address:10.0.0.1, email:ops@a.test, URI:https://a.test/id" in text
    assert "X509v3 Subject Key Identifier" in text and "X509v3 Authority Key Identifier" in text
    root_path = write_pem(tmp_path / "root.pem", root.certificate)
    root_text = openssl("x509", "-in", str(root_path), "-noout", "-text").stdout.decode()
    assert "CA:TRUE" in root_text and "Certificate Sign, CRL Sign" in root_text
    assert "Extended Key Usage" not in root_text


def test_the_chain_doctor_runs_before_writing(root: issue.Issued) -> None:
    """The same doctor as ``certbench inspect``: its warnings come back with the new certificate."""
    short = make_leaf(root, FIXED_NOW, Profile.SERVER, sans=("DNS:short.test",), days=10)
    assert any("expires in 10 day(s)" in note for note in short.notes)
    normal = make_leaf(root, FIXED_NOW, Profile.SERVER, sans=("DNS:long.test",), days=365)
    assert normal.notes == ()
