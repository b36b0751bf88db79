"""The chain doctor: link what was given, build the chain, say exactly what is wrong and how to fix it.

Certificates are linked by issuer/subject name (and AKI/SKI when both are present) through an index by
subject, and every link is confirmed by verifying the signature (:mod:`certbench.core.linking`); each
certificate's issuer is looked up once, so analysis is near-linear in the number of certificates.
Validation against trust anchors is the ``tls`` profile of :mod:`certbench.core.verify`.

Finding codes (stable; documented in the README): ``input.unreadable``, ``input.password``,
``chain.order``, ``chain.incomplete``, ``chain.root-missing``, ``chain.duplicate``, ``chain.unrelated``,
``chain.signature``, ``chain.aki-mismatch``, ``chain.no-end-entity``, ``cert.expired``, ``cert.not-yet-valid``,
``cert.expires-soon``, ``cert.weak-key``, ``cert.weak-signature``, ``cert.ca-as-leaf``,
``key.mismatch``, ``trust.failed``.
"""

from __future__ import annotations

import base64
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import PublicKeyAlgorithmOID

from certbench.core.describe import (
    certificate_damage,
    certificate_key_info,
    common_name,
    extended_key_usage,
    is_ca,
    iso,
    key_identifiers,
    key_usage,
    names,
    public_key_info,
    rfc4514,
    serial_hex,
    signature_algorithm_name,
    subject_alt_names,
)
from certbench.core.errors import CertbenchError, PasswordError
from certbench.core.fingerprints import sha1_colon
from certbench.core.formats.material import Material
from certbench.core.linking import MAX_SIGNATURE_TRIALS, Linker, spki_der
from certbench.core.validity import days_until, expires_soon, is_expired, is_not_yet_valid, is_valid_at
from certbench.core.verify import chain_validates, validity_failure, verify_chain

MIN_RSA_BITS = 2048
#: Key algorithms whose size can be too small (EC and EdDSA keys are judged by their curve, not here).
_SIZED_KEY_ALGORITHMS = (
    PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
    PublicKeyAlgorithmOID.RSASSA_PSS,
    PublicKeyAlgorithmOID.DSA,
)
SEVERITIES = ("error", "warning", "info")
_WEAK_HASHES = ("md5", "sha1", "md2", "md4")
#: Chains validated against the anchors (the best chains first); a 5,000-leaf bundle is not validated 5,000 times.
MAX_VALIDATED_CHAINS = 32
MAX_INTERMEDIATES = 256


@dataclass(frozen=True)
class Finding:
    """One problem: stable ``code``, ``severity`` (error|warning|info), what is wrong, how to fix it."""

    code: str
    severity: str
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


def chain_pem(chain: Sequence[x509.Certificate]) -> bytes:
    """PEM blocks in the given order (leaf first for a fixed chain), a blank line between blocks."""
    blocks = [c.public_bytes(serialization.Encoding.PEM).strip() for c in chain]
    return b"\n\n".join(blocks) + b"\n"


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


def _ambiguous_issuers(linker: Linker, input_certs: Sequence[x509.Certificate]) -> list[Finding]:
    """``chain.ambiguous-issuers``: a name held by more certificates than one issuer search tries."""
    named = {names(c)[1] for c in input_certs if not linker.self_signed(c)}
    findings = []
    for name, count in linker.crowded_names():
        if name not in named:
            continue
        undecided = sum(1 for c in linker.undecided.values() if names(c)[1] == name)
        findings.append(
            Finding(
                "chain.ambiguous-issuers",
                "warning",
                f"{count} certificates are named {rfc4514(name)}: for a certificate naming it as its issuer, "
                f"certbench checks the signature of at most {MAX_SIGNATURE_TRIALS} of them (matching key identifier "
                "first)" + (f"; {undecided} certificate(s) were left unlinked" if undecided else ""),
                "keep only the CA certificates of the chain you need (--fix-out writes it alone); CAs that differ "
                "should have different names, and certificates should carry their issuer's key identifier (AKI)",
                subject=rfc4514(name),
            )
        )
    return findings


