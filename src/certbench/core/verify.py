"""Does this chain validate? ``certbench verify`` over ``cryptography.x509.verification``.

The answer is cryptography's own (the RFC 5280 / CA/B Forum Web PKI profile it implements): certbench
adds only the plumbing (anchors, purpose, name, time, depth) and plain words. Revocation (CRL/OCSP) is
not checked, and :data:`NOT_CHECKED` says so in every result.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    Subject,
    VerificationError,
)

from certbench.core.describe import iso, rfc4514
from certbench.core.errors import UsageError

PURPOSES = ("server", "client")

#: What validation here never looks at; printed with every answer.
NOT_CHECKED = "revocation (CRL/OCSP) was not checked"


@dataclass(frozen=True)
class VerifyResult:
    """cryptography's answer, with the chain it built when valid."""

    valid: bool
    reason: str
    chain: tuple[x509.Certificate, ...]
    purpose: str
    name: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "chain": [rfc4514(c.subject) for c in self.chain],
            "purpose": self.purpose,
            "name": self.name,
            "at": iso(self.at),
            "not_checked": [NOT_CHECKED],
        }


def peer_subject(name: str) -> Subject:
    """A DNS name or an IP address (v4/v6) as a verification subject."""
    text = name.strip()
    if not text:
        raise UsageError("--name is empty: give a DNS name or an IP address")
    try:
        return x509.IPAddress(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    try:
        return x509.DNSName(text)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--name {name!r} is not a DNS name or an IP address") from exc


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    *,
    at: datetime,
    purpose: str = "server",
    name: str | None = None,
    max_depth: int | None = None,
) -> VerifyResult:
    """Validate ``leaf`` through ``intermediates`` to one of ``trust`` at ``at``.

    ``purpose`` "server" checks a TLS server certificate for ``name`` (serverAuth); "client" checks a
    TLS client certificate (clientAuth, mutual TLS). An invalid chain is a result, not an exception;
    a request that cannot be made (no anchors, server without a name) is a :class:`UsageError`.
    """
    if purpose not in PURPOSES:
        raise UsageError(f"purpose {purpose!r} is not one of: {', '.join(PURPOSES)}")
    if not trust:
        raise UsageError("no trust anchors were given: use --trust FILE or --system-trust")
    if purpose == "server" and not name:
        raise UsageError("--purpose server needs --name HOST_OR_IP (the name the client connects to)")
    if max_depth is not None and not 0 <= max_depth <= 255:
        raise UsageError("--max-depth must be between 0 and 255")

    def result(valid: bool, reason: str, chain: Sequence[x509.Certificate] = ()) -> VerifyResult:
        return VerifyResult(valid, reason, tuple(chain), purpose, name, at)

    try:
        builder = PolicyBuilder().store(Store(list(trust))).time(at)
        if max_depth is not None:
            builder = builder.max_chain_depth(max_depth)
        if purpose == "server":
            assert name is not None
            subject = peer_subject(name)
            chain = builder.build_server_verifier(subject).verify(leaf, list(intermediates))
        else:
            chain = builder.build_client_verifier().verify(leaf, list(intermediates)).chain
    except VerificationError as exc:
        return result(False, _one_line(str(exc)))
    except (ValueError, TypeError) as exc:
        return result(False, f"cannot validate: {_one_line(str(exc))}")
    what = f"valid for {purpose} authentication" + (f" as {name}" if name else "")
    return result(True, what, chain)


def _require_ca(policy: Policy, certificate: x509.Certificate, value: x509.BasicConstraints) -> None:
    if not value.ca:
        raise ValueError("an issuer is not a CA (basicConstraints CA:FALSE)")


def _doctor_ca_policy() -> ExtensionPolicy:
    """Issuers must be CAs (basicConstraints CA:TRUE); other CA extensions are not judged, as TLS stacks in
    the field (OpenSSL, Java) accept the roots `openssl req -x509` makes, which lack keyUsage."""
    return ExtensionPolicy.permit_all().require_present(x509.BasicConstraints, Criticality.AGNOSTIC, _require_ca)


def chain_validates(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    *,
    at: datetime,
) -> tuple[bool, str, tuple[x509.Certificate, ...]]:
    """Purpose-neutral validation for the chain doctor: a path of CAs to an anchor, every signature and
    validity period checked, extensions not judged beyond CA:TRUE on issuers (no EKU, SAN or keyUsage
    demand: ``verify_chain`` applies the full Web PKI profile). (valid, reason, chain built)."""
    if not trust:
        return False, "no trust anchors", ()
    try:
        builder = (
            PolicyBuilder()
            .store(Store(list(trust)))
            .time(at)
            .extension_policies(ca_policy=_doctor_ca_policy(), ee_policy=ExtensionPolicy.permit_all())
        )
        built = builder.build_client_verifier().verify(leaf, list(intermediates))
    except VerificationError as exc:
        return False, _one_line(str(exc)), ()
    except (ValueError, TypeError) as exc:
        return False, f"cannot validate: {_one_line(str(exc))}", ()
    return True, "valid", tuple(built.chain)


_CERT_REPR = re.compile(r"<Certificate\(subject=<Name\((.*?)\)>, \.\.\.\)>")


def _one_line(text: str) -> str:
    """cryptography's message on one line, with certificate reprs shown as their subject."""
    text = _CERT_REPR.sub(lambda m: f"'{m.group(1)}'", text)
    return " ".join(text.split()) or "validation failed"


__all__ = ["NOT_CHECKED", "PURPOSES", "VerifyResult", "chain_validates", "peer_subject", "verify_chain"]
