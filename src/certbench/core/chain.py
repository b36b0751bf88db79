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

import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import PublicKeyAlgorithmOID

from certbench.core.describe import (
    certificate_damage,
    common_name,
    extended_key_usage,
    is_ca,
    iso,
    key_identifiers,
    key_usage,
    names,
    public_key_info,
    rfc4514,
    signature_algorithm_name,
    subject_alt_names,
)
from certbench.core.errors import CertbenchError, PasswordError
from certbench.core.formats.material import Material
from certbench.core.linking import MAX_SIGNATURE_TRIALS, Linker, spki_der
from certbench.core.model import (
    SEVERITIES,
    CertEntry,
    ChainInfo,
    ChainReport,
    Finding,
    InputInfo,
    KeyInfo,
    Severity,
)
from certbench.core.validity import days_until, expires_soon, is_expired, is_not_yet_valid, is_valid_at
from certbench.core.verify import chain_validates, validity_failure, verify_chain

MIN_RSA_BITS = 2048
#: Key algorithms whose size can be too small (EC and EdDSA keys are judged by their curve, not here).
_SIZED_KEY_ALGORITHMS = (
    PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
    PublicKeyAlgorithmOID.RSASSA_PSS,
    PublicKeyAlgorithmOID.DSA,
)
_WEAK_HASHES = ("md5", "sha1", "md2", "md4")
#: Chains validated against the anchors (the best chains first); a 5,000-leaf bundle is not validated 5,000 times.
MAX_VALIDATED_CHAINS = 32
MAX_INTERMEDIATES = 256


def chain_pem(chain: Sequence[x509.Certificate]) -> bytes:
    """PEM blocks in the given order (leaf first for a fixed chain), a blank line between blocks."""
    blocks = [c.public_bytes(serialization.Encoding.PEM).strip() for c in chain]
    return b"\n\n".join(blocks) + b"\n"


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
    return _Analysis(materials, now=now, trust=trust, purpose=purpose).run(errors)


