"""The ``webpki`` profile: cryptography's verifier (RFC 5280 as the CA/Browser Forum Baseline Requirements
narrow it), unchanged; certbench only translates its most common refusals into plain words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, Subject, VerificationError

from certbench.core.verify.tls import Verdict, valid_reason

_CERT_REPR = re.compile(r"<Certificate\(subject=<Name\((.*?)\)>, \.\.\.\)>")
#: (fragments all found in cryptography's message, what it means); the message itself follows.
_PLAIN = (
    (
        ("2.5.29.17", "missing required extension"),
        "the leaf has no subjectAltName (the Web PKI requires the name there)",
    ),
    (("must be an X509v3 certificate",), "a certificate in the path is v1 (the Web PKI accepts only v3)"),
    (("2.5.29.15", "missing required extension"), "a CA certificate has no keyUsage (the Web PKI requires one)"),
    (("2.5.29.35", "missing required extension"), "a certificate has no authorityKeyIdentifier"),
    (("RSA key is too weak",), "an RSA key is under 2048 bits"),
    (("Forbidden signature algorithm",), "a signature uses an algorithm the Web PKI forbids (SHA-1, MD5)"),
)


def validate(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    *,
    at: datetime,
    purpose: str,
    subject: Subject | None,
    max_depth: int | None = None,
) -> Verdict:
    """cryptography's answer for a TLS ``purpose`` ("server" needs ``subject``)."""
    try:
        builder = PolicyBuilder().store(Store(list(trust))).time(at)
        if max_depth is not None:
            builder = builder.max_chain_depth(max_depth)
        if purpose == "server":
            assert subject is not None
            chain = builder.build_server_verifier(subject).verify(leaf, list(intermediates))
        else:
            chain = builder.build_client_verifier().verify(leaf, list(intermediates)).chain
    except VerificationError as exc:
        return Verdict(False, plain_reason(str(exc)))
    except (ValueError, TypeError) as exc:
        return Verdict(False, f"cannot validate: {one_line(str(exc))}")
    name = None if subject is None else str(subject.value)
    return Verdict(True, valid_reason(purpose, name), tuple(chain))


def plain_reason(message: str) -> str:
    """cryptography's message on one line, led by what it means when it is a common one."""
    text = one_line(message)
    for fragments, meaning in _PLAIN:
        if all(f in text for f in fragments):
            return f"{meaning} ({text})"
    return text


def one_line(text: str) -> str:
    """cryptography's message on one line, with certificate reprs shown as their subject."""
    text = _CERT_REPR.sub(lambda m: f"'{m.group(1)}'", text)
    return " ".join(text.split()) or "validation failed"


__all__ = ["one_line", "plain_reason", "validate"]
