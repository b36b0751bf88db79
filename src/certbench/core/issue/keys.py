"""Key types: parse, generate, recognise and serialize the private keys certbench makes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PrivateKeyTypes

from certbench.core.errors import IssuanceError, UsageError


class KeySpec(StrEnum):
    """Key types certbench generates (the spelling the CLI takes)."""

    RSA_2048 = "rsa:2048"
    RSA_3072 = "rsa:3072"
    RSA_4096 = "rsa:4096"
    EC_P256 = "ec:p256"
    EC_P384 = "ec:p384"

    @property
    def is_rsa(self) -> bool:
        return self.value.startswith("rsa:")

    @property
    def label(self) -> str:
        return {
            "rsa:2048": "RSA 2048",
            "rsa:3072": "RSA 3072",
            "rsa:4096": "RSA 4096",
            "ec:p256": "EC P-256",
            "ec:p384": "EC P-384",
        }[self.value]


def parse_key_spec(text: str) -> KeySpec:
    """``rsa:2048``, ``RSA2048``, ``ec:p-256``, ``p384`` ... -> :class:`KeySpec`."""
    key = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {
        "rsa:2048": KeySpec.RSA_2048,
        "rsa2048": KeySpec.RSA_2048,
        "rsa:3072": KeySpec.RSA_3072,
        "rsa3072": KeySpec.RSA_3072,
        "rsa:4096": KeySpec.RSA_4096,
        "rsa4096": KeySpec.RSA_4096,
        "ec:p256": KeySpec.EC_P256,
        "ecp256": KeySpec.EC_P256,
        "p256": KeySpec.EC_P256,
        "ec:prime256v1": KeySpec.EC_P256,
        "ec:secp256r1": KeySpec.EC_P256,
        "ec:p384": KeySpec.EC_P384,
        "ecp384": KeySpec.EC_P384,
        "p384": KeySpec.EC_P384,
        "ec:secp384r1": KeySpec.EC_P384,
    }
    spec = aliases.get(key)
    if spec is None:
        raise UsageError(f"key type {text!r} is not one of: {', '.join(s.value for s in KeySpec)}")
    return spec


def key_spec_of(key: PrivateKeyTypes) -> KeySpec:
    """The :class:`KeySpec` of an existing key (for keys loaded from files)."""
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size in (2048, 3072, 4096):
        return KeySpec(f"rsa:{key.key_size}")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in ("secp256r1", "secp384r1"):
        return KeySpec.EC_P256 if key.curve.name == "secp256r1" else KeySpec.EC_P384
    raise IssuanceError(f"unsupported key type {type(key).__name__}: use RSA 2048/3072/4096 or EC P-256/P-384")


def generate_key(spec: KeySpec) -> CertificateIssuerPrivateKeyTypes:
    """A new private key (RSA with e=65537)."""
    if spec.is_rsa:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(spec.value.split(":")[1]))
    return ec.generate_private_key(ec.SECP256R1() if spec is KeySpec.EC_P256 else ec.SECP384R1())


def key_spec_of_public(public_key: Any) -> KeySpec:
    """The :class:`KeySpec` of a certificate's or CSR's public key (a renewal's new key has the same)."""
    return _spec_of_public(public_key)


def _spec_of_public(public_key: Any) -> KeySpec:
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size in (2048, 3072, 4096):
            return KeySpec(f"rsa:{public_key.key_size}")
        if public_key.key_size < 2048:
            raise IssuanceError(f"RSA {public_key.key_size} is too weak: partners require at least 2048 bits")
        return KeySpec.RSA_4096
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name == "secp256r1":
            return KeySpec.EC_P256
        if public_key.curve.name == "secp384r1":
            return KeySpec.EC_P384
    raise IssuanceError(f"unsupported public key type {type(public_key).__name__}: use RSA or EC P-256/P-384")


def serialize_private_key(key: PrivateKeyTypes, password: bytes | None) -> bytes:
    """PKCS#8 PEM; encrypted (``ENCRYPTED PRIVATE KEY``, AES-256) unless ``password`` is None."""
    if password is not None and password == b"":
        raise UsageError("an empty key password is not allowed: give one, or choose no password explicitly")
    algorithm: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password is not None else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, algorithm)


def as_issuer_key(key: PrivateKeyTypes) -> CertificateIssuerPrivateKeyTypes:
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        return key
    raise IssuanceError(f"a {type(key).__name__} cannot sign certificates")
