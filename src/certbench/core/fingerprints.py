"""Certificate fingerprints in the forms people compare them in."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes


def sha256_colon(certificate: x509.Certificate) -> str:
    """``AB:CD:...``: upper-case colon-separated SHA-256, as ``openssl x509 -fingerprint -sha256`` and keytool print."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def sha1_colon(certificate: x509.Certificate) -> str:
    """Upper-case colon-separated SHA-1 (what older tools and Windows call the thumbprint)."""
    return certificate.fingerprint(hashes.SHA1()).hex(":").upper()


def x5t_s256(certificate: x509.Certificate) -> str:
    """RFC 8705 ``x5t#S256``: base64url of the SHA-256 of the DER, without padding."""
    return base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA256())).rstrip(b"=").decode("ascii")


def normalize_fingerprint(value: str) -> str:
    """Accept ``ab:cd..``, ``ABCD..`` or an x5t#S256 value; return the colon hex form of a SHA-256."""
    text = value.strip()
    hex_digits = text.replace(":", "").replace(" ", "")
    if len(hex_digits) == 64 and all(c in "0123456789abcdefABCDEF" for c in hex_digits):
        return bytes.fromhex(hex_digits).hex(":").upper()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) == 32:
        return raw.hex(":").upper()
    raise ValueError(f"{value!r} is not a SHA-256 fingerprint (64 hex digits) or an x5t#S256 value")
