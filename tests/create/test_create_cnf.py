"""OpenSSL request configs: the seed's tpp1.cnf gives what ``openssl req -new -config`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from create_material import TPP1_CNF, TPP2_CNF, as_issuer, make_root, openssl
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certbench.core import issue
from certbench.core.cnf import parse_request_config, read_request_config
from certbench.core.errors import UsageError
from certbench.core.issue import KeySpec, Profile
from conftest import FIXED_NOW


@pytest.fixture(scope="module")
def openssl_csr(tmp_path_factory: pytest.TempPathFactory) -> x509.CertificateSigningRequest:
    """What openssl itself makes from the seed's config (the seed's own command line)."""
    directory = tmp_path_factory.mktemp("openssl-tpp1")
    result = openssl(
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-out",
        str(directory / "tpp1.csr"),
        "-keyout",
        str(directory / "tpp1.key"),
        "-config",
        str(TPP1_CNF),
    )
    assert result.returncode == 0, result.stderr
    return x509.load_pem_x509_csr((directory / "tpp1.csr").read_bytes())


@pytest.mark.interop
def test_tpp1_subject_is_byte_identical_to_openssl(openssl_csr: x509.CertificateSigningRequest) -> None:
    config = read_request_config(TPP1_CNF)
    assert config.subject.public_bytes() == openssl_csr.subject.public_bytes()
    assert config.key_spec is KeySpec.RSA_2048
    assert openssl_csr.public_key().key_size == 2048
    assert config.hash_name == "sha256" and config.encrypt_key is True
    assert config.notes == ()  # every key of the seed's config is understood
    assert config.suggested_profile() is Profile.TPP


@pytest.mark.interop
def test_tpp1_certificate_has_the_extensions_openssl_requests(
    openssl_csr: x509.CertificateSigningRequest,
) -> None:
    config = read_request_config(TPP1_CNF)
    root = make_root(FIXED_NOW, spec=KeySpec.RSA_2048)
    leaf = issue.issue_leaf(
        config.subject,
        key=issue.generate_key(config.key_spec or KeySpec.RSA_2048),
        issuer=as_issuer(root),
        profile=config.suggested_profile() or Profile.CLIENT,
        sans=config.sans,
        now=FIXED_NOW,
        days=730,
    )
    cert = leaf.certificate
    assert cert.subject == openssl_csr.subject
    for kind in (x509.SubjectAlternativeName, x509.KeyUsage, x509.ExtendedKeyUsage):
        requested = openssl_csr.extensions.get_extension_for_class(kind)
        issued = cert.extensions.get_extension_for_class(kind)
        assert issued.value == requested.value, kind
        assert issued.critical == requested.critical, kind
    requested_bc = openssl_csr.extensions.get_extension_for_class(x509.BasicConstraints).value
    issued_bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert issued_bc.value == requested_bc  # CA:FALSE; certbench marks it critical as the issue requires
    assert issued_bc.critical


def test_tpp2_differs_only_where_it_should() -> None:
    one, two = read_request_config(TPP1_CNF), read_request_config(TPP2_CNF)
    assert one.sans != two.sans
    assert [a.value for a in one.subject] != [a.value for a in two.subject]


def test_unknown_keys_are_reported_not_dropped(tmp_path: Path) -> None:
    text = TPP1_CNF.read_text().replace("prompt = no", "prompt = no\nfavourite_colour = blue\ndefault_keyfile = k.pem")
    text = text.replace("extendedKeyUsage = clientAuth", "extendedKeyUsage = clientAuth\nnsComment = hello")
    path = tmp_path / "odd.cnf"
    path.write_text(text)
    config = read_request_config(path)
    notes = " | ".join(config.notes)
    assert "favourite_colour" in notes and "default_keyfile" in notes and "nsComment" in notes


def test_prompt_yes_uses_defaults_and_reports_the_rest() -> None:
    config = parse_request_config(
        """
        [ req ]
        distinguished_name = dn
        default_bits = 3072
        [ dn ]
        countryName = Country Name (2 letter code)
        countryName_default = DE
        countryName_min = 2
        0.organizationName = Organization
        0.organizationName_default = Example ${dn::countryName_default}
        commonName = Common Name
        commonName_default = svc.example.de  # trailing comment
        emailAddress = Email
        """
    )
    assert config.subject.rfc4514_string() == "CN=svc.example.de,O=Example DE,C=DE"
    assert config.key_spec is KeySpec.RSA_3072
    assert any("emailAddress" in note for note in config.notes)


def test_inline_san_and_server_eku() -> None:
    config = parse_request_config(
        """
        [req]
        prompt = no
        distinguished_name = dn
        req_extensions = ext
        [dn]
        CN = api.example.com
        [ext]
        subjectAltName = DNS:api.example.com, IP:10.1.2.3, email:ops@example.com
        extendedKeyUsage = serverAuth, clientAuth
        """
    )
    assert [str(n.value) for n in config.sans] == ["api.example.com", "10.1.2.3", "ops@example.com"]
    assert config.suggested_profile() is Profile.CLIENT_SERVER
    assert set(config.ext_key_usage) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[dn]\nCN = x\n", "no \\[req\\] section"),
        ("[req]\nprompt = no\n", "no distinguished_name"),
        ("[req]\nprompt = no\ndistinguished_name = missing\n", "section \\[missing\\]"),
        # openssl's "\n" escape puts a newline in the name: the message stays one line
        ("[req]\nprompt=no\ndistinguished_name=d\\nn\n[dn]\nCN=x\n", "section \\[d\\\\nn\\]"),
        ("[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nCN x\n", "line 5: expected 'name = value'"),
        ("[req]\nprompt=no\ndistinguished_name=dn\ndefault_bits=1024\n[dn]\nCN=x\n", "2048, 3072 or 4096"),
        ("[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nC=USA\nCN=x\n", "two-letter"),
        ("[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nCN=$nothing\n", "not defined"),
        (
            "[req]\nprompt=no\ndistinguished_name=dn\nreq_extensions=e\n[dn]\nCN=x\n[e]\nsubjectAltName=@nope\n",
            "section \\[nope\\]",
        ),
        (
            "[req]\nprompt=no\ndistinguished_name=dn\nreq_extensions=e\n[dn]\nCN=x\n[e]\nkeyUsage=critical,fly\n",
            "unknown key usage",
        ),
    ],
)
def test_bad_configs_are_one_line_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_request_config(text, path="bad.cnf")
    assert str(info.value).startswith("bad.cnf: ") and "\n" not in str(info.value)


def test_unreadable_config_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.cnf"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UsageError, match="UTF-8"):
        read_request_config(binary)
    with pytest.raises(UsageError, match="cannot read"):
        read_request_config(tmp_path / "missing.cnf")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_seed_config_gives_a_config_or_a_usage_error(data: st.DataObject) -> None:
    """Real config, random damage: the reader answers with a config or one project error, never a crash."""
    text = TPP1_CNF.read_text()
    position = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 20))
    insert = data.draw(st.text(alphabet="[]=$@#\\\"',:.+ \nCNDSa1", max_size=8))
    mutated = text[:position] + insert + text[position + cut :]
    try:
        config = parse_request_config(mutated, path="mutated.cnf")
    except UsageError as exc:
        assert str(exc).startswith("mutated.cnf: ") and "\n" not in str(exc)
        return
    assert isinstance(config.subject, x509.Name) and len(config.subject.rdns) >= 1


#: A line as /etc/shadow holds it; the hash is the secret that must never be printed.
SHADOW_LINE = "root:$6$Zx9salt$S3cr3tHashValueNeverPrinted0123456789:19000:0:99999:7:::"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"{SHADOW_LINE}\ndaemon:*:19000:0:99999:7:::\n", 1),
        (f"[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nCN=x\n{SHADOW_LINE}\n", 6),
        ("[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nCN=${S3cr3tHashValueNeverPrinted}\n", 5),
        ("[req]\nprompt=no\ndistinguished_name=dn\n[dn]\nCN=$ENV::S3cr3tHashValueNeverPrinted\n", 5),
    ],
)
def test_config_errors_name_the_line_never_its_content(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, text: str, line: int
) -> None:
    """`csr create --from-cnf /etc/shadow` printed `got 'root:$6$...'`: now the line number and what is wrong."""
    secrets = tmp_path / "shadow"
    secrets.write_text(text)
    code, out, err = run_cli("--workspace", str(tmp_path / "ws"), "csr", "create", "z", "--from-cnf", str(secrets))
    assert code == 2
    assert f"{secrets}: line {line}: " in err
    assert "S3cr3t" not in out + err and "root:" not in out + err


def test_unknown_directive_note_does_not_quote_the_line() -> None:
    config = parse_request_config(
        "[req]\nprompt=no\ndistinguished_name=dn\n.include /etc/ssl/x.cnf\n.S3cr3tToken abc\n[dn]\nCN=x\n",
        path="d.cnf",
    )
    assert list(config.notes[:2]) == [
        "line 4: '.include' is not supported and was ignored",
        "line 5: a '.' directive is not supported and was ignored",
    ]
