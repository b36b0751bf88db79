"""Who issued whom: the primitives chain building is made of.

A link is confirmed by the signature (:func:`is_issued_by`), never by names alone. Candidates are found
through an index by subject name and key identifier, and at most :data:`MAX_SIGNATURE_TRIALS` signatures
are checked per certificate, so building chains is linear in the input size whatever its shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

from certbench.core.describe import key_identifiers, names

MAX_CHAIN_LENGTH = 16
#: Signature checks tried per certificate to find its issuer among same-named candidates. Real bundles
#: have one candidate, a re-keyed CA two or three (and its Authority Key Identifier usually picks the right
#: one at once); more than this many same-named issuers is reported as ``chain.ambiguous-issuers``.
MAX_SIGNATURE_TRIALS = 4


def is_issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name matches and its key verifies ``child``'s signature.

    The one signature rule of certbench (the doctor, rules, keystores, JAR checklist, bindings, verify):
    cryptography's check, plus the algorithms its shortcut refuses (SHA-1 with ECDSA/DSA, MD5) verified by
    hand, so a weak signature is reported as weak, not as broken.
    """
    try:
        child.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):  # names differ, or an algorithm the shortcut refuses
        return names(child)[1] == names(issuer)[0] and _verified_by_hand(child, issuer)
    return True


