"""Subjects in openssl and RFC 4514 syntax, every attribute the seeds use, escaping, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from create_material import openssl
from cryptography import x509
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from certbench.core.errors import UsageError
from certbench.core.subject import (
    ORGANIZATION_IDENTIFIER,
    format_subject,
    parse_san,
    parse_subject,
    subject_pairs,
)

EIDAS = (
    "/C=US/ST=Arizona/L=Phoenix/O=AXWAY/OU=00000000-0000-0000-0000-000000000002"
    "/UID=00000000-0000-0000-0000-000000000002/serialNumber=18505934000140/businessCategory=Third Party Provider 1"
    "/jurisdictionCountryName=US/jurisdictionStateOrProvinceName=Arizona/jurisdictionLocalityName=Phoenix"
    "/organizationIdentifier=PSDUS-XYZ-123/emailAddress=ops@axway.test/CN=tpp1.demo.axway.com"
)


def test_openssl_style_in_order() -> None:
    name = parse_subject("/CN=Local Root CA/O=MyCompany")
    assert subject_pairs(name) == [("CN", "Local Root CA"), ("O", "MyCompany")]
    assert name.rfc4514_string() == "O=MyCompany,CN=Local Root CA"


def test_rfc4514_is_reversed_into_der_order() -> None:
    assert parse_subject("CN=Local Root CA,O=MyCompany") == parse_subject("/O=MyCompany/CN=Local Root CA")


def test_every_seed_attribute() -> None:
    name = parse_subject(EIDAS)
    oids = [attr.oid for attr in name]
    assert oids == [
        NameOID.COUNTRY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
        NameOID.LOCALITY_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.USER_ID,
        NameOID.SERIAL_NUMBER,
        NameOID.BUSINESS_CATEGORY,
        NameOID.JURISDICTION_COUNTRY_NAME,
        NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME,
        NameOID.JURISDICTION_LOCALITY_NAME,
        ORGANIZATION_IDENTIFIER,
        NameOID.EMAIL_ADDRESS,
        NameOID.COMMON_NAME,
    ]
    # the same subject typed as RFC 4514 with short names
    rfc = parse_subject(
        "CN=tpp1.demo.axway.com,emailAddress=ops@axway.test,organizationIdentifier=PSDUS-XYZ-123,"
        "jurisdictionL=Phoenix,jurisdictionST=Arizona,jurisdictionC=US,businessCategory=Third Party Provider 1,"
        "serialNumber=18505934000140,UID=00000000-0000-0000-0000-000000000002,"
        "OU=00000000-0000-0000-0000-000000000002,O=AXWAY,L=Phoenix,ST=Arizona,C=US"
    )
    assert rfc.public_bytes() == name.public_bytes()


@pytest.mark.interop
def test_same_der_as_openssl_subj(tmp_path: Path) -> None:
    subj = "/C=US/ST=Arizona/O=AXWAY/UID=u-1/serialNumber=18505934000140/businessCategory=TPP 1/jurisdictionC=US/CN=a"
    key = tmp_path / "k.pem"
    assert (
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key)).returncode == 0
    )
    result = openssl("req", "-new", "-key", str(key), "-subj", subj, "-utf8", "-outform", "DER")
    assert result.returncode == 0, result.stderr
    csr = x509.load_der_x509_csr(result.stdout)
    assert csr.subject.public_bytes() == parse_subject(subj).public_bytes()


def test_escaping_both_syntaxes() -> None:
    name = parse_subject(r"/O=A\/B Corp/CN=x\+y")
    assert subject_pairs(name) == [("O", "A/B Corp"), ("CN", "x+y")]
    rfc = parse_subject(r"CN=Smith\, John,O=R\+D \"Lab\",OU=caf\C3\A9")
    assert subject_pairs(rfc) == [("OU", "café"), ("O", 'R+D "Lab"'), ("CN", "Smith, John")]
    assert parse_subject(format_subject(rfc)) == rfc


def test_multi_valued_rdn() -> None:
    name = parse_subject("/O=x/CN=a+UID=b")
    assert len(name.rdns) == 2 and len(name.rdns[1]) == 2
    assert parse_subject("CN=a+UID=b,O=x") == name


def test_markup_like_values_are_plain_text() -> None:
    assert subject_pairs(parse_subject("/CN=[weird] corp")) == [("CN", "[weird] corp")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("/CN=a//O=b", "empty component"),
        ("/CN", "expected /KEY=VALUE"),
        ("CN=a,,O=b", "empty component"),
        ("/XX=1", "unknown subject attribute 'XX'"),
        ("/C=USA/CN=x", "two-letter"),
        ("/jurisdictionC=1/CN=x", "two-letter"),
        ("/serialNumber=a_b/CN=x", "PrintableString"),
        ("/CN=", "empty value"),
        ("CN=a\\", "lone backslash"),
        ("CN=#0403", "hex-encoded"),
        ("/CN=" + "x" * 65, "at most 64"),
        ("/emailAddress=é@x/CN=a", "ASCII"),
        ("/CN=" + "é" * 40, "length must be"),
        ("/CN=a+CN=a", "twice"),
    ],
)
def test_bad_subjects_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("/", "/")) as info:
        parse_subject(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("DNS:api.example.com", x509.DNSName, "api.example.com"),
        ("DNS:*.example.com", x509.DNSName, "*.example.com"),
        ("IP:127.0.0.1", x509.IPAddress, "127.0.0.1"),
        ("IP:::1", x509.IPAddress, "::1"),
        ("email:ops@example.com", x509.RFC822Name, "ops@example.com"),
        ("URI:https://example.com/x", x509.UniformResourceIdentifier, "https://example.com/x"),
    ],
)
def test_sans(text: str, kind: type, value: str) -> None:
    name = parse_san(text)
    assert isinstance(name, kind) and str(name.value) == value


@pytest.mark.parametrize(
    "text",
    [
        "api.example.com",
        "DNS:",
        "DNS:bad host",
        "DNS:a.*.com",
        "IP:300.1.1.1",
        "email:nobody",
        "URI:nothing",
        "X400:foo",
    ],
)
def test_bad_sans(text: str) -> None:
    with pytest.raises(UsageError):
        parse_san(text)


_value = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda v: v.strip() == v and len(v.encode()) <= 64)


@settings(max_examples=150, deadline=None)
@given(cn=_value, org=_value)
def test_format_subject_round_trips(cn: str, org: str) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    assert parse_subject(format_subject(name)) == name
    assert parse_subject(name.rfc4514_string()) == name


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_gives_a_name_or_a_usage_error(text: str) -> None:
    try:
        name = parse_subject(text)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    assert len(name.rdns) >= 1
    assert parse_subject(format_subject(name)) == name
