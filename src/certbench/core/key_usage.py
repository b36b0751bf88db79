"""keyUsage bits under the names openssl uses, in one table for reading, writing and partner rules."""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509

from certbench.core.errors import UsageError

#: (openssl name, cryptography's KeyUsage attribute), in the bit order of RFC 5280.
KEY_USAGE_BITS: tuple[tuple[str, str], ...] = (
    ("digitalSignature", "digital_signature"),
    ("nonRepudiation", "content_commitment"),
    ("keyEncipherment", "key_encipherment"),
    ("dataEncipherment", "data_encipherment"),
    ("keyAgreement", "key_agreement"),
    ("keyCertSign", "key_cert_sign"),
    ("cRLSign", "crl_sign"),
    ("encipherOnly", "encipher_only"),
    ("decipherOnly", "decipher_only"),
)
#: Lower-cased names accepted when reading (openssl config style), including X.509's newer "contentCommitment".
_ATTRIBUTE_BY_NAME = {name.lower(): attribute for name, attribute in KEY_USAGE_BITS} | {
    "contentcommitment": "content_commitment"
}
_AGREEMENT_ONLY = ("encipher_only", "decipher_only")


def key_usage_attribute(name: str) -> str:
    """cryptography's attribute for an openssl key-usage name (any case); UsageError for an unknown name."""
    attribute = _ATTRIBUTE_BY_NAME.get(name.strip().lower())
    if attribute is None:
        known = ", ".join(name for name, _ in KEY_USAGE_BITS)
        raise UsageError(f"unknown key usage {name!r}; known: {known}")
    return attribute


def key_usage_from_names(names: Iterable[str]) -> x509.KeyUsage:
    """``["digitalSignature", "keyEncipherment"]`` -> KeyUsage (openssl names)."""
    flags = {attribute: False for _, attribute in KEY_USAGE_BITS}
    for name in names:
        flags[key_usage_attribute(name)] = True
    if not flags["key_agreement"] and any(flags[attribute] for attribute in _AGREEMENT_ONLY):
        raise UsageError("key usage encipherOnly and decipherOnly need keyAgreement too")
    return x509.KeyUsage(**flags)


def key_usage_names(usage: x509.KeyUsage) -> tuple[str, ...]:
    """The bits set in ``usage`` as openssl names them (encipherOnly/decipherOnly only with keyAgreement)."""
    return tuple(
        name
        for name, attribute in KEY_USAGE_BITS
        if (attribute not in _AGREEMENT_ONLY or usage.key_agreement) and getattr(usage, attribute)
    )


def has_key_usage(usage: x509.KeyUsage, name: str) -> bool:
    attribute = key_usage_attribute(name)
    return (attribute not in _AGREEMENT_ONLY or usage.key_agreement) and bool(getattr(usage, attribute))