def _label(certificate: x509.Certificate) -> str:
    return f"'{common_name(certificate)}'"


def _classify(positions: Sequence[tuple[int, int]]) -> str:
    if len(positions) <= 1:
        return "single"
    pairs = list(itertools.pairwise(positions))
    if all(a < b for a, b in pairs):
        return "leaf-first"
    if all(a > b for a, b in pairs):
        return "root-first"
    return "mixed"


def _leaf_name(certificate: x509.Certificate) -> str | None:
    for name in subject_alt_names(certificate):
        kind, _, value = name.partition(":")
        if kind in ("DNS", "IP"):
            return value
    return None


def analyze_chain(
    materials: Sequence[Material],
    *,
    now: datetime,
    trust: Sequence[x509.Certificate] = (),
    purpose: str | None = None,
    errors: Sequence[CertbenchError] = (),
) -> ChainReport:
    """Analyse everything in ``materials`` together (one chain may span several files).

    ``trust`` are the anchors (when empty, a self-signed root present in the input serves as one);
    ``purpose`` ("client"/"server") adds the TLS role check to validation; ``errors`` are inputs that
    could not be read (reported as ``input.*`` findings).
    """
    findings: list[Finding] = []
    inputs: list[InputInfo] = []
    for error in errors:
        inputs.append(InputInfo(path=error.path or "?", format=None, error=error.message))
        code = "input.password" if isinstance(error, PasswordError) else "input.unreadable"
        fix = (
            "give the file's password (a wrong password and a damaged file look the same)"
            if code == "input.password"
            else "check that the file is a certificate, key, CSR or keystore, and that it is complete"
        )
        findings.append(Finding(code, "error", error.message, fix, path=error.path))

    entries: list[CertEntry] = []
    by_der: dict[x509.Certificate, CertEntry] = {}
    ordered_positions: dict[int, dict[int, int]] = defaultdict(dict)  # id -> {input number: position}
    key_records: list[tuple[str, PrivateKeyTypes]] = []
    for m_index, material in enumerate(materials):
        inputs.append(InputInfo(path=material.path, format=str(material.format)))
        for problem in material.problems:
            findings.append(
                Finding(
                    "input.unreadable",
                    "error",
                    problem,
                    "get the file again from its source: part of it is cut off or damaged",
                    path=material.path,
                )
            )
        findings.extend(_keystore_entry_findings(material))
        reported_duplicates: set[x509.Certificate] = set()
        certs = list(material.certificates)
        for key_entry in material.key_entries:
            certs.extend(c for c in key_entry.chain if c not in certs)
        for index, certificate in enumerate(certs):
            damage = certificate_damage(certificate)
            if damage is not None:
                findings.append(
                    Finding(
                        "input.unreadable",
                        "error",
                        f"certificate #{index + 1} is damaged ({damage}); it was left out",
                        "get the file again from its source: this certificate cannot be read",
                        path=material.path,
                    )
                )
                continue
            entry = by_der.get(certificate)
            if entry is None:
                entry = CertEntry(f"c{len(entries) + 1}", certificate, material.path, index)
                entries.append(entry)
                by_der[certificate] = entry
            if index < len(material.certificates):
                if m_index in ordered_positions[id(entry.certificate)]:
                    # Only a list whose order means something has duplicates worth a finding; a keystore's
                    # trusted copies of its key entry's CAs are normal.
                    if material.ordered and certificate not in reported_duplicates:
                        reported_duplicates.add(certificate)
                        findings.append(
                            Finding(
                                "chain.duplicate",
                                "warning",
                                f"{_label(certificate)} appears more than once in {material.path}",
                                "keep one copy of each certificate (the fixed chain certbench writes has none)",
                                subject=rfc4514(certificate.subject),
                                certificates=(entry.id,),
                                path=material.path,
                            )
                        )
                else:
                    ordered_positions[id(entry.certificate)][m_index] = index
        seen_keys = {spki_der(k) for _, k in key_records}
        for key in list(material.keys) + [e.key for e in material.key_entries]:
            spki = spki_der(key)
            if spki is None:
                continue  # a key type without a public form cannot be matched
            if spki not in seen_keys:
                seen_keys.add(spki)
                key_records.append((material.path, key))

    input_certs = [e.certificate for e in entries]
    by_cert: dict[int, CertEntry] = {id(e.certificate): e for e in entries}
    linker = Linker(input_certs, trust)

    # Keys and what they match.
    cert_by_spki: dict[bytes, list[str]] = defaultdict(list)
    for entry in entries if key_records else ():  # nothing to match in a bundle without keys
        spki_bytes = spki_der(entry.certificate)
        if spki_bytes is not None:
            cert_by_spki[spki_bytes].append(entry.id)
    keys: list[KeyInfo] = []
    for k_index, (path, key) in enumerate(key_records, start=1):
        key_type, key_size = public_key_info(key)
        matches = tuple(cert_by_spki.get(spki_der(key) or b"", ()))
        keys.append(KeyInfo(f"k{k_index}", path, key_type, key_size, matches))
        if not matches and entries:
            findings.append(
                Finding(
                    "key.mismatch",
                    "error",
                    f"the {key_type} private key in {path} belongs to none of the {len(entries)} certificate(s) given",
                    "find the key that was used to create the CSR for this certificate, or issue a new "
                    "certificate from this key",
                    certificates=(),
                    path=path,
                )
            )
    key_matched = {cid for k in keys for cid in k.matches}

    # Leaves: input certificates that issued no other input certificate.
    has_child: set[int] = set()
    for certificate in input_certs:
        parent = linker.issuer(certificate)
        if parent is not None and id(parent) in by_cert and parent is not certificate:
            has_child.add(id(parent))
    leaves = [c for c in input_certs if id(c) not in has_child]

    anchor_pool = list(trust)
    input_cas = [c for c in input_certs if is_ca(c)][:MAX_INTERMEDIATES]
    implicit = not anchor_pool

    walked_chains = {id(leaf): linker.walk(leaf) for leaf in leaves}
    input_order = {id(certificate): number for number, certificate in enumerate(input_certs)}

    def rank(certificate: x509.Certificate) -> tuple[int, int, int, int]:
        return (
            1 if by_cert[id(certificate)].id in key_matched else 0,
            0 if is_ca(certificate) else 1,
            len(walked_chains[id(certificate)][0]),
            -input_order[id(certificate)],
        )

    ordered_leaves = sorted(leaves, key=rank, reverse=True)

    def position(certificate: x509.Certificate) -> tuple[int, int] | None:
        places = ordered_positions.get(id(certificate))
        if not places:
            return None
        first = min(places)
        return first, places[first]

    entry_by_id = {e.id: e for e in entries}
    anchor_entries: dict[x509.Certificate, CertEntry] = {}

    def cert_id(certificate: x509.Certificate) -> str:
        if id(certificate) in by_cert:
            return by_cert[id(certificate)].id
        entry = anchor_entries.get(certificate)
        if entry is None:
            entry = CertEntry(f"t{len(anchor_entries) + 1}", certificate, None, None, source="trust")
            anchor_entries[certificate] = entry
            entry_by_id[entry.id] = entry
        return entry.id

    chains: list[ChainInfo] = []
    primary: list[x509.Certificate] = []
    primary_complete = False
    for number, leaf in enumerate(ordered_leaves):
        walked, complete = walked_chains[id(leaf)]
        positions = [p for p in (position(c) for c in walked) if p is not None]
        trusted: bool | None = None
        reason: str | None = None
        anchors = anchor_pool or ([walked[-1]] if complete and id(walked[-1]) in by_cert else [])
        if anchors and not (implicit and len(walked) == 1) and number < MAX_VALIDATED_CHAINS:
            intermediates = [c for c in input_cas if c != leaf]
            if purpose in ("client", "server"):
                name = _leaf_name(leaf) if purpose == "server" else None
                if purpose == "server" and name is None:
                    trusted, reason = False, "the certificate has no DNS name or IP address to check a server against"
                else:
                    result = verify_chain(leaf, intermediates, anchors, at=now, purpose=purpose, name=name)
                    trusted, reason = result.valid, result.reason
            else:
                trusted, reason, _ = chain_validates(leaf, intermediates, anchors, at=now)
        elif len(walked) == 1 and complete and (implicit or leaf in anchor_pool):
            trusted, reason = (None, None) if implicit else (True, "is a trust anchor")
        signatures_ok = not any(id(c) in linker.bad_signature for c in walked)
        chains.append(
            ChainInfo(
                certificates=tuple(cert_id(c) for c in walked),
                leaf=cert_id(leaf),
                as_given=_classify(positions),
                complete=complete,
                root_present=complete and id(walked[-1]) in by_cert,
                signatures_ok=signatures_ok,
                trusted=trusted,
                trust_reason=reason,
            )
        )
        if number == 0:
            primary, primary_complete = walked, complete

    if primary:
        findings.extend(
            _chain_findings(
                primary,
                primary_complete,
                chains[0],
                materials=materials,
                by_cert=by_cert,
                linker=linker,
                key_matched=key_matched,
                purpose=purpose,
                anchors_given=bool(anchor_pool),
                ordered_positions=ordered_positions,
                now=now,
            )
        )
        findings.extend(_unrelated(primary, primary_complete, ordered_leaves, walked_chains, by_cert))

    for key_id, (certificate, issuer) in linker.bad_signature.items():
        if key_id in by_cert:
            findings.append(
                Finding(
                    "chain.signature",
                    "error",
                    f"{_label(certificate)} names {_label(issuer)} as its issuer, but that certificate's key does not "
                    "verify its signature",
                    "get the issuer certificate that really signed it (a re-keyed CA has the same name and a new "
                    "key), or have the certificate re-issued",
                    subject=rfc4514(certificate.subject),
                    certificates=(by_cert[key_id].id,),
                    path=by_cert[key_id].path,
                )
            )

    findings.extend(_aki_mismatches(linker, by_cert, list(input_certs) + list(trust)))
    findings.extend(_ambiguous_issuers(linker, input_certs))

    for entry in entries:
        findings.extend(_certificate_findings(entry, now, linker))

    all_entries = tuple(entries) + tuple(anchor_entries.values())
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: order.get(f.severity, 3))
    return ChainReport(
        chain=tuple(primary),
        findings=tuple(findings),
        inputs=tuple(inputs),
        certificates=all_entries,
        keys=tuple(keys),
        chains=tuple(chains),
        now=now,
        _by_id=entry_by_id,
        _self_signed=frozenset(e.id for e in all_entries if linker.self_signed(e.certificate)),
    )


