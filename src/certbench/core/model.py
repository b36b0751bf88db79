"""The chain doctor's report: findings, the inputs read, the certificates, keys and chains found.

``Severity`` is an enum; it is a ``str`` subclass, so reports serialize exactly as before
(``"severity": "error"``) and compare equal to the plain strings.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certbench.core.describe import (
    certificate_key_info,
    extended_key_usage,
    is_ca,
    iso,
    key_usage,
    names,
    rfc4514,
    serial_hex,
    subject_alt_names,
)
from certbench.core.fingerprints import sha1_colon


class Severity(StrEnum):
    """How much a finding or check matters: an error fails the check (exit 1), a warning or info does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    #: Checklists only (:class:`certbench.core.checks.Check`): cannot be judged yet (the JAR size before the
    #: JAR is built) and is judged again when it can. Never a finding's severity.
    PENDING = "pending"


#: The severities of a finding, most severe first.
SEVERITIES = (Severity.ERROR.value, Severity.WARNING.value, Severity.INFO.value)


@dataclass(frozen=True)
class Finding:
    """One problem: stable ``code``, ``severity`` (error|warning|info), what is wrong, how to fix it."""

    code: str
    severity: Severity
    message: str
    fix: str
    subject: str | None = None
    certificates: tuple[str, ...] = ()
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "subject": self.subject,
            "certificates": list(self.certificates),
            "path": self.path,
        }


@dataclass(frozen=True)
class InputInfo:
    """One input as read: its format, or the error that stopped it being read."""

    path: str
    format: str | None
    error: str | None = None


@dataclass(frozen=True)
class CertEntry:
    """A distinct certificate: where it was first seen (``path``/``index``), or ``source="trust"``."""

    id: str
    certificate: x509.Certificate
    path: str | None
    index: int | None
    source: str = "input"


@dataclass(frozen=True)
class KeyInfo:
    id: str
    path: str
    key_type: str
    key_size: int | None
    matches: tuple[str, ...]


@dataclass(frozen=True)
class ChainInfo:
    """One chain built from a leaf: ids leaf first, how it was ordered in the input, what it lacks."""

    certificates: tuple[str, ...]
    leaf: str
    as_given: str
    complete: bool
    root_present: bool
    signatures_ok: bool
    trusted: bool | None
    trust_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "certificates": list(self.certificates),
            "leaf": self.leaf,
            "as_given": self.as_given,
            "complete": self.complete,
            "root_present": self.root_present,
            "signatures_ok": self.signatures_ok,
            "trusted": self.trusted,
            "trust_reason": self.trust_reason,
        }


@dataclass(frozen=True)
class ChainReport:
    """The doctor's report. ``chain`` is the best chain (leaf first); ``fixed_chain()`` what to save."""

    chain: tuple[x509.Certificate, ...]
    findings: tuple[Finding, ...]
    inputs: tuple[InputInfo, ...] = ()
    certificates: tuple[CertEntry, ...] = ()
    keys: tuple[KeyInfo, ...] = ()
    chains: tuple[ChainInfo, ...] = ()
    now: datetime | None = None
    _by_id: dict[str, CertEntry] = field(default_factory=dict, repr=False, compare=False)
    _self_signed: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def fixed_chain(self) -> tuple[x509.Certificate, ...]:
        """Leaf -> intermediates -> root (root included where known); duplicates and unrelated removed."""
        seen: list[x509.Certificate] = []
        for certificate in self.chain:
            if certificate not in seen:
                seen.append(certificate)
        return tuple(seen)

    def entry(self, cert_id: str) -> CertEntry:
        return self._by_id[cert_id]

    def to_json(self) -> dict[str, Any]:
        when = self.now
        if when is None:
            raise ValueError("report has no analysis time")
        certificates = [_certificate_json(entry, entry.id in self._self_signed) for entry in self.certificates]
        return {
            "inputs": [{"path": i.path, "format": i.format, "error": i.error} for i in self.inputs],
            "certificates": certificates,
            "keys": [
                {"id": k.id, "path": k.path, "key_type": k.key_type, "key_size": k.key_size, "matches": list(k.matches)}
                for k in self.keys
            ],
            "chains": [c.to_json() for c in self.chains],
            "findings": [f.to_json() for f in self.findings],
        }


def _certificate_json(entry: CertEntry, self_signed: bool) -> dict[str, Any]:
    """The ``certificates`` item of ``to_json`` (the fields of :class:`CertSummary` scripts need)."""
    cert = entry.certificate
    subject, issuer = names(cert)
    sha256 = cert.fingerprint(hashes.SHA256())
    key_type, key_size = certificate_key_info(cert)
    return {
        "id": entry.id,
        "path": entry.path,
        "index": entry.index,
        "source": entry.source,
        "subject": rfc4514(subject),
        "issuer": rfc4514(issuer),
        "serial": serial_hex(cert),
        "not_before": iso(cert.not_valid_before_utc),
        "not_after": iso(cert.not_valid_after_utc),
        "sha256": sha256.hex(":").upper(),
        "sha1": sha1_colon(cert),
        "x5t#S256": base64.urlsafe_b64encode(sha256).rstrip(b"=").decode("ascii"),
        "key_type": key_type,
        "key_size": key_size,
        "is_ca": is_ca(cert),
        "self_signed": self_signed,
        "san": list(subject_alt_names(cert)),
        "key_usage": list(key_usage(cert)),
        "extended_key_usage": list(extended_key_usage(cert)),
    }
