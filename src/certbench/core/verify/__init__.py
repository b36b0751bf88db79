"""Does this chain validate? ``certbench verify`` under two profiles, each asked every time.

- ``tls`` (the default, :mod:`.tls`): what OpenSSL-based TLS peers (nginx, HAProxy, Envoy, curl, Python
  ``ssl``, ``openssl s_server``) accept: RFC 5280 path validation by pyhanko-certvalidator plus the rules
  OpenSSL applies at its default security level 2 for ``-purpose sslclient|sslserver``.
- ``webpki`` (:mod:`.webpki`): cryptography's verifier, the CA/Browser Forum profile ("will a browser
  accept it?").

Revocation (CRL/OCSP) is not checked, and :data:`NOT_CHECKED` says so in every result.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.verification import Subject

from certbench.core.describe import iso, rfc4514
from certbench.core.errors import UsageError
from certbench.core.verify import tls, webpki
from certbench.core.verify.tls import Verdict

PURPOSES = ("server", "client")
PROFILES = ("tls", "webpki")
#: How each profile is named when the other one's verdict is reported.
PEERS = {"tls": "TLS peers", "webpki": "a browser"}

#: What validation here never looks at; printed with every answer.
NOT_CHECKED = "revocation (CRL/OCSP) was not checked"


@dataclass(frozen=True)
class VerifyResult:
    """The asked ``profile``'s answer (``valid``, ``reason``, ``chain`` built) and every profile's verdict."""

    valid: bool
    reason: str
    chain: tuple[x509.Certificate, ...]
    purpose: str
    name: str | None
    at: datetime
    profile: str = "tls"
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)

    def other_profile(self) -> str | None:
        """One line on the other profile's verdict when it differs from this one, else None."""
        for profile, verdict in self.verdicts.items():
            if profile == self.profile or verdict.valid == self.valid:
                continue
            mine = f"{'valid' if self.valid else 'not valid'} for {PEERS[self.profile]}"
            if verdict.valid:
                return f"{mine}; {PEERS[profile]} would accept it (--profile {profile})"
            return f"{mine}; {PEERS[profile]} would refuse it (--profile {profile}): {verdict.reason}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "profile": self.profile,
            "chain": [rfc4514(c.subject) for c in self.chain],
            "purpose": self.purpose,
            "name": self.name,
            "at": iso(self.at),
            "not_checked": [NOT_CHECKED],
            "profiles": {p: {"valid": v.valid, "reason": v.reason} for p, v in self.verdicts.items()},
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
    profile: str = "tls",
) -> VerifyResult:
    """Validate ``leaf`` through ``intermediates`` to one of ``trust`` at ``at`` under both profiles; the
    answer is ``profile``'s.

    ``purpose`` "server" checks a TLS server certificate for ``name`` (serverAuth); "client" checks a
    TLS client certificate (clientAuth, mutual TLS). An invalid chain is a result, not an exception;
    a request that cannot be made (no anchors, server without a name) is a :class:`UsageError`.
    """
    if profile not in PROFILES:
        raise UsageError(f"profile {profile!r} is not one of: {', '.join(PROFILES)}")
    if purpose not in PURPOSES:
        raise UsageError(f"purpose {purpose!r} is not one of: {', '.join(PURPOSES)}")
    if not trust:
        raise UsageError("no trust anchors were given: use --trust FILE or --system-trust")
    if purpose == "server" and not name:
        raise UsageError("--purpose server needs --name HOST_OR_IP (the name the client connects to)")
    if max_depth is not None and not 0 <= max_depth <= 255:
        raise UsageError("--max-depth must be between 0 and 255")
    subject = peer_subject(name) if purpose == "server" and name else None
    verdicts = {
        "tls": tls.validate(leaf, intermediates, trust, at=at, purpose=purpose, name=name, max_depth=max_depth),
        "webpki": webpki.validate(
            leaf, intermediates, trust, at=at, purpose=purpose, subject=subject, max_depth=max_depth
        ),
    }
    chosen = verdicts[profile]
    return VerifyResult(chosen.valid, chosen.reason, chosen.chain, purpose, name, at, profile, verdicts)


#: How both profiles word a validity-period refusal (pyhanko, certbench's anchor rule, cryptography).
_VALIDITY_WORDS = ("expired", "is not valid until", "is not valid before", "not valid at validation time")


def validity_failure(reason: str | None) -> bool:
    """True when a verdict's ``reason`` is a validity period (expired, not yet valid), which the chain
    doctor's ``cert.expired``/``cert.not-yet-valid`` findings already explain."""
    return reason is not None and any(words in reason for words in _VALIDITY_WORDS)


def chain_validates(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    *,
    at: datetime,
) -> tuple[bool, str, tuple[x509.Certificate, ...]]:
    """The trust verdict of ``inspect`` and ``check`` (no purpose): the ``tls`` profile's path checks, i.e. a
    path of CAs to an anchor, every signature, validity period, CA keyUsage and key size. (valid, reason,
    chain built)."""
    if not trust:
        return False, "no trust anchors", ()
    verdict = tls.validate(leaf, intermediates, trust, at=at, purpose=None, name=None)
    return verdict.valid, verdict.reason, verdict.chain


__all__ = [
    "NOT_CHECKED",
    "PROFILES",
    "PURPOSES",
    "Verdict",
    "VerifyResult",
    "chain_validates",
    "peer_subject",
    "validity_failure",
    "verify_chain",
]