def _chain_findings(
    chain: list[x509.Certificate],
    complete: bool,
    info: ChainInfo,
    *,
    materials: Sequence[Material],
    by_cert: dict[int, CertEntry],
    linker: Linker,
    key_matched: set[str],
    purpose: str | None,
    anchors_given: bool,
    ordered_positions: dict[int, dict[int, int]],
    now: datetime,
) -> list[Finding]:
    findings: list[Finding] = []
    leaf = chain[0]
    leaf_entry = by_cert[id(leaf)]
    leaf_subject = rfc4514(leaf.subject)
    lone_root = len(chain) == 1 and complete

    # Order, per input whose order means something.
    for m_index, material in enumerate(materials):
        if not material.ordered:
            continue
        places = [ordered_positions[id(c)][m_index] for c in chain if m_index in ordered_positions.get(id(c), {})]
        if len(places) >= 2 and places != sorted(places):
            shape = _classify([(0, p) for p in places])
            findings.append(
                Finding(
                    "chain.order",
                    "error",
                    f"{material.path} is not in leaf-first order ({shape}): the leaf {_label(leaf)} must come first, "
                    "then each issuer",
                    "reorder as leaf -> intermediates -> root "
                    "(certbench writes it: inspect --fix-out, or Save fixed chain)",
                    subject=leaf_subject,
                    certificates=tuple(by_cert[id(c)].id for c in chain if id(c) in by_cert),
                    path=material.path,
                )
            )

    last = chain[-1]
    if not complete and id(last) not in linker.bad_signature and id(last) not in linker.undecided:
        if is_ca(last) and len(chain) > 1:
            findings.append(
                Finding(
                    "chain.root-missing",
                    "warning",
                    f"the chain ends at the intermediate {_label(last)}: its issuer {rfc4514(last.issuer)} (the root) "
                    "is not included",
                    "append the root certificate of "
                    + rfc4514(last.issuer)
                    + " (get it from the CA), or add it as a trust anchor so the fixed chain includes it",
                    subject=rfc4514(last.subject),
                    certificates=(info.certificates[-1],),
                    path=by_cert[id(last)].path if id(last) in by_cert else None,
                )
            )
        else:
            findings.append(
                Finding(
                    "chain.incomplete",
                    # A lone certificate is described, its missing issuers noted; a chain with a gap is wrong.
                    "warning" if len(by_cert) == 1 and not anchors_given else "error",
                    f"the issuer of {_label(last)} ({rfc4514(last.issuer)}) is not in the input"
                    + (" nor among the trust anchors" if anchors_given else "")
                    + (" (only this certificate was given)" if len(by_cert) == 1 else ""),
                    f"add the intermediate certificate {rfc4514(last.issuer)} (the CA publishes it; it is often "
                    "named in the certificate's Authority Information Access)",
                    subject=rfc4514(last.subject),
                    certificates=(info.certificates[-1],),
                    path=by_cert[id(last)].path if id(last) in by_cert else None,
                )
            )
    elif complete and id(last) not in by_cert and len(chain) > 1:
        findings.append(
            Finding(
                "chain.root-missing",
                "warning",
                f"the root {_label(last)} is not in the input (it was found among the trust anchors)",
                "include the root after the intermediates if the partner asks for the full chain "
                "(the fixed chain certbench writes includes it)",
                subject=rfc4514(last.subject),
                certificates=(info.certificates[-1],),
            )
        )

    if is_ca(leaf) and not (lone_root and len(by_cert) == 1):
        findings.extend(_ca_at_the_bottom(leaf, leaf_entry, lone_root, len(by_cert), key_matched, purpose))

    validity_explained = any(
        not is_valid_at(c, now) for c in chain if id(c) in by_cert
    ) and validity_failure(info.trust_reason)
    if info.trusted is False and not validity_explained:
        findings.append(
            Finding(
                "trust.failed",
                "error",
                f"{_label(leaf)} does not validate against the trust anchors: {info.trust_reason}",
                "give the right anchors with --trust, complete the chain, or replace the certificate the reason names",
                subject=leaf_subject,
                certificates=(leaf_entry.id,),
                path=leaf_entry.path,
            )
        )
    return findings


