"""PEM: split a text into its blocks (linear in the input size, however hostile) and read each one.

Used by :mod:`certbench.core.formats.load`, which detects the format; a damaged or foreign block is a
problem on the :class:`Material`, not a failure, unless nothing readable is left.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Generator, Iterator

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7

from certbench.core.errors import FormatError, PasswordError
from certbench.core.formats.der import (
    INHERITED_DSA,
    der_length,
    inherits_dsa_parameters,
    one_line,
    openssl_reason,
    quiet_ber_fallback,
)
from certbench.core.formats.material import Format, Material

#: Problems listed one by one per PEM file; the rest are counted in one more line (a file of a million
#: unterminated BEGIN lines gives 21 findings, not a million).
MAX_PEM_PROBLEMS = 20

_CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE")
_CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
#: Blocks that come with other blocks and carry nothing to read (``openssl ecparam -genkey`` output).
_IGNORED_LABELS = ("EC PARAMETERS",)
#: Blocks that are not X.509 material, named so the message says what the file is.
FOREIGN_LABELS = {
    "PUBLIC KEY": "a public key (certbench reads certificates, private keys and CSRs)",
    "RSA PUBLIC KEY": "an RSA public key (certbench reads certificates, private keys and CSRs)",
    "X509 CRL": "a certificate revocation list (CRL), not a certificate",
    "DH PARAMETERS": "Diffie-Hellman parameters, not a certificate",
    "SSH2 PUBLIC KEY": "an SSH public key, not an X.509 certificate",
    "PGP PUBLIC KEY BLOCK": "an OpenPGP key, not an X.509 certificate",
    "PGP PRIVATE KEY BLOCK": "an OpenPGP private key, not an X.509 key",
    "PGP MESSAGE": "an OpenPGP message, not a certificate",
    "PGP SIGNATURE": "an OpenPGP signature, not a certificate",
}


def load_pem(data: bytes, path: str, password: bytes | None) -> Material:
    certificates: list[x509.Certificate] = []
    keys: list[PrivateKeyTypes] = []
    csrs: list[x509.CertificateSigningRequest] = []
    problems: list[str] = []
    problem_count = 0
    first_foreign: str | None = None  # what the first foreign block is (a CRL, a public key...)
    foreign_count = 0

    def note(problem: str) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_PEM_PROBLEMS:
            problems.append(problem)

    kinds: set[str] = set()
    parsed: dict[bytes, x509.Certificate] = {}
    index = 0
    for label, block, count in pem_blocks(data):
        index += count
        if block is None:  # the common problem of hostile files: counted without building its message
            problem_count += count
            if count == 1 and len(problems) < MAX_PEM_PROBLEMS:
                name = _printable(label)
                problems.append(
                    f"PEM block {index} ({name}) is cut off: no '-----END {name}-----' line (truncated file?)"
                )
            continue
        where = f"PEM block {index} ({_printable(label)})"
        if label in _IGNORED_LABELS:
            continue
        kinds.add(label)
        try:
            if label in _CERTIFICATE_LABELS:
                certificate = parsed.get(block)
                if certificate is None:  # a block repeated a thousand times is parsed (and held) once
                    certificate = parsed[block] = x509.load_pem_x509_certificate(block)
                certificates.append(certificate)
            elif label == "TRUSTED CERTIFICATE":
                certificates.append(_load_trusted_certificate(block))
            elif label == "PKCS7":
                with quiet_ber_fallback():
                    found = pkcs7.load_pem_pkcs7_certificates(block)
                certificates.extend(found)
            elif label in _CSR_LABELS:
                csrs.append(x509.load_pem_x509_csr(block))
            elif label.endswith("PRIVATE KEY"):
                keys.append(_load_pem_key(block, label, password))
            elif label in FOREIGN_LABELS:
                first_foreign = first_foreign or FOREIGN_LABELS[label]
                foreign_count += 1
                note(f"{where} is {FOREIGN_LABELS[label]}; skipped")
            else:
                note(f"{where} is not something certbench reads; skipped")
        except x509.InvalidVersion as exc:
            note(f"{where} is damaged: invalid version field ({exc.parsed_version})")
        except InternalError as exc:  # OpenSSL refusing key material cryptography passed on (X448 OID, 32 bytes)
            note(f"{where} is damaged: OpenSSL rejects its key material ({openssl_reason(exc)})")
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            if label in _CERTIFICATE_LABELS and inherits_dsa_parameters(_pem_der(block)):
                note(f"{where} {INHERITED_DSA}")
            else:
                note(f"{where} is damaged: {_pem_reason(exc)}")
    if not certificates and not keys and not csrs:
        if first_foreign and foreign_count == problem_count:
            raise FormatError(f"holds {first_foreign}")
        if problems:
            raise FormatError(problems[0])
        raise FormatError("has a '-----BEGIN' marker but no complete PEM block (truncated?)")
    if problem_count > len(problems):
        problems.append(
            f"and {problem_count - len(problems)} more PEM blocks cut off, damaged or skipped "
            f"({problem_count} in all; the first {len(problems)} are listed)"
        )
    if certificates:
        fmt = Format.PKCS7 if kinds == {"PKCS7"} else Format.PEM
    elif keys:
        fmt = Format.KEY
    else:
        fmt = Format.CSR
    return Material(
        path=path,
        format=fmt,
        certificates=tuple(certificates),
        keys=tuple(keys),
        csrs=tuple(csrs),
        problems=tuple(problems),
    )


def _pem_reason(exc: BaseException) -> str:
    text = str(exc)
    if "See https://cryptography.io" in text or "Unable to load PEM" in text or "MalformedFraming" in text:
        return "its base64 content does not decode (a changed or missing character?)"
    if "no certificates" in text.lower():
        return "it holds no certificate"
    return one_line(exc)


def _pem_der(block: bytes) -> bytes:
    """The DER inside one PEM block (b"" when its base64 does not decode)."""
    body = b"".join(line for line in block.splitlines() if line and not line.startswith(b"-----"))
    try:
        return base64.b64decode(body, validate=False)
    except ValueError:
        return b""


def _load_trusted_certificate(block: bytes) -> x509.Certificate:
    """OpenSSL's ``-trustout`` form: a DER certificate followed by trust settings; read the certificate."""
    der = _pem_der(block)
    length = der_length(der)
    return x509.load_der_x509_certificate(der[:length])