def _verified_by_hand(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        key = issuer.public_key()
        algorithm = child.signature_hash_algorithm
        signature, data = child.signature, child.tbs_certificate_bytes
        if algorithm is None:
            return False
        if isinstance(key, rsa.RSAPublicKey):
            parameters = child.signature_algorithm_parameters
            key.verify(signature, data, parameters if parameters is not None else padding.PKCS1v15(), algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, algorithm)
        else:
            return False
    except Exception:  # noqa: BLE001 - any failure (bad signature, odd parameters) means "not signed by"
        return False
    return True


def spki_der(holder: Any) -> bytes | None:
    """The DER SubjectPublicKeyInfo of a certificate, CSR, private or public key; None for a key type that
    cryptography cannot serialise. Two holders with the same SPKI share one key pair."""
    try:
        public = holder.public_key() if hasattr(holder, "public_key") else holder
        der: bytes = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # noqa: BLE001 - unsupported algorithms and odd parameters: nothing to compare
        return None
    return der


def same_key(first: Any, second: Any) -> bool:
    """Do two holders (a key and a certificate, a certificate and a CSR...) carry the same public key?"""
    first_der = spki_der(first)
    return first_der is not None and first_der == spki_der(second)


def is_self_signed(certificate: x509.Certificate) -> bool:
    """Self-issued and verifiable with its own key (a root, or a lone self-signed certificate)."""
    return certificate.issuer == certificate.subject and is_issued_by(certificate, certificate)


class Linker:
    """Who issued whom, through an index by subject name and by key identifier; every link confirmed by
    signature, each certificate's issuers looked up once.

    Candidates for a certificate's issuer are the certificates named as its issuer; when it carries an
    Authority Key Identifier, only those whose Subject Key Identifier matches it (or that have none). They
    are tried best first (from the input, then valid the longest, then the highest serial), at most
    :data:`MAX_SIGNATURE_TRIALS` of them: a bundle of thousands of same-named CAs costs a bounded number
    of signature checks per certificate instead of thousands (``trials`` counts them all).
    """

    def __init__(self, certificates: Iterable[x509.Certificate], anchors: Iterable[x509.Certificate] = ()) -> None:
        inputs = list(certificates)
        # Keyed by id(): the certificates are the same objects throughout one analysis, and hashing a
        # certificate hashes its DER (microseconds each, a second over a 5,000-certificate bundle).
        self._inputs = {id(c) for c in inputs}
        by_subject: dict[x509.Name, list[x509.Certificate]] = defaultdict(list)
        seen: set[x509.Certificate] = set()  # equal certificates (two copies of one CA) are indexed once
        for certificate in inputs + list(anchors):
            if certificate not in seen:
                seen.add(certificate)
                by_subject[names(certificate)[0]].append(certificate)
        self._by_subject: dict[x509.Name, list[x509.Certificate]] = {}
        self._by_key_id: dict[tuple[x509.Name, str | None], list[x509.Certificate]] = defaultdict(list)
        for name, bucket in by_subject.items():
            bucket.sort(key=self._preference, reverse=True)
            self._by_subject[name] = bucket
            for candidate in bucket:
                self._by_key_id[name, key_identifiers(candidate)[0]].append(candidate)
        self._issuers: dict[int, list[x509.Certificate]] = {}
        self._self_signed: dict[int, bool] = {}
        #: Signature verifications done so far (what bounds the work; tests count it).
        self.trials = 0
        #: id -> (certificate, named issuer) where the issuer's name (and key id) matched but its key did not verify.
        self.bad_signature: dict[int, tuple[x509.Certificate, x509.Certificate]] = {}
        #: id -> certificate whose issuer was not among the candidates tried (more same-named issuers than tried).
        self.undecided: dict[int, x509.Certificate] = {}
        #: id -> certificate linked to an issuer whose SKI is not the key its AKI names (chain.aki-mismatch).
        self.aki_mismatch: dict[int, x509.Certificate] = {}

    def _preference(self, certificate: x509.Certificate) -> tuple[bool, datetime, int]:
        """Prefer a certificate from the input, then the one valid the longest (a re-issued CA)."""
        return id(certificate) in self._inputs, certificate.not_valid_after_utc, certificate.serial_number

    def _verify(self, child: x509.Certificate, issuer: x509.Certificate) -> bool:
        self.trials += 1
        return is_issued_by(child, issuer)

    def self_signed(self, certificate: x509.Certificate) -> bool:
        known = self._self_signed.get(id(certificate))
        if known is None:
            subject, issuer = names(certificate)
            known = subject == issuer and self._verify(certificate, certificate)
            self._self_signed[id(certificate)] = known
        return known

    def candidates(self, certificate: x509.Certificate) -> tuple[list[x509.Certificate], bool]:
        """The certificates that may have issued ``certificate``, best first, at most
        :data:`MAX_SIGNATURE_TRIALS` of them; and whether more were left out."""
        issuer_name = names(certificate)[1]
        _, aki = key_identifiers(certificate)
        found = self._by_subject.get(issuer_name, [])
        total = len(found)
        head = found[: MAX_SIGNATURE_TRIALS + 1]
        if aki is not None:  # AKI/SKI narrow the candidates when both are present; the signature decides
            keyed, unkeyed = self._by_key_id.get((issuer_name, aki), []), self._by_key_id.get((issuer_name, None), [])
            if keyed or unkeyed:  # both lists are best first: the best of both are in their heads
                total = len(keyed) + len(unkeyed)
                merged = keyed[: MAX_SIGNATURE_TRIALS + 1] + unkeyed[: MAX_SIGNATURE_TRIALS + 1]
                head = sorted(merged, key=self._preference, reverse=True)[: MAX_SIGNATURE_TRIALS + 1]
            # else no key id matches: the name alone (a damaged AKI, or a re-keyed CA to report)
        others = [c for c in head if c is not certificate]
        more = total > len(head) or len(others) > MAX_SIGNATURE_TRIALS  # itself is not a candidate
        return others[:MAX_SIGNATURE_TRIALS], more

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        """The candidates whose key verifies ``certificate``, best first; none for a self-signed one."""
        known = self._issuers.get(id(certificate))
        if known is not None:
            return known
        verified: list[x509.Certificate] = []
        if not self.self_signed(certificate):
            candidates, more = self.candidates(certificate)
            verified = [c for c in candidates if self._verify(certificate, c)]
            aki = key_identifiers(certificate)[1]
            if not verified and aki is not None:
                verified = self._signed_under_another_key_id(certificate, candidates)
            if verified and aki is not None and key_identifiers(verified[0])[0] not in (aki, None):
                # Linked by name and signature although the AKI names another key: Java accepts such a chain,
                # OpenSSL-based peers refuse it (reported as chain.aki-mismatch, not as a bad signature).
                self.aki_mismatch[id(certificate)] = certificate
            if not verified and more:
                self.undecided[id(certificate)] = certificate
            elif not verified and candidates:
                self.bad_signature[id(certificate)] = (certificate, candidates[0])
        self._issuers[id(certificate)] = verified
        return verified

    def _signed_under_another_key_id(
        self, certificate: x509.Certificate, tried: Sequence[x509.Certificate]
    ) -> list[x509.Certificate]:
        """Same-named certificates outside the key-identifier match that verify ``certificate`` (bounded too)."""
        skipped = {id(c) for c in tried} | {id(certificate)}
        others = [c for c in self._by_subject.get(names(certificate)[1], []) if id(c) not in skipped]
        return [c for c in others[:MAX_SIGNATURE_TRIALS] if self._verify(certificate, c)]

    def issuer(self, certificate: x509.Certificate) -> x509.Certificate | None:
        """The best verified issuer of ``certificate`` (None for a root, or when none verifies)."""
        verified = self.issuers_of(certificate)
        return verified[0] if verified else None

    def crowded_names(self) -> list[tuple[x509.Name, int]]:
        """Names held by more certificates than one certificate's issuer search tries (most first)."""
        crowded = [
            (name, len(bucket)) for name, bucket in self._by_subject.items() if len(bucket) > MAX_SIGNATURE_TRIALS
        ]
        return sorted(crowded, key=lambda item: item[1], reverse=True)

    def walk(self, leaf: x509.Certificate) -> tuple[list[x509.Certificate], bool]:
        """(chain leaf first, ends at a self-signed root?)."""
        chain = [leaf]
        current = leaf
        while len(chain) < MAX_CHAIN_LENGTH:
            if self.self_signed(current):
                return chain, True
            parent = next((c for c in self.issuers_of(current) if c not in chain), None)
            if parent is None:
                return chain, False
            chain.append(parent)
            current = parent
        return chain, False


def end_entities(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The certificates that issued none of the others (the leaves), each once, in input order.
    A lone certificate, even a self-signed root, is its own end entity."""
    linker = Linker(certificates)
    issuers = {issuer for certificate in certificates for issuer in linker.issuers_of(certificate)}
    leaves: list[x509.Certificate] = []
    seen: set[x509.Certificate] = set()
    for certificate in certificates:
        if certificate not in issuers and certificate not in seen:
            seen.add(certificate)
            leaves.append(certificate)
    return leaves


def complete_chain(
    leaf: x509.Certificate, pool: Sequence[x509.Certificate] | Linker
) -> tuple[list[x509.Certificate], bool]:
    """Follow issuers from ``leaf`` through ``pool``: (chain leaf first, ends at a self-signed root?)."""
    linker = pool if isinstance(pool, Linker) else Linker(pool)
    return linker.walk(leaf)