def _ca_at_the_bottom(
    leaf: x509.Certificate,
    entry: CertEntry,
    lone_root: bool,
    count: int,
    key_matched: set[str],
    purpose: str | None,
) -> list[Finding]:
    """The best chain starts at a CA certificate: ``cert.ca-as-leaf`` when it is (or looks) used as the end
    entity, else ``chain.no-end-entity`` (a CA bundle, a lone intermediate, a bundle of roots).

    Used as the end entity: its key was given or a TLS purpose was asked (error), or it carries a
    clientAuth/serverAuth EKU: an error without keyCertSign (it cannot be a working CA), a warning with it
    (an EKU-constrained intermediate is possible, a CA sent as "the client certificate" far more likely)."""
    label = _label(leaf)

    def finding(code: str, severity: str, message: str, fix: str) -> Finding:
        return Finding(
            code, severity, message, fix, subject=rfc4514(leaf.subject), certificates=(entry.id,), path=entry.path
        )

    roles = [usage for usage in extended_key_usage(leaf) if usage in ("clientAuth", "serverAuth")]
    used = entry.id in key_matched or purpose is not None
    if lone_root or not (used or roles):
        message = (
            f"no end-entity certificate: the {count} certificates given are CA certificates (a CA bundle, a truststore)"
            if lone_root
            else f"no end-entity certificate: {label} and the certificates it chains to are CA certificates"
        )
        fix = "nothing to fix if this is a CA bundle; add the end-entity certificate to check a full chain"
        return [finding("chain.no-end-entity", "info", message, fix)]
    reissue = (
        "have an end-entity certificate (basicConstraints CA:FALSE, no keyCertSign) issued for this key and send "
        "that one: OpenSSL and Java accept a CA certificate as the peer's certificate, but Web PKI verifiers "
        "(browsers, cryptography's verifier) and partners whose policy requires CA:FALSE refuse it"
    )
    if used:
        why = "its private key was given" if entry.id in key_matched else f"it was checked as a {purpose} certificate"
        return [
            finding(
                "cert.ca-as-leaf",
                "error",
                f"{label} is a CA certificate (basicConstraints CA:TRUE) used as the end-entity certificate ({why})",
                reissue,
            )
        ]
    if "keyCertSign" not in key_usage(leaf):
        return [
            finding(
                "cert.ca-as-leaf",
                "error",
                f"{label} is a CA certificate (basicConstraints CA:TRUE) with the {' and '.join(roles)} usage but "
                "without keyCertSign: it cannot issue certificates, so it is an end-entity certificate wrongly marked "
                "as a CA",
                reissue,
            )
        ]
    return [
        finding(
            "cert.ca-as-leaf",
            "warning",
            f"{label} is a CA certificate (CA:TRUE, keyCertSign) with the {' and '.join(roles)} usage at the bottom "
            "of the chain (it issued none of the certificates given): if it is sent as the client or server "
            "certificate, it is a CA posing as one, and whoever holds its key can issue certificates that may chain "
            "to the same root",
            "if it is the TLS certificate: " + reissue + "; if it is an intermediate (an EKU-constrained CA), add "
            "the end-entity certificate it issued",
        )
    ]


