"""Truststores: the set of CA certificates a client or gateway trusts.

The flow is ``collect_candidates`` (every certificate from every source, de-duplicated by SHA-256 and
given a stable alias) -> ``select_entries`` (filters: CA only, drop expired, include/exclude) ->
``serialize_truststore`` (PEM with a comment above each block, JKS of trustedCertEntry, or a PKCS#12
truststore that Java recognises) -> ``save_truststore``. ``describe_store`` and ``diff_truststores``
read any store back (through :func:`certbench.core.formats.load.load_file`).

Pure: no clock (``now`` is a parameter), no printing, every error a :class:`CertbenchError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from certbench.core.describe import rfc4514
from certbench.core.errors import KeystoreError, PasswordError, UsageError
from certbench.core.formats.jks import serialize_jks
from certbench.core.formats.material import Material
from certbench.core.safe_write import write_atomic
from certbench.core.validity import days_until, is_expired
from certbench.core.workspace import Item, Workspace

#: Longest alias we derive (keytool accepts more; people have to read them).
MAX_ALIAS_LENGTH = 64
#: Default window for "close to expiry" in lists and diffs.
DEFAULT_WARN_DAYS = 30
_UNSAFE_ALIAS_CHARS = re.compile(r"[^a-z0-9._-]+")


class TrustFormat(StrEnum):
    """Output formats of a truststore."""

    PEM = "pem"
    JKS = "jks"
    P12 = "p12"


class Status(StrEnum):
    """What happened to a candidate when the truststore was assembled."""

    ADDED = "added"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"
    NON_CA = "non-ca"
    FILTERED = "filtered"


@dataclass(frozen=True)
class Source:
    """Certificates from one place (a file, a workspace item, the system bundle), with a label to show."""

    label: str
    certificates: tuple[x509.Certificate, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One certificate offered for the truststore.

    ``duplicate_of`` is the alias of the first candidate with the same SHA-256 (then ``alias`` is that
    same alias: a duplicate never gets its own).
    """

    certificate: x509.Certificate = field(repr=False, compare=False)
    sha256: str
    subject: str
    not_after: datetime
    is_ca: bool
    source: str
    alias: str
    duplicate_of: str | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    def is_expired(self, now: datetime) -> bool:
        return is_expired(self.not_after, now)

    def days_left(self, now: datetime) -> int:
        return days_until(self.not_after, now)


@dataclass(frozen=True)
class Filters:
    """Which candidates go into the truststore. Substrings match the subject (RFC 4514), case-insensitively."""

    ca_only: bool = False
    drop_expired: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A candidate and what was done with it, with the reason in words."""

    candidate: Candidate
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class TrustPlan:
    """The outcome of selection: ``entries`` go into the store; ``decisions`` cover every candidate."""

    decisions: tuple[Decision, ...]

    @property
    def entries(self) -> tuple[Candidate, ...]:
        return tuple(d.candidate for d in self.decisions if d.status is Status.ADDED)

    def count(self, status: Status) -> int:
        return sum(1 for d in self.decisions if d.status is status)

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "added": self.count(Status.ADDED),
            "duplicate": self.count(Status.DUPLICATE),
            "expired": self.count(Status.EXPIRED),
            "non_ca": self.count(Status.NON_CA),
            "filtered": self.count(Status.FILTERED),
            "decisions": [
                {**candidate_json(d.candidate, now), "status": str(d.status), "reason": d.reason}
                for d in self.decisions
            ],
        }


# -- sources --------------------------------------------------------------------------------------


def source_from_material(material: Material, *, label: str | None = None) -> Source:
    """The certificates of a loaded file (including those beside private keys)."""
    certificates = list(material.certificates)
    seen = {c.fingerprint(hashes.SHA256()) for c in certificates}
    for entry in material.key_entries:
        for certificate in entry.chain:
            digest = certificate.fingerprint(hashes.SHA256())
            if digest not in seen:
                seen.add(digest)
                certificates.append(certificate)
    return Source(label=label or material.path, certificates=tuple(certificates), problems=material.problems)


def source_from_item(workspace: Workspace, item: Item) -> Source:
    """A workspace item's certificate, labelled ``workspace:NAME``."""
    return Source(label=f"workspace:{item.name}", certificates=(workspace.load_certificate(item),))


