"""Who issued whom: the primitives chain building is made of.

A link is confirmed by the signature (``verify_directly_issued_by``), never by names alone. Candidates
are found through an index by subject name, so building a chain is near-linear in the input size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

MAX_CHAIN_LENGTH = 16


def is_issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name matches and its key verifies ``child``'s signature."""
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
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


class IssuerIndex:
    """Certificates indexed by subject, to find a certificate's issuer without all-pairs checks."""

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        self._by_subject: dict[x509.Name, list[x509.Certificate]] = defaultdict(list)
        for certificate in certificates:
            bucket = self._by_subject[certificate.subject]
            if certificate not in bucket:
                bucket.append(certificate)

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        """Certificates whose signature verifies ``certificate`` (excluding itself)."""
        return [
            candidate
            for candidate in self._by_subject.get(certificate.issuer, [])
            if candidate != certificate and is_issued_by(certificate, candidate)
        ]


def end_entities(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The certificates that issued none of the others (the leaves), each once, in input order.
    A lone certificate, even a self-signed root, is its own end entity."""
    index = IssuerIndex(certificates)
    issuers = {issuer for certificate in certificates for issuer in index.issuers_of(certificate)}
    leaves: list[x509.Certificate] = []
    for certificate in certificates:
        if certificate not in issuers and certificate not in leaves:
            leaves.append(certificate)
    return leaves


def complete_chain(
    leaf: x509.Certificate, pool: Sequence[x509.Certificate] | IssuerIndex
) -> tuple[list[x509.Certificate], bool]:
    """Follow issuers from ``leaf`` through ``pool``: (chain leaf first, ends at a self-signed root?)."""
    index = pool if isinstance(pool, IssuerIndex) else IssuerIndex(pool)
    chain = [leaf]
    current = leaf
    while len(chain) < MAX_CHAIN_LENGTH:
        if is_self_signed(current):
            return chain, True
        issuers = [c for c in index.issuers_of(current) if c not in chain]
        if not issuers:
            return chain, False
        # Prefer the issuer that is itself still valid the longest (a re-issued CA), deterministic order.
        issuers.sort(key=lambda c: (c.not_valid_after_utc, c.serial_number), reverse=True)
        current = issuers[0]
        chain.append(current)
    return chain, False