def _load_pem_key(block: bytes, label: str, password: bytes | None) -> PrivateKeyTypes:
    if label == "OPENSSH PRIVATE KEY":
        return _load_openssh_key(block, password)
    encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    if encrypted and not password:
        raise PasswordError("holds an encrypted private key", missing=True)
    try:
        return serialization.load_pem_private_key(block, password=password if encrypted else None)
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise PasswordError("wrong password for the encrypted private key") from exc
        raise


def _load_openssh_key(block: bytes, password: bytes | None) -> PrivateKeyTypes:
    try:
        key = serialization.load_ssh_private_key(block, password=password or None)
    except TypeError as exc:
        if not password:
            raise PasswordError("holds an encrypted OpenSSH private key", missing=True) from exc
        raise PasswordError("wrong password for the encrypted OpenSSH private key") from exc
    except ValueError as exc:
        if password and "password" in str(exc).lower():
            raise PasswordError("wrong password for the encrypted OpenSSH private key") from exc
        raise
    except UnsupportedAlgorithm as exc:  # encrypted OpenSSH keys need the optional bcrypt module
        raise FormatError(
            "holds an encrypted OpenSSH private key, which certbench cannot decrypt; convert it to PKCS#8 with "
            "'ssh-keygen -p -m PKCS8 -f FILE' (keeps the passphrase)"
        ) from exc
    return key


#: A complete PEM block: BEGIN line, a body without five dashes in a row, the END line of the same label.
#: Atomic and possessive groups never backtrack, so one left-to-right pass finds every block in C (a
#: file of nothing but unterminated ``-----BEGIN CERTIFICATE-----`` lines used to be re-scanned to its end
#: once per line: 128,000 such lines took five minutes).
_PEM_BLOCK = re.compile(r"-----BEGIN (?>([^\n]*?)-----)((?:[^-]++|-(?!----))*+)-----END \1-----")
#: A BEGIN marker, with its label when the closing dashes are on the same line.
_PEM_BEGIN = re.compile(r"-----BEGIN (?:([^\n]*?)-----)?")
_BEGIN = "-----BEGIN "

#: One entry of :func:`pem_blocks`: (label, block or None when cut off, how many blocks it stands for).
_PemEntry = tuple[str, bytes | None, int]


def pem_blocks(data: bytes, *, detail: int = MAX_PEM_PROBLEMS + 1) -> Iterator[_PemEntry]:
    """Split ``data`` into PEM blocks in order, ignoring text around them; linear in the input size.

    A block without its END line (a truncated file, or a BEGIN followed by another BEGIN) comes with
    ``None`` so the caller can report it and still read the others. The first ``detail`` of those come
    one by one with their label; the others are counted, one entry per run, never one by one.
    """
    text = data.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
    position = 0
    for block in _PEM_BLOCK.finditer(text):
        detail -= yield from _cut_off(text, position, block.start(), detail)
        yield block.group(1), text[block.start() : block.end()].encode("latin-1") + b"\n", 1
        position = block.end()
    yield from _cut_off(text, position, len(text), detail)


def _cut_off(text: str, start: int, end: int, detail: int) -> Generator[_PemEntry, None, int]:
    """The BEGIN markers in ``text[start:end]`` (none of them has its END): ``detail`` of them one by one,
    the rest as one counted entry. Returns how many were given one by one."""
    total = text.count(_BEGIN, start, end)
    shown = 0
    if total and detail > 0:
        for marker in _PEM_BEGIN.finditer(text, start, end):
            label = marker.group(1)
            if label is None:  # no closing dashes on the BEGIN line: name what follows it
                line_end = text.find("\n", marker.end(), marker.end() + 80)
                label = text[marker.end() : line_end if line_end >= 0 else marker.end() + 80].strip()[:40]
            yield label, None, 1
            shown += 1
            if shown == detail:
                break
    if total > shown:
        yield "", None, total - shown
    return shown


def _printable(label: str) -> str:
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in label)
    return cleaned[:40]