def workspace_ca_items(workspace: Workspace) -> list[Item]:
    """The CA items of the workspace (what the Truststore screen offers to add)."""
    return [item for item in workspace.list_items() if str(item.kind) == "ca"]


# -- collecting -----------------------------------------------------------------------------------


def is_ca_certificate(certificate: x509.Certificate) -> bool:
    """basicConstraints CA=true; an old v1 self-issued root (no extensions at all) counts as a CA."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return certificate.version is x509.Version.v1 and certificate.issuer == certificate.subject
    except ValueError:  # a malformed extension: not something to trust as a CA
        return False
    return constraints.ca


def subject_text(certificate: x509.Certificate) -> str:
    try:
        return rfc4514(certificate.subject)
    except ValueError:
        return "<unreadable subject>"


def alias_base(certificate: x509.Certificate) -> str:
    """Lower-case, safe alias from the subject CN (falls back to O, OU, then ``cert``)."""
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME):
        try:
            attributes = certificate.subject.get_attributes_for_oid(oid)
        except ValueError:
            attributes = []
        for attribute in attributes:
            value = attribute.value if isinstance(attribute.value, str) else attribute.value.decode("latin-1")
            alias = _safe_alias(value)
            if alias:
                return alias
    return "cert"


def _safe_alias(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    alias = _UNSAFE_ALIAS_CHARS.sub("-", ascii_text).strip("-._")
    alias = re.sub(r"-{2,}", "-", alias)
    return alias[:MAX_ALIAS_LENGTH].rstrip("-._")


class AliasAllocator:
    """Hands out unique aliases: ``base``, then ``base-2``, ``base-3``... in order of requests."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}  # base -> next suffix to try (keeps many collisions linear)

    def allocate(self, base: str) -> str:
        alias = base
        number = self._next.get(base, 1)
        while alias in self._taken:
            number += 1
            suffix = f"-{number}"
            alias = base[: MAX_ALIAS_LENGTH - len(suffix)] + suffix
        self._next[base] = number
        self._taken.add(alias)
        return alias


def collect_candidates(sources: Iterable[Source]) -> list[Candidate]:
    """Every certificate of every source in order; the first of each SHA-256 gets an alias, later ones
    are marked as duplicates of it. Aliases depend only on the input order, never on filters."""
    allocator = AliasAllocator()
    first_alias: dict[bytes, str] = {}
    candidates: list[Candidate] = []
    for source in sources:
        for certificate in source.certificates:
            digest = certificate.fingerprint(hashes.SHA256())
            duplicate_of = first_alias.get(digest)
            alias = duplicate_of if duplicate_of is not None else allocator.allocate(alias_base(certificate))
            first_alias.setdefault(digest, alias)
            candidates.append(
                Candidate(
                    certificate=certificate,
                    sha256=digest.hex(":").upper(),
                    subject=subject_text(certificate),
                    not_after=certificate.not_valid_after_utc,
                    is_ca=is_ca_certificate(certificate),
                    source=source.label,
                    alias=alias,
                    duplicate_of=duplicate_of,
                )
            )
    return candidates


# -- selecting ------------------------------------------------------------------------------------


