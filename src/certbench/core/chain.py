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

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.chain_findings import (
    PrimaryChain,
    about,
    aki_mismatches,
    ambiguous_issuers,
    bad_signatures,
    certificate_findings,
    classify,
    keystore_entry_findings,
    primary_chain_findings,
    quoted,
    unrelated,
)
from certbench.core.describe import certificate_damage, is_ca, public_key_info, subject_alt_names
from certbench.core.errors import CertbenchError, PasswordError
from certbench.core.formats.material import Material
from certbench.core.linking import Linker, spki_der
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
from certbench.core.verify import chain_validates, verify_chain

#: Chains validated against the anchors (the best chains first); a 5,000-leaf bundle is not validated 5,000 times.
MAX_VALIDATED_CHAINS = 32
MAX_INTERMEDIATES = 256


def chain_pem(chain: Sequence[x509.Certificate]) -> bytes:
    """PEM blocks in the given order (leaf first for a fixed chain), a blank line between blocks."""
    blocks = [c.public_bytes(serialization.Encoding.PEM).strip() for c in chain]
    return b"\n\n".join(blocks) + b"\n"


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
            self.findings.extend(certificate_findings(entry, self.now, self.linker))
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
            message = _naming(error.path, error.message)
            self.findings.append(Finding(code, Severity.ERROR, message, fix, path=error.path))

    def read_material(self, m_index: int, material: Material) -> None:
        """One input's certificates (each once, with its position) and keys."""
        self.inputs.append(InputInfo(path=material.path, format=str(material.format)))
        for problem in material.problems:
            self.findings.append(
                Finding(
                    "input.unreadable",
                    Severity.ERROR,
                    _naming(material.path, problem),
                    "get the file again from its source: part of it is cut off or damaged",
                    path=material.path,
                )
            )
        self.findings.extend(keystore_entry_findings(material))
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
                    about(
                        entry,
                        "chain.duplicate",
                        Severity.WARNING,
                        f"{quoted(certificate)} appears more than once in {material.path}",
                        "keep one copy of each certificate (the fixed chain certbench writes has none)",
                        in_file=material.path,
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
                    as_given=classify(positions),
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
            primary_chain_findings(
                PrimaryChain(
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
        )
        self.findings.extend(
            unrelated(self.primary, self.primary_complete, self.ordered_leaves, self.walked_chains, self.by_cert)
        )

    def signature_findings(self) -> None:
        """Signatures that do not verify, AKI mismatches and issuers that cannot be told apart."""
        self.findings.extend(bad_signatures(self.linker, self.by_cert))
        self.findings.extend(aki_mismatches(self.linker, self.by_cert, list(self.input_certs) + self.trust))
        self.findings.extend(ambiguous_issuers(self.linker, self.input_certs))

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


def _naming(path: str | None, message: str) -> str:
    """An input finding names its file (a finding is read alone: in the TUI, in JSON, in a ticket)."""
    return message if not path or message.startswith(path) else f"{path}: {message}"