def _aki_mismatches(linker: Linker, by_cert: dict[int, CertEntry], known: Sequence[x509.Certificate]) -> list[Finding]:
    """``chain.aki-mismatch``: a certificate whose issuer verifies its signature while its AKI names another key."""
    findings: list[Finding] = []
    for key_id, certificate in linker.aki_mismatch.items():
        issuer = linker.issuer(certificate)
        if key_id not in by_cert or issuer is None:
            continue
        aki = key_identifiers(certificate)[1]
        issuer_ski = key_identifiers(issuer)[0]
        owner = next((c for c in known if key_identifiers(c)[0] == aki), None)
        whose = f"that of {_label(owner)}" if owner is not None else "a key that is in none of the certificates given"
        findings.append(
            Finding(
                "chain.aki-mismatch",
                "warning",
                f"{_label(certificate)} was signed by {_label(issuer)}, but its Authority Key Identifier ({aki}) names "
                f"another key, {whose}: OpenSSL-based peers (nginx, HAProxy, curl, Python ssl) refuse the chain "
                "with 'unable to get local issuer certificate'; Java accepts it",
                f"have {_label(certificate)} re-issued by {_label(issuer)} with an Authority Key Identifier that names "
                f"its key ({issuer_ski}; openssl: authorityKeyIdentifier = keyid:always, signed with -CA set to that "
                "certificate); reordering or adding certificates cannot fix it",
                subject=rfc4514(certificate.subject),
                certificates=(by_cert[key_id].id,),
                path=by_cert[key_id].path,
            )
        )
    return findings