def decide(candidate: Candidate, filters: Filters, *, now: datetime) -> Decision:
    """What happens to one candidate under ``filters``."""
    if candidate.is_duplicate:
        return Decision(candidate, Status.DUPLICATE, f"same SHA-256 as {candidate.duplicate_of}")
    if filters.ca_only and not candidate.is_ca:
        return Decision(candidate, Status.NON_CA, "not a CA certificate (basicConstraints CA is not true)")
    if filters.drop_expired and candidate.is_expired(now):
        return Decision(candidate, Status.EXPIRED, f"expired on {_day(candidate.not_after)}")
    subject = candidate.subject.lower()
    if filters.include and not any(s.lower() in subject for s in filters.include):
        return Decision(candidate, Status.FILTERED, "subject matches no --include")
    for substring in filters.exclude:
        if substring.lower() in subject:
            return Decision(candidate, Status.FILTERED, f"subject matches --exclude {substring!r}")
    return Decision(candidate, Status.ADDED)


def select_entries(candidates: Sequence[Candidate], filters: Filters, *, now: datetime) -> TrustPlan:
    """Apply ``filters`` to every candidate; duplicates are always skipped."""
    return TrustPlan(decisions=tuple(decide(c, filters, now=now) for c in candidates))


# -- writing --------------------------------------------------------------------------------------


def format_for_path(path: str | Path) -> TrustFormat | None:
    """Guess the output format from an extension (``.pem``/``.crt``/``.cer``, ``.jks``, ``.p12``/``.pfx``)."""
    suffix = Path(path).suffix.lower()
    return {
        ".pem": TrustFormat.PEM,
        ".crt": TrustFormat.PEM,
        ".cer": TrustFormat.PEM,
        ".jks": TrustFormat.JKS,
        ".p12": TrustFormat.P12,
        ".pfx": TrustFormat.P12,
    }.get(suffix)


def serialize_truststore(
    entries: Sequence[Candidate],
    fmt: TrustFormat,
    *,
    password: bytes | None,
    now: datetime,
) -> bytes:
    """The bytes of a truststore holding ``entries`` (in order, with their aliases)."""
    if not entries:
        raise KeystoreError("no certificate left to put in the truststore (check the filters and inputs)")
    aliases = [e.alias for e in entries]
    if len(set(aliases)) != len(aliases):
        raise KeystoreError("two entries share an alias; build the entries with collect_candidates")
    if fmt is TrustFormat.PEM:
        return _serialize_pem(entries)
    if not password:
        raise PasswordError(f"a {fmt.value.upper()} truststore needs a password", missing=True)
    if fmt is TrustFormat.P12:
        return _serialize_p12(entries, password)
    return _serialize_jks(entries, password, now=now)


def _serialize_pem(entries: Sequence[Candidate]) -> bytes:
    return serialize_pem_bundle([(e.alias, e.certificate) for e in entries])


def serialize_pem_bundle(entries: Sequence[tuple[str, x509.Certificate]]) -> bytes:
    """PEM blocks, each under a ``# alias: subject (expires ...)`` line (``store`` reads the aliases back)."""
    parts: list[bytes] = []
    for alias, certificate in entries:
        expires = _stamp(certificate.not_valid_after_utc)
        comment = f"# {alias}: {_printable(subject_text(certificate))} (expires {expires})\n"
        parts.append(comment.encode("utf-8"))
        parts.append(certificate.public_bytes(serialization.Encoding.PEM))
    return b"".join(parts)


def _serialize_p12(entries: Sequence[Candidate], password: bytes) -> bytes:
    return serialize_p12_truststore([(e.alias, e.certificate) for e in entries], password)


def serialize_p12_truststore(entries: Sequence[tuple[str, x509.Certificate]], password: bytes) -> bytes:
    """A PKCS#12 truststore Java lists as trustedCertEntry (cryptography adds Java's trust attribute)."""
    try:
        return pkcs12.serialize_java_truststore(
            [pkcs12.PKCS12Certificate(certificate, alias.encode("utf-8")) for alias, certificate in entries],
            serialization.BestAvailableEncryption(password),
        )
    except (ValueError, TypeError) as exc:
        raise KeystoreError(f"cannot build the PKCS#12 truststore: {exc}") from exc


def _serialize_jks(entries: Sequence[Candidate], password: bytes, *, now: datetime) -> bytes:
    return serialize_jks(trusted=[(e.alias, e.certificate) for e in entries], store_password=password, now=now)


