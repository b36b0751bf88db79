"""Shared material for the create tests: CAs and leaves made once per module, openssl helpers."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core import issue
from certbench.core.issue import Issued, Issuer, KeySpec, Profile
from certbench.core.subject import parse_san, parse_subject

DATA = Path(__file__).parent / "data"
TPP1_CNF = DATA / "tpp1.cnf"
TPP2_CNF = DATA / "tpp2.cnf"


def openssl(
    *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    import os

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(["openssl", *args], capture_output=True, input=input, env=full_env, check=False)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(pem(c) for c in certificates))
    return path


def make_root(now: datetime, *, name: str = "/O=Test/CN=Test Root CA", spec: KeySpec = KeySpec.EC_P256) -> Issued:
    return issue.issue_root_ca(parse_subject(name), key=issue.generate_key(spec), now=now, days=3650)


def as_issuer(issued: Issued) -> Issuer:
    assert issued.key is not None
    return Issuer(issued.certificate, issued.key, issued.chain)


def make_leaf(
    ca: Issued,
    now: datetime,
    profile: Profile,
    *,
    subject: str = "/O=Test/CN=client.test",
    sans: tuple[str, ...] = ("DNS:client.test",),
    spec: KeySpec = KeySpec.EC_P256,
    days: int = 365,
) -> Issued:
    return issue.issue_leaf(
        parse_subject(subject),
        key=issue.generate_key(spec),
        issuer=as_issuer(ca),
        profile=profile,
        sans=tuple(parse_san(s) for s in sans),
        now=now,
        days=days,
    )
