"""core.online.probe without a network: targets, the hostname rule and the verdicts on recorded handshakes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core.errors import UsageError
from certbench.core.online.probe import ClientIdentity, Handshake, Target, analyze_handshake, parse_target
from tool_runner import run_tool

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "host", "port", "sni"),
    [
        ("api.example.com", "api.example.com", 443, "api.example.com"),
        ("api.example.com:8443", "api.example.com", 8443, "api.example.com"),
        ("127.0.0.1:4433", "127.0.0.1", 4433, None),
        ("[::1]:8443", "::1", 8443, None),
        ("::1", "::1", 443, None),
        ("[2001:db8::1]", "2001:db8::1", 443, None),
    ],
)
def test_parse_target(text: str, host: str, port: int, sni: str | None) -> None:
    assert parse_target(text) == Target(host, port, sni)


def test_parse_target_servername_and_starttls_port() -> None:
    assert parse_target("10.0.0.5", servername="gw.example") == Target("10.0.0.5", 443, "gw.example")
    assert parse_target("mail.example", starttls="smtp").port == 25
    assert parse_target("[::1]:25").label == "[::1]:25"


@pytest.mark.parametrize("text", ["host:0", "host:65536", "host:https", "[::1]x", "", "user@host", "a b:1"])
def test_parse_target_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


@pytest.fixture(scope="module")
def wildcard(tmp_path_factory: pytest.TempPathFactory) -> x509.Certificate:
    directory = tmp_path_factory.mktemp("wildcard")
    run_tool(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=*.example.com", "-days", "30",
        "-addext", "subjectAltName=DNS:*.example.com,DNS:Example.COM,IP:192.0.2.7", cwd=directory,
    )  # fmt: skip
    return x509.load_pem_x509_certificate((directory / "c.pem").read_bytes())


def _handshake(presented: tuple[x509.Certificate, ...], **changes: object) -> Handshake:
    values: dict[str, object] = {
        "completed": True,
        "version": "TLSv1.3",
        "cipher": "TLS_AES_128_GCM_SHA256",
        "alpn": None,
        "presented": presented,
        "client_auth_requested": False,
        "acceptable_ca_names": (),
    }
    values.update(changes)
    return Handshake(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("api.example.com", True),
        ("API.Example.com", True),
        ("example.com", True),
        ("a.b.example.com", False),  # a wildcard covers one label
        ("example.org", False),
        ("192.0.2.7", True),
        ("192.0.2.8", False),
    ],
)
def test_hostname_rule(wildcard: x509.Certificate, name: str, matches: bool) -> None:
    now = wildcard.not_valid_before_utc
    report = analyze_handshake(Target(name, 443, None), _handshake((wildcard,)), now=now)
    assert ("tls.hostname" not in {f.code for f in report.findings}) is matches


def test_refused_client_that_expired_says_so(tmp_path: Path) -> None:
    run_tool(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=Old Client", "-days", "1", cwd=tmp_path,
    )  # fmt: skip
    certificate = x509.load_pem_x509_certificate((tmp_path / "c.pem").read_bytes())
    key = serialization.load_pem_private_key((tmp_path / "k.pem").read_bytes(), None)
    later = datetime(2100, 1, 1, tzinfo=UTC)
    shake = _handshake((), completed=False, client_auth_requested=True, alert="certificate_expired")
    report = analyze_handshake(Target("gw", 443, "gw"), shake, now=later, client=ClientIdentity(certificate, key))
    assert report.client is not None and not report.client.accepted
    assert report.client.reason.startswith("your client certificate expired on ")
    assert report.exit_code == 1
    refused = next(f for f in report.findings if f.code == "tls.client-refused")
    assert refused.fix.startswith("renew the client certificate")