def save_truststore(
    path: str | Path,
    entries: Sequence[Candidate],
    fmt: TrustFormat,
    *,
    password: bytes | None,
    now: datetime,
    overwrite: bool = False,
) -> Path:
    """Serialize and write atomically (public mode: a truststore holds no secret)."""
    data = serialize_truststore(entries, fmt, password=password, now=now)
    return write_atomic(path, data, overwrite=overwrite)


# -- reading back, listing, diffing ----------------------------------------------------------------


def store_candidates(material: Material) -> list[Candidate]:
    """The certificates of a loaded store as candidates; stored aliases (JKS, PKCS#12 names) are kept."""
    candidates = collect_candidates([source_from_material(material)])
    if len(material.aliases) != len(material.certificates):
        return candidates
    stored = [a.lower() if a else None for a in material.aliases]
    result: list[Candidate] = []
    for index, candidate in enumerate(candidates):
        alias = stored[index] if index < len(stored) else None
        result.append(_replace_alias(candidate, alias) if alias else candidate)
    return result


def _replace_alias(candidate: Candidate, alias: str) -> Candidate:
    return Candidate(
        certificate=candidate.certificate,
        sha256=candidate.sha256,
        subject=candidate.subject,
        not_after=candidate.not_after,
        is_ca=candidate.is_ca,
        source=candidate.source,
        alias=alias,
        duplicate_of=candidate.duplicate_of,
    )


def candidate_json(candidate: Candidate, now: datetime) -> dict[str, Any]:
    return {
        "alias": candidate.alias,
        "subject": candidate.subject,
        "sha256": candidate.sha256,
        "not_after": _stamp(candidate.not_after),
        "days_left": candidate.days_left(now),
        "expired": candidate.is_expired(now),
        "ca": candidate.is_ca,
        "source": candidate.source,
    }


@dataclass(frozen=True)
class TrustDiff:
    """Two stores compared by SHA-256: what ``new`` adds, what it drops, what in ``new`` has expired and
    what expires within ``warn_days`` (an expired certificate is expired, not "close to expiry")."""

    added: tuple[Candidate, ...]
    removed: tuple[Candidate, ...]
    expiring: tuple[Candidate, ...]
    unchanged: int
    warn_days: int
    expired: tuple[Candidate, ...] = ()

    @property
    def equal(self) -> bool:
        return not self.added and not self.removed

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "unchanged": self.unchanged,
            "warn_days": self.warn_days,
            "added": [candidate_json(c, now) for c in self.added],
            "removed": [candidate_json(c, now) for c in self.removed],
            "expiring": [candidate_json(c, now) for c in self.expiring],
            "expired": [candidate_json(c, now) for c in self.expired],
        }


def diff_truststores(
    old: Sequence[Candidate],
    new: Sequence[Candidate],
    *,
    now: datetime,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> TrustDiff:
    """Compare by certificate (SHA-256), never by alias: a renamed entry is the same trust."""
    if warn_days < 0:
        raise UsageError("the expiry window must be zero or more days")
    old_unique = _unique(old)
    new_unique = _unique(new)
    old_keys = {c.sha256 for c in old_unique}
    new_keys = {c.sha256 for c in new_unique}
    limit = now + timedelta(days=warn_days)
    return TrustDiff(
        added=tuple(c for c in new_unique if c.sha256 not in old_keys),
        removed=tuple(c for c in old_unique if c.sha256 not in new_keys),
        expiring=tuple(c for c in new_unique if now <= c.not_after <= limit),
        expired=tuple(c for c in new_unique if c.not_after < now),
        unchanged=len(old_keys & new_keys),
        warn_days=warn_days,
    )


def _unique(candidates: Sequence[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    result = []
    for candidate in candidates:
        if candidate.sha256 not in seen:
            seen.add(candidate.sha256)
            result.append(candidate)
    return result


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")
