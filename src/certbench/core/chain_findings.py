"""The chain doctor's findings families: what is wrong with the input, the primary chain, one certificate.

:mod:`certbench.core.chain` reads, links and builds the chains; the functions here turn what it found into
:class:`~certbench.core.model.Finding` objects (the codes are listed in that module's docstring).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.x509.oid import PublicKeyAlgorithmOID

from certbench.core.describe import (
    common_name,
    extended_key_usage,
    is_ca,
    iso,
    key_identifiers,
    key_usage,
    names,
    rfc4514,
    signature_algorithm_name,
)
from certbench.core.formats.material import Material
from certbench.core.linking import MAX_SIGNATURE_TRIALS, Linker
from certbench.core.model import CertEntry, ChainInfo, Finding, Severity
from certbench.core.validity import days_until, expires_soon, is_expired, is_not_yet_valid, is_valid_at
from certbench.core.verify import validity_failure

MIN_RSA_BITS = 2048
#: Key algorithms whose size can be too small (EC and EdDSA keys are judged by their curve, not here).
_SIZED_KEY_ALGORITHMS = (
    PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
    PublicKeyAlgorithmOID.RSASSA_PSS,
    PublicKeyAlgorithmOID.DSA,
)
_WEAK_HASHES = ("md5", "sha1", "md2", "md4")


def quoted(certificate: x509.Certificate) -> str:
    return f"'{common_name(certificate)}'"


def about(
    entry: CertEntry, code: str, severity: Severity, message: str, fix: str, *, in_file: str | None = None
) -> Finding:
    """A finding on one certificate: its subject and id, and the file it was read from (or ``in_file``)."""
    subject = rfc4514(entry.certificate.subject)
    path = in_file if in_file is not None else entry.path
    return Finding(code, severity, message, fix, subject=subject, certificates=(entry.id,), path=path)


def classify(positions: Sequence[tuple[int, int]]) -> str:
    if len(positions) <= 1:
        return "single"
    pairs = list(itertools.pairwise(positions))
    if all(a < b for a, b in pairs):
        return "leaf-first"
    if all(a > b for a, b in pairs):
        return "root-first"
    return "mixed"


def ambiguous_issuers(linker: Linker, input_certs: Sequence[x509.Certificate]) -> list[Finding]:
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
                Severity.WARNING,
                f"{count} certificates are named {rfc4514(name)}: for a certificate naming it as its issuer, "
                f"certbench checks the signature of at most {MAX_SIGNATURE_TRIALS} of them (matching key identifier "
                "first)" + (f"; {undecided} certificate(s) were left unlinked" if undecided else ""),
                "keep only the CA certificates of the chain you need (--fix-out writes it alone); CAs that differ "
                "should have different names, and certificates should carry their issuer's key identifier (AKI)",
                subject=rfc4514(name),
            )
        )
    return findings


@dataclass(frozen=True)
class PrimaryChain:
    """The primary chain (leaf first) and what the doctor knows around it: the input of
    :func:`primary_chain_findings`."""

    chain: list[x509.Certificate]
    #: The chain ends at a self-signed certificate.
    complete: bool
    info: ChainInfo
    materials: Sequence[Material]
    #: Every certificate read, by ``id()``.
    by_cert: dict[int, CertEntry]
    linker: Linker
    #: Ids (:attr:`CertEntry.id`) of the certificates whose private key was among the inputs.
    key_matched: set[str]
    purpose: str | None
    #: Trust anchors were given (``--trust``), so an incomplete chain may still validate.
    anchors_given: bool
    #: Per certificate (by ``id()``): its position in each input whose order means something, by input number.
    ordered_positions: dict[int, dict[int, int]]
    now: datetime


def primary_chain_findings(primary: PrimaryChain) -> list[Finding]:
    """The primary chain's findings: its order in each input, its end, a CA at its bottom, its trust verdict."""
    chain, complete, info, by_cert = primary.chain, primary.complete, primary.info, primary.by_cert
    leaf = chain[0]
    leaf_entry = by_cert[id(leaf)]
    lone_root = len(chain) == 1 and complete
    findings = _order_findings(chain, primary.materials, primary.ordered_positions, by_cert)
    findings.extend(_end_findings(chain, complete, info, by_cert, primary.linker, primary.anchors_given))
    if is_ca(leaf) and not (lone_root and len(by_cert) == 1):
        findings.extend(
            _ca_at_the_bottom(leaf, leaf_entry, lone_root, len(by_cert), primary.key_matched, primary.purpose)
        )
    validity_explained = any(not is_valid_at(c, primary.now) for c in chain if id(c) in by_cert) and validity_failure(
        info.trust_reason
    )
    if info.trusted is False and not validity_explained:
        findings.append(
            about(
                leaf_entry,
                "trust.failed",
                Severity.ERROR,
                f"{quoted(leaf)} does not validate against the trust anchors: {info.trust_reason}",
                "give the right anchors with --trust, complete the chain, or replace the certificate the reason names",
            )
        )
    return findings