def _unrelated(
    primary: list[x509.Certificate],
    complete: bool,
    leaves: list[x509.Certificate],
    walked: dict[int, tuple[list[x509.Certificate], bool]],
    by_cert: dict[int, CertEntry],
) -> list[Finding]:
    """Certificates that belong to no chain of an end entity (only when the input has an end entity)."""
    if is_ca(primary[0]):
        return []
    primary_set = {id(c) for c in primary}
    related: set[int] = set(primary_set)
    for leaf in leaves:
        chain, _ = walked[id(leaf)]
        ids = [id(c) for c in chain]
        if not is_ca(leaf) and primary_set.intersection(ids):
            related.update(ids)
    findings = []
    for key_id, entry in by_cert.items():
        certificate = entry.certificate
        if key_id in related:
            continue
        if not complete and is_ca(certificate):
            continue  # may be the upper part of a chain whose middle is missing: chain.incomplete says so
        findings.append(
            Finding(
                "chain.unrelated",
                "warning",
                f"{_label(certificate)} is not part of the chain of {_label(primary[0])}",
                "remove it (--fix-out writes the chain without it), or add the certificates that link it",
                subject=rfc4514(certificate.subject),
                certificates=(entry.id,),
                path=entry.path,
            )
        )
    return findings


def _certificate_findings(entry: CertEntry, now: datetime, linker: Linker) -> list[Finding]:
    certificate = entry.certificate

    def finding(code: str, severity: str, message: str, fix: str) -> Finding:
        subject = rfc4514(certificate.subject)
        return Finding(code, severity, message, fix, subject=subject, certificates=(entry.id,), path=entry.path)

    findings = []
    label = _label(certificate)
    not_after = certificate.not_valid_after_utc
    not_before = certificate.not_valid_before_utc
    if is_expired(not_after, now):
        findings.append(
            finding(
                "cert.expired",
                "error",
                f"{label} expired on {iso(not_after)}",
                "renew it: issue a new certificate (same key or a new one) and replace this one",
            )
        )
    elif is_not_yet_valid(not_before, now):
        findings.append(
            finding(
                "cert.not-yet-valid",
                "error",
                f"{label} is not valid before {iso(not_before)}",
                "wait until then, or check the clock of the machine that issued or checks it",
            )
        )
    elif expires_soon(not_after, now):
        days = days_until(not_after, now)
        findings.append(
            finding(
                "cert.expires-soon",
                "warning",
                f"{label} expires in {days} day(s), on {iso(not_after)}",
                "renew it now and plan the switch with the partner",
            )
        )
    key = None
    if certificate.public_key_algorithm_oid in _SIZED_KEY_ALGORITHMS:
        try:
            key = certificate.public_key()
        except Exception:  # noqa: BLE001 - unsupported key parameters: described elsewhere, not weak by itself
            key = None
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey) and key.key_size < MIN_RSA_BITS:
        kind = "RSA" if isinstance(key, rsa.RSAPublicKey) else "DSA"
        findings.append(
            finding(
                "cert.weak-key",
                "error",
                f"{label} has a {kind} {key.key_size}-bit key (under {MIN_RSA_BITS} bits)",
                "issue a new certificate with an RSA 2048+ or EC P-256 key",
            )
        )
    algorithm = signature_algorithm_name(certificate)
    if any(weak in algorithm.lower() for weak in _WEAK_HASHES) and not linker.self_signed(certificate):
        findings.append(
            finding(
                "cert.weak-signature",
                "error",
                f"{label} is signed with {algorithm} (MD5/SHA-1 signatures are broken)",
                "have it re-issued with a SHA-256 (or stronger) signature",
            )
        )
    return findings


__all__ = [
    "SEVERITIES",
    "CertEntry",
    "ChainInfo",
    "ChainReport",
    "Finding",
    "InputInfo",
    "KeyInfo",
    "analyze_chain",
    "chain_pem",
]


def _keystore_entry_findings(material: Material) -> list[Finding]:
    """Keystore entries read only in part (a key with its own password) or not read by design (secret keys)."""
    findings = [
        Finding(
            "input.key-password",
            "error",
            f"entry {alias!r} has its own key password (not the store password): its certificates were read, "
            "its private key was not",
            f"give that key the store password in a copy of the keystore: keytool -keypasswd -alias {alias} "
            "-keystore COPY (it asks for the key's password, then the new one), then read the copy",
            path=material.path,
        )
        for alias in material.locked_key_aliases
    ]
    findings.extend(
        Finding(
            "keystore.secret-key",
            "info",
            f"entry {alias!r} is a secret (symmetric) key; certbench reads certificates and private keys only",
            "nothing to do: secret keys are normal in Java keystores (JCEKS, BKS) and stay in them as they are",
            path=material.path,
        )
        for alias in material.secret_key_aliases
    )
    return findings