class _Analysis:
    """One run of the chain doctor: a method per phase (read, keys, leaves, chains) and per findings family.

    The phases share what earlier ones found (entries, the linker, the ordered leaves) as attributes.
    """

    def __init__(
        self, materials: Sequence[Material], *, now: datetime, trust: Sequence[x509.Certificate], purpose: str | None
    ) -> None:
        self.materials = materials
        self.now = now
        self.trust = list(trust)
        self.purpose = purpose
        self.findings: list[Finding] = []
        self.inputs: list[InputInfo] = []
        self.entries: list[CertEntry] = []
        self.by_der: dict[x509.Certificate, CertEntry] = {}
        self.ordered_positions: dict[int, dict[int, int]] = defaultdict(dict)  # id -> {input number: position}
        self.key_records: list[tuple[str, PrivateKeyTypes]] = []
        self.keys: list[KeyInfo] = []
        self.chains: list[ChainInfo] = []
        self.primary: list[x509.Certificate] = []
        self.primary_complete = False
        self.anchor_entries: dict[x509.Certificate, CertEntry] = {}

    def run(self, errors: Sequence[CertbenchError]) -> ChainReport:
        self.read_errors(errors)
        for m_index, material in enumerate(self.materials):
            self.read_material(m_index, material)
        self.input_certs = [e.certificate for e in self.entries]
        self.by_cert: dict[int, CertEntry] = {id(e.certificate): e for e in self.entries}
        self.entry_by_id = {e.id: e for e in self.entries}
        self.linker = Linker(self.input_certs, self.trust)
        self.input_cas = [c for c in self.input_certs if is_ca(c)][:MAX_INTERMEDIATES]
        self.match_keys()
        self.order_leaves()
        self.build_chains()
        self.chain_findings()
        self.signature_findings()
        for entry in self.entries:
            self.findings.extend(_certificate_findings(entry, self.now, self.linker))
        return self.report()

    # -- phase 1: read -------------------------------------------------------------------------------

    def read_errors(self, errors: Sequence[CertbenchError]) -> None:
        """Inputs that could not be read become ``input.*`` findings."""
        for error in errors:
            self.inputs.append(InputInfo(path=error.path or "?", format=None, error=error.message))
            code = "input.password" if isinstance(error, PasswordError) else "input.unreadable"
            fix = (
                "give the file's password (a wrong password and a damaged file look the same)"
                if code == "input.password"
                else "check that the file is a certificate, key, CSR or keystore, and that it is complete"
            )
            self.findings.append(Finding(code, Severity.ERROR, error.message, fix, path=error.path))

    def read_material(self, m_index: int, material: Material) -> None:
        """One input's certificates (each once, with its position) and keys."""
        self.inputs.append(InputInfo(path=material.path, format=str(material.format)))
        for problem in material.problems:
            self.findings.append(
                Finding(
                    "input.unreadable",
                    Severity.ERROR,
                    problem,
                    "get the file again from its source: part of it is cut off or damaged",
                    path=material.path,
                )
            )
        self.findings.extend(_keystore_entry_findings(material))
        reported_duplicates: set[x509.Certificate] = set()
        certs = list(material.certificates)
        for key_entry in material.key_entries:
            certs.extend(c for c in key_entry.chain if c not in certs)
        for index, certificate in enumerate(certs):
            entry = self._entry(material, index, certificate)
            if entry is None or index >= len(material.certificates):
                continue
            if m_index not in self.ordered_positions[id(entry.certificate)]:
                self.ordered_positions[id(entry.certificate)][m_index] = index
            # Only a list whose order means something has duplicates worth a finding; a keystore's
            # trusted copies of its key entry's CAs are normal.
            elif material.ordered and certificate not in reported_duplicates:
                reported_duplicates.add(certificate)
                self.findings.append(
                    Finding(
                        "chain.duplicate",
                        Severity.WARNING,
                        f"{_label(certificate)} appears more than once in {material.path}",
                        "keep one copy of each certificate (the fixed chain certbench writes has none)",
                        subject=rfc4514(certificate.subject),
                        certificates=(entry.id,),
                        path=material.path,
                    )
                )
        seen_keys = {spki_der(k) for _, k in self.key_records}
        for key in list(material.keys) + [e.key for e in material.key_entries]:
            spki = spki_der(key)
            if spki is None:
                continue  # a key type without a public form cannot be matched
            if spki not in seen_keys:
                seen_keys.add(spki)
                self.key_records.append((material.path, key))

    def _entry(self, material: Material, index: int, certificate: x509.Certificate) -> CertEntry | None:
        """The entry of ``certificate`` (made on first sight); None for a damaged one (reported)."""
        damage = certificate_damage(certificate)
        if damage is not None:
            self.findings.append(
                Finding(
                    "input.unreadable",
                    Severity.ERROR,
                    f"certificate #{index + 1} is damaged ({damage}); it was left out",
                    "get the file again from its source: this certificate cannot be read",
                    path=material.path,
                )
            )
            return None
        entry = self.by_der.get(certificate)
        if entry is None:
            entry = CertEntry(f"c{len(self.entries) + 1}", certificate, material.path, index)
            self.entries.append(entry)
            self.by_der[certificate] = entry
        return entry

    # -- phase 2: keys and what they match -----------------------------------------------------------

    def match_keys(self) -> None:
        cert_by_spki: dict[bytes, list[str]] = defaultdict(list)
        for entry in self.entries if self.key_records else ():  # nothing to match in a bundle without keys
            spki_bytes = spki_der(entry.certificate)
            if spki_bytes is not None:
                cert_by_spki[spki_bytes].append(entry.id)
        for k_index, (path, key) in enumerate(self.key_records, start=1):
            key_type, key_size = public_key_info(key)
            matches = tuple(cert_by_spki.get(spki_der(key) or b"", ()))
            self.keys.append(KeyInfo(f"k{k_index}", path, key_type, key_size, matches))
            if not matches and self.entries:
                self.findings.append(
                    Finding(
                        "key.mismatch",
                        Severity.ERROR,
                        f"the {key_type} private key in {path} belongs to none of the {len(self.entries)} "
                        "certificate(s) given",
                        "find the key that was used to create the CSR for this certificate, or issue a new "
                        "certificate from this key",
                        certificates=(),
                        path=path,
                    )
                )
        self.key_matched = {cid for k in self.keys for cid in k.matches}

    # -- phase 3: leaves, best first -----------------------------------------------------------------

    def order_leaves(self) -> None:
        """Leaves are input certificates that issued no other input certificate; the best one first."""
        has_child: set[int] = set()
        for certificate in self.input_certs:
            parent = self.linker.issuer(certificate)
            if parent is not None and id(parent) in self.by_cert and parent is not certificate:
                has_child.add(id(parent))
        leaves = [c for c in self.input_certs if id(c) not in has_child]
        self.walked_chains = {id(leaf): self.linker.walk(leaf) for leaf in leaves}
        input_order = {id(certificate): number for number, certificate in enumerate(self.input_certs)}

        def rank(certificate: x509.Certificate) -> tuple[int, int, int, int]:
            return (
                1 if self.by_cert[id(certificate)].id in self.key_matched else 0,
                0 if is_ca(certificate) else 1,
                len(self.walked_chains[id(certificate)][0]),
                -input_order[id(certificate)],
            )

        self.ordered_leaves = sorted(leaves, key=rank, reverse=True)

    # -- phase 4: one chain per leaf, validated ------------------------------------------------------

    def _position(self, certificate: x509.Certificate) -> tuple[int, int] | None:
        places = self.ordered_positions.get(id(certificate))
        if not places:
            return None
        first = min(places)
        return first, places[first]

    def _cert_id(self, certificate: x509.Certificate) -> str:
        if id(certificate) in self.by_cert:
            return self.by_cert[id(certificate)].id
        entry = self.anchor_entries.get(certificate)
        if entry is None:
            entry = CertEntry(f"t{len(self.anchor_entries) + 1}", certificate, None, None, source="trust")
            self.anchor_entries[certificate] = entry
            self.entry_by_id[entry.id] = entry
        return entry.id

    def build_chains(self) -> None:
        for number, leaf in enumerate(self.ordered_leaves):
            walked, complete = self.walked_chains[id(leaf)]
            positions = [p for p in (self._position(c) for c in walked) if p is not None]
            trusted, reason = self._trust(number, leaf, walked, complete)
            signatures_ok = not any(id(c) in self.linker.bad_signature for c in walked)
            self.chains.append(
                ChainInfo(
                    certificates=tuple(self._cert_id(c) for c in walked),
                    leaf=self._cert_id(leaf),
                    as_given=_classify(positions),
                    complete=complete,
                    root_present=complete and id(walked[-1]) in self.by_cert,
                    signatures_ok=signatures_ok,
                    trusted=trusted,
                    trust_reason=reason,
                )
            )
            if number == 0:
                self.primary, self.primary_complete = walked, complete

    def _trust(
        self, number: int, leaf: x509.Certificate, walked: list[x509.Certificate], complete: bool
    ) -> tuple[bool | None, str | None]:
        """The trust verdict of one chain (None: not judged)."""
        implicit = not self.trust
        anchors = self.trust or ([walked[-1]] if complete and id(walked[-1]) in self.by_cert else [])
        if anchors and not (implicit and len(walked) == 1) and number < MAX_VALIDATED_CHAINS:
            intermediates = [c for c in self.input_cas if c != leaf]
            if self.purpose not in ("client", "server"):
                trusted, reason, _ = chain_validates(leaf, intermediates, anchors, at=self.now)
                return trusted, reason
            name = _leaf_name(leaf) if self.purpose == "server" else None
            if self.purpose == "server" and name is None:
                return False, "the certificate has no DNS name or IP address to check a server against"
            result = verify_chain(leaf, intermediates, anchors, at=self.now, purpose=self.purpose, name=name)
            return result.valid, result.reason
        if len(walked) == 1 and complete and (implicit or leaf in self.trust):
            return (None, None) if implicit else (True, "is a trust anchor")
        return None, None

    # -- findings families ---------------------------------------------------------------------------

    def chain_findings(self) -> None:
        """The primary chain's findings (order, completeness, trust...) and the certificates outside it."""
        if not self.primary:
            return
        self.findings.extend(
            _chain_findings(
                self.primary,
                self.primary_complete,
                self.chains[0],
                materials=self.materials,
                by_cert=self.by_cert,
                linker=self.linker,
                key_matched=self.key_matched,
                purpose=self.purpose,
                anchors_given=bool(self.trust),
                ordered_positions=self.ordered_positions,
                now=self.now,
            )
        )
        self.findings.extend(
            _unrelated(self.primary, self.primary_complete, self.ordered_leaves, self.walked_chains, self.by_cert)
        )

    def signature_findings(self) -> None:
        """Signatures that do not verify, AKI mismatches and issuers that cannot be told apart."""
        for key_id, (certificate, issuer) in self.linker.bad_signature.items():
            if key_id in self.by_cert:
                self.findings.append(
                    Finding(
                        "chain.signature",
                        Severity.ERROR,
                        f"{_label(certificate)} names {_label(issuer)} as its issuer, but that certificate's key "
                        "does not verify its signature",
                        "get the issuer certificate that really signed it (a re-keyed CA has the same name and a "
                        "new key), or have the certificate re-issued",
                        subject=rfc4514(certificate.subject),
                        certificates=(self.by_cert[key_id].id,),
                        path=self.by_cert[key_id].path,
                    )
                )
        self.findings.extend(_aki_mismatches(self.linker, self.by_cert, list(self.input_certs) + self.trust))
        self.findings.extend(_ambiguous_issuers(self.linker, self.input_certs))

    def report(self) -> ChainReport:
        all_entries = tuple(self.entries) + tuple(self.anchor_entries.values())
        order = {"error": 0, "warning": 1, "info": 2}
        self.findings.sort(key=lambda f: order.get(f.severity, 3))
        return ChainReport(
            chain=tuple(self.primary),
            findings=tuple(self.findings),
            inputs=tuple(self.inputs),
            certificates=all_entries,
            keys=tuple(self.keys),
            chains=tuple(self.chains),
            now=self.now,
            _by_id=self.entry_by_id,
            _self_signed=frozenset(e.id for e in all_entries if self.linker.self_signed(e.certificate)),
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
                    Severity.ERROR,
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
                    Severity.WARNING,
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
                    Severity.WARNING if len(by_cert) == 1 and not anchors_given else Severity.ERROR,
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
                Severity.WARNING,
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
                Severity.ERROR,
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

    def finding(code: str, severity: Severity, message: str, fix: str) -> Finding:
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
        return [finding("chain.no-end-entity", Severity.INFO, message, fix)]
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
                Severity.ERROR,
                f"{label} is a CA certificate (basicConstraints CA:TRUE) used as the end-entity certificate ({why})",
                reissue,
            )
        ]
    if "keyCertSign" not in key_usage(leaf):
        return [
            finding(
                "cert.ca-as-leaf",
                Severity.ERROR,
                f"{label} is a CA certificate (basicConstraints CA:TRUE) with the {' and '.join(roles)} usage but "
                "without keyCertSign: it cannot issue certificates, so it is an end-entity certificate wrongly marked "
                "as a CA",
                reissue,
            )
        ]
    return [
        finding(
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
                Severity.WARNING,
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
                Severity.WARNING,
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

    def finding(code: str, severity: Severity, message: str, fix: str) -> Finding:
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
                Severity.ERROR,
                f"{label} expired on {iso(not_after)}",
                "renew it: issue a new certificate (same key or a new one) and replace this one",
            )
        )
    elif is_not_yet_valid(not_before, now):
        findings.append(
            finding(
                "cert.not-yet-valid",
                Severity.ERROR,
                f"{label} is not valid before {iso(not_before)}",
                "wait until then, or check the clock of the machine that issued or checks it",
            )
        )
    elif expires_soon(not_after, now):
        days = days_until(not_after, now)
        findings.append(
            finding(
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
            finding(
                "cert.weak-key",
                Severity.ERROR,
                f"{label} has a {kind} {key.key_size}-bit key (under {MIN_RSA_BITS} bits)",
                "issue a new certificate with an RSA 2048+ or EC P-256 key",
            )
        )
    algorithm = signature_algorithm_name(certificate)
    if any(weak in algorithm.lower() for weak in _WEAK_HASHES) and not linker.self_signed(certificate):
        findings.append(
            finding(
                "cert.weak-signature",
                Severity.ERROR,
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