def _order_findings(
    chain: list[x509.Certificate],
    materials: Sequence[Material],
    ordered_positions: dict[int, dict[int, int]],
    by_cert: dict[int, CertEntry],
) -> list[Finding]:
    """``chain.order``: per input whose order means something, the chain's certificates not leaf first."""
    findings: list[Finding] = []
    leaf = chain[0]
    for m_index, material in enumerate(materials):
        if not material.ordered:
            continue
        places = [ordered_positions[id(c)][m_index] for c in chain if m_index in ordered_positions.get(id(c), {})]
        if len(places) >= 2 and places != sorted(places):
            shape = classify([(0, p) for p in places])
            findings.append(
                Finding(
                    "chain.order",
                    Severity.ERROR,
                    f"{material.path} is not in leaf-first order ({shape}): the leaf {quoted(leaf)} must come first, "
                    "then each issuer",
                    "reorder as leaf -> intermediates -> root "
                    "(certbench writes it: inspect --fix-out, or Save fixed chain)",
                    subject=rfc4514(leaf.subject),
                    certificates=tuple(by_cert[id(c)].id for c in chain if id(c) in by_cert),
                    path=material.path,
                )
            )
    return findings


def _end_findings(
    chain: list[x509.Certificate],
    complete: bool,
    info: ChainInfo,
    by_cert: dict[int, CertEntry],
    linker: Linker,
    anchors_given: bool,
) -> list[Finding]:
    """``chain.root-missing`` / ``chain.incomplete``: where the chain stops short of a root in the input."""
    findings: list[Finding] = []
    last = chain[-1]
    if not complete and id(last) not in linker.bad_signature and id(last) not in linker.undecided:
        if is_ca(last) and len(chain) > 1:
            findings.append(
                Finding(
                    "chain.root-missing",
                    Severity.WARNING,
                    f"the chain ends at the intermediate {quoted(last)}: its issuer {rfc4514(last.issuer)} (the root) "
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
                    Severity.WARNING if len(by_cert) == 1 and not anchors_given else Severity.ERROR,
                    f"the issuer of {quoted(last)} ({rfc4514(last.issuer)}) is not in the input"
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
                Severity.WARNING,
                f"the root {quoted(last)} is not in the input (it was found among the trust anchors)",
                "include the root after the intermediates if the partner asks for the full chain "
                "(the fixed chain certbench writes includes it)",
                subject=rfc4514(last.subject),
                certificates=(info.certificates[-1],),
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
    label = quoted(leaf)

    roles = [usage for usage in extended_key_usage(leaf) if usage in ("clientAuth", "serverAuth")]
    used = entry.id in key_matched or purpose is not None
    if lone_root or not (used or roles):
        message = (
            f"no end-entity certificate: the {count} certificates given are CA certificates (a CA bundle, a truststore)"
            if lone_root
            else f"no end-entity certificate: {label} and the certificates it chains to are CA certificates"
        )
        fix = "nothing to fix if this is a CA bundle; add the end-entity certificate to check a full chain"
        return [about(entry, "chain.no-end-entity", Severity.INFO, message, fix)]
    reissue = (
        "have an end-entity certificate (basicConstraints CA:FALSE, no keyCertSign) issued for this key and send "
        "that one: OpenSSL and Java accept a CA certificate as the peer's certificate, but Web PKI verifiers "
        "(browsers, cryptography's verifier) and partners whose policy requires CA:FALSE refuse it"
    )
    if used:
        why = "its private key was given" if entry.id in key_matched else f"it was checked as a {purpose} certificate"
        return [
            about(
                entry,
                "cert.ca-as-leaf",
                Severity.ERROR,
                f"{label} is a CA certificate (basicConstraints CA:TRUE) used as the end-entity certificate ({why})",
                reissue,
            )
        ]
    if "keyCertSign" not in key_usage(leaf):
        return [
            about(
                entry,
                "cert.ca-as-leaf",
                Severity.ERROR,
                f"{label} is a CA certificate (basicConstraints CA:TRUE) with the {' and '.join(roles)} usage but "
                "without keyCertSign: it cannot issue certificates, so it is an end-entity certificate wrongly marked "
                "as a CA",
                reissue,
            )
        ]
    return [
        about(
            entry,
            "cert.ca-as-leaf",
            Severity.WARNING,
            f"{label} is a CA certificate (CA:TRUE, keyCertSign) with the {' and '.join(roles)} usage at the bottom "
            "of the chain (it issued none of the certificates given): if it is sent as the client or server "
            "certificate, it is a CA posing as one, and whoever holds its key can issue certificates that may chain "
            "to the same root",
            "if it is the TLS certificate: " + reissue + "; if it is an intermediate (an EKU-constrained CA), add "
            "the end-entity certificate it issued",
        )
    ]


def bad_signatures(linker: Linker, by_cert: dict[int, CertEntry]) -> list[Finding]:
    """``chain.signature``: an input certificate whose named issuer's key does not verify its signature."""
    return [
        about(
            by_cert[key_id],
            "chain.signature",
            Severity.ERROR,
            f"{quoted(certificate)} names {quoted(issuer)} as its issuer, but that certificate's key "
            "does not verify its signature",
            "get the issuer certificate that really signed it (a re-keyed CA has the same name and a "
            "new key), or have the certificate re-issued",
        )
        for key_id, (certificate, issuer) in linker.bad_signature.items()
        if key_id in by_cert
    ]


def aki_mismatches(linker: Linker, by_cert: dict[int, CertEntry], known: Sequence[x509.Certificate]) -> list[Finding]:
    """``chain.aki-mismatch``: a certificate whose issuer verifies its signature while its AKI names another key."""
    findings: list[Finding] = []
    for key_id, certificate in linker.aki_mismatch.items():
        issuer = linker.issuer(certificate)
        if key_id not in by_cert or issuer is None:
            continue
        aki = key_identifiers(certificate)[1]
        issuer_ski = key_identifiers(issuer)[0]
        owner = next((c for c in known if key_identifiers(c)[0] == aki), None)
        whose = f"that of {quoted(owner)}" if owner is not None else "a key that is in none of the certificates given"
        findings.append(
            about(
                by_cert[key_id],
                "chain.aki-mismatch",
                Severity.WARNING,
                f"{quoted(certificate)} was signed by {quoted(issuer)}, but its Authority Key Identifier ({aki}) names "
                f"another key, {whose}: OpenSSL-based peers (nginx, HAProxy, curl, Python ssl) refuse the chain "
                "with 'unable to get local issuer certificate'; Java accepts it",
                f"have {quoted(certificate)} re-issued by {quoted(issuer)} with an Authority Key Identifier that names "
                f"its key ({issuer_ski}; openssl: authorityKeyIdentifier = keyid:always, signed with -CA set to that "
                "certificate); reordering or adding certificates cannot fix it",
            )
        )
    return findings


def unrelated(
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
            about(
                entry,
                "chain.unrelated",
                Severity.WARNING,
                f"{quoted(certificate)} is not part of the chain of {quoted(primary[0])}",
                "remove it (--fix-out writes the chain without it), or add the certificates that link it",
            )
        )
    return findings


def certificate_findings(entry: CertEntry, now: datetime, linker: Linker) -> list[Finding]:
    certificate = entry.certificate

    findings = []
    label = quoted(certificate)
    not_after = certificate.not_valid_after_utc
    not_before = certificate.not_valid_before_utc
    if is_expired(not_after, now):
        findings.append(
            about(
                entry,
                "cert.expired",
                Severity.ERROR,
                f"{label} expired on {iso(not_after)}",
                "renew it: issue a new certificate (same key or a new one) and replace this one",
            )
        )
    elif is_not_yet_valid(not_before, now):
        findings.append(
            about(
                entry,
                "cert.not-yet-valid",
                Severity.ERROR,
                f"{label} is not valid before {iso(not_before)}",
                "wait until then, or check the clock of the machine that issued or checks it",
            )
        )
    elif expires_soon(not_after, now):
        days = days_until(not_after, now)
        findings.append(
            about(
                entry,
                "cert.expires-soon",
                Severity.WARNING,
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
            about(
                entry,
                "cert.weak-key",
                Severity.ERROR,
                f"{label} has a {kind} {key.key_size}-bit key (under {MIN_RSA_BITS} bits)",
                "issue a new certificate with an RSA 2048+ or EC P-256 key",
            )
        )
    algorithm = signature_algorithm_name(certificate)
    if any(weak in algorithm.lower() for weak in _WEAK_HASHES) and not linker.self_signed(certificate):
        findings.append(
            about(
                entry,
                "cert.weak-signature",
                Severity.ERROR,
                f"{label} is signed with {algorithm} (MD5/SHA-1 signatures are broken)",
                "have it re-issued with a SHA-256 (or stronger) signature",
            )
        )
    return findings


def keystore_entry_findings(material: Material) -> list[Finding]:
    """Keystore entries read only in part (a key with its own password) or not read by design (secret keys)."""
    findings = [
        Finding(
            "input.key-password",
            Severity.ERROR,
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
            Severity.INFO,
            f"entry {alias!r} is a secret (symmetric) key; certbench reads certificates and private keys only",
            "nothing to do: secret keys are normal in Java keystores (JCEKS, BKS) and stay in them as they are",
            path=material.path,
        )
        for alias in material.secret_key_aliases
    )
    return findings
