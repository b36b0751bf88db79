"""Detect a file's format from its content and load it into a :class:`Material`.

Supported here: PEM (any number of blocks, text around them), DER certificates, PKCS#7 (PEM/DER),
PKCS#12, private keys, CSRs. Keystores (JKS/JCEKS/BKS) and keystore JARs are added by their modules.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from certbench.core.errors import CertbenchError, FormatError, PasswordError
from certbench.core.formats.material import Format, KeyEntry, Material

MAX_INPUT_BYTES = 64 * 1024 * 1024


def load_file(path: str | Path, password: bytes | None = None) -> Material:
    """Read ``path`` and load it; every failure is a :class:`CertbenchError` naming the file."""
    source = Path(path)
    try:
        if source.is_dir():
            raise FormatError("is a directory, not a file", path=source)
        size = source.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise FormatError(f"is {size} bytes, larger than the {MAX_INPUT_BYTES} bytes certbench reads", path=source)
        data = source.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror or exc}", path=source) from exc
    return load_material(data, path=str(source), password=password)


def load_material(data: bytes, *, path: str, password: bytes | None = None) -> Material:
    """Load ``data`` (the content of ``path``), detecting its format from the bytes."""
    try:
        if not data.strip():
            raise FormatError("is empty")
        if b"-----BEGIN" in data:
            return _load_pem(data, path, password)
        return _load_binary(data, path, password)
    except CertbenchError as exc:
        raise exc.with_path(path) from exc.__cause__


def _load_binary(data: bytes, path: str, password: bytes | None) -> Material:
    try:
        certificate = x509.load_der_x509_certificate(data)
        return Material(path=path, format=Format.DER, certificates=(certificate,))
    except ValueError:
        pass
    try:
        certificates = pkcs7.load_der_pkcs7_certificates(data)
        return Material(path=path, format=Format.PKCS7, certificates=tuple(certificates))
    except ValueError:
        pass
    if data[:1] == b"\x30":
        material = _try_pkcs12(data, path, password)
        if material is not None:
            return material
    raise FormatError("not a certificate, key, CSR or keystore certbench can read")


def _try_pkcs12(data: bytes, path: str, password: bytes | None) -> Material | None:
    try:
        bundle = pkcs12.load_pkcs12(data, password)
    except ValueError as exc:
        if "password" in str(exc).lower() or "mac" in str(exc).lower():
            if not password:
                raise PasswordError("is a PKCS#12 file protected by a password: give it", missing=True) from exc
            raise PasswordError("wrong password for this PKCS#12 file") from exc
        return None
    certificates: list[x509.Certificate] = []
    aliases: list[str | None] = []
    key_entries: list[KeyEntry] = []
    if bundle.cert is not None:
        certificates.append(bundle.cert.certificate)
        aliases.append(_friendly(bundle.cert.friendly_name))
    for extra in bundle.additional_certs:
        certificates.append(extra.certificate)
        aliases.append(_friendly(extra.friendly_name))
    if bundle.key is not None:
        key_entries.append(KeyEntry(key=bundle.key, chain=tuple(certificates), alias=aliases[0] if aliases else None))
    return Material(
        path=path,
        format=Format.PKCS12,
        certificates=tuple(certificates),
        keys=(bundle.key,) if bundle.key is not None else (),
        key_entries=tuple(key_entries),
        aliases=tuple(aliases),
        ordered=False,
    )


def _friendly(name: bytes | None) -> str | None:
    return name.decode("utf-8", "replace") if name else None


def _load_pem(data: bytes, path: str, password: bytes | None) -> Material:
    certificates: list[x509.Certificate] = []
    keys: list[PrivateKeyTypes] = []
    csrs: list[x509.CertificateSigningRequest] = []
    problems: list[str] = []
    kinds: set[str] = set()
    for index, (label, block) in enumerate(_pem_blocks(data), start=1):
        kinds.add(label)
        try:
            if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                certificates.append(x509.load_pem_x509_certificate(block))
            elif label == "PKCS7":
                certificates.extend(pkcs7.load_pem_pkcs7_certificates(block))
            elif label in ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"):
                csrs.append(x509.load_pem_x509_csr(block))
            elif label.endswith("PRIVATE KEY"):
                keys.append(_load_pem_key(block, label, password))
            else:
                problems.append(f"PEM block {index} ({label}) is not something certbench reads; skipped")
        except ValueError as exc:
            problems.append(f"PEM block {index} ({label}) is damaged: {exc}")
    if not certificates and not keys and not csrs:
        if problems:
            raise FormatError(problems[0])
        raise FormatError("has a '-----BEGIN' marker but no complete PEM block (truncated?)")
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


def _load_pem_key(block: bytes, label: str, password: bytes | None) -> PrivateKeyTypes:
    encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    if encrypted and not password:
        raise PasswordError("holds an encrypted private key: give its password", missing=True)
    try:
        return serialization.load_pem_private_key(block, password=password if encrypted else None)
    except ValueError as exc:
        if encrypted:
            raise PasswordError("wrong password for the encrypted private key") from exc
        raise


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Split ``data`` into (label, block) pairs, ignoring text around blocks; notes an unterminated block."""
    text = data.decode("latin-1").replace("\r\n", "\n")
    blocks: list[tuple[str, bytes]] = []
    position = 0
    while True:
        start = text.find("-----BEGIN ", position)
        if start < 0:
            return blocks
        label_end = text.find("-----", start + 11)
        if label_end < 0:
            return blocks
        label = text[start + 11 : label_end]
        end_marker = f"-----END {label}-----"
        end = text.find(end_marker, label_end)
        next_begin = text.find("-----BEGIN ", label_end)
        if end < 0 or (0 <= next_begin < end):
            blocks.append((label, text[start : next_begin if next_begin >= 0 else len(text)].encode("latin-1")))
            if next_begin < 0:
                return blocks
            position = next_begin
            continue
        blocks.append((label, text[start : end + len(end_marker)].encode("latin-1") + b"\n"))
        position = end + len(end_marker)
