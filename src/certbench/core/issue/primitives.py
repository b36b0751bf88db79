"""Issuing primitives: serials, hash choice, SKI/AKI, key usages, the builder and the signature."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.errors import IssuanceError, UsageError
from certbench.core.key_usage import key_usage_from_names

MIN_DAYS = 1
MAX_DAYS = 10950  # 30 years: a root CA's horizon; leaves are usually 365-1095 (ConnectPay) or 3650 (Axway)
SERIAL_BITS = 128


@dataclass(frozen=True)
class Issuer:
    """A CA able to sign: its certificate, private key and its own issuer chain (towards the root)."""

    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Issued:
    """A new certificate, the chain above it (issuer first, towards the root) and its key if made here."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key: CertificateIssuerPrivateKeyTypes | None = None
    notes: tuple[str, ...] = ()

    @property
    def anchor(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate


def random_serial() -> int:
    """A random positive serial of at most 128 bits (as ``-set_serial 0x$(openssl rand -hex 16)``)."""
    while True:
        value = secrets.randbits(SERIAL_BITS)
        if value:
            return value


def serial_from_name(name: str) -> int:
    """A stable positive 128-bit serial derived from ``name`` (the demo's reproducible material)."""
    value = int.from_bytes(hashlib.sha256(name.encode()).digest()[:16], "big")
    return value or 1


def _hash_for(
    key: CertificateIssuerPrivateKeyTypes, hash_name: str | None = None
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if hash_name:
        table: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
            "sha256": hashes.SHA256(),
            "sha384": hashes.SHA384(),
            "sha512": hashes.SHA512(),
        }
        chosen = table.get(hash_name.lower())
        if chosen is None:
            raise UsageError(f"digest {hash_name!r} is not supported: use sha256, sha384 or sha512")
        return chosen
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _start(now: datetime) -> datetime:
    return now.replace(microsecond=0)


def _ski(public_key: Any) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _aki(issuer_certificate: x509.Certificate | None, issuer_public_key: Any) -> x509.AuthorityKeyIdentifier:
    if issuer_certificate is not None:
        try:
            ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        except x509.ExtensionNotFound:
            pass
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key)


def _ca_key_usage() -> x509.KeyUsage:
    return key_usage_from_names(("keyCertSign", "cRLSign"))


def _leaf_key_usage(public_key: Any) -> x509.KeyUsage:
    """digitalSignature, and keyEncipherment for an RSA key (RSA key exchange)."""
    rsa_key = isinstance(public_key, rsa.RSAPublicKey)
    return key_usage_from_names(("digitalSignature", "keyEncipherment") if rsa_key else ("digitalSignature",))


def _builder(
    subject: x509.Name, issuer_name: x509.Name, public_key: Any, *, now: datetime, days: int, serial: int | None
) -> x509.CertificateBuilder:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise UsageError(f"days must be between {MIN_DAYS} and {MAX_DAYS} (got {days})")
    start = _start(now)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )


def _sign(builder: x509.CertificateBuilder, key: CertificateIssuerPrivateKeyTypes) -> x509.Certificate:
    try:
        return builder.sign(key, _hash_for(key))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise IssuanceError(f"cannot sign the certificate: {exc}") from exc
