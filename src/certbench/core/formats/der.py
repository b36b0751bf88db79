"""Helpers the PEM and binary readers share: DER element lengths, the BER warning to silence, DSA keys
without parameters, and the one-line wording of library errors."""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator

from cryptography.exceptions import InternalError


@contextlib.contextmanager
def quiet_ber_fallback() -> Iterator[None]:
    """openssl crl2pkcs7 writes its certificate SET unsorted (BER, not DER); cryptography reads it and warns.
    That is how the most common tool makes .p7b files, not a defect to show on the user's terminal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PKCS#7 certificates could not be parsed as DER")
        yield


#: An AlgorithmIdentifier that is the DSA key OID alone: a DSA key inheriting its issuer's parameters.
_DSA_WITHOUT_PARAMETERS = bytes.fromhex("300906072a8648ce380401")
INHERITED_DSA = (
    "is an X.509 certificate whose DSA key has no parameters of its own (it inherits them from its issuer's "
    "certificate, as in the NIST PKITS tests): neither certbench nor OpenSSL 3 can use such a key; have the "
    "certificate re-issued with the DSA parameters in it, or with an RSA or EC key"
)


def inherits_dsa_parameters(der: bytes) -> bool:
    return _DSA_WITHOUT_PARAMETERS in der


def openssl_reason(exc: InternalError) -> str:
    """The short OpenSSL reason ('key setup failed') from cryptography's multi-line InternalError."""
    found = re.findall(r":([a-z][a-z ]+):crypto/", str(exc))
    return found[-1] if found else "unknown OpenSSL error"


def declared_der_length(der: bytes) -> int | None:
    """The length the outer DER element declares, or None (BER indefinite length, not a SEQUENCE)."""
    try:
        return der_length(der)
    except ValueError:
        return None


def der_length(der: bytes) -> int:
    """Total length of the first DER element (tag, length, content)."""
    if len(der) < 2 or der[0] != 0x30:
        raise ValueError("not a DER SEQUENCE")
    first = der[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(der) < 2 + count:
        raise ValueError("bad DER length")
    return 2 + count + int.from_bytes(der[2 : 2 + count], "big")


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] if text else type(exc).__name__
