"""Detect a file's format from its content (never its name) and load it into a :class:`Material`.

Read here: PEM with any number of blocks (text before, between and after them, CRLF, a UTF-8 or UTF-16
BOM, an ``openssl x509 -text`` dump with its PEM block), DER certificates, PKCS#7 (PEM/DER), PKCS#12
(AES/PBES2 and legacy RC2/3DES, empty password), private keys (PKCS#1, PKCS#8 plain or encrypted, SEC1
EC, Ed25519/Ed448, OpenSSH; PEM or DER) and CSRs (PEM or DER). Java keystores (JKS, JCEKS, BKS, UBER)
are read by :mod:`certbench.core.formats.jks`, keystore JARs by :mod:`certbench.core.formats.jar`, PEM blocks
by :mod:`certbench.core.formats.pem`.

Every failure is a :class:`CertbenchError` naming the file: :class:`FormatError` (``input.unreadable``)
or :class:`PasswordError` (``input.password``, with ``missing`` telling "no password" from "wrong").
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from certbench.core.errors import CertbenchError, FormatError, NonPositiveSerialWarning, PasswordError
from certbench.core.formats import jks as keystores  # imports pyjks itself only when a keystore is read
from certbench.core.formats.container import pkcs12_container
from certbench.core.formats.der import (
    INHERITED_DSA,
    declared_der_length,
    inherits_dsa_parameters,
    one_line,
    openssl_reason,
    quiet_ber_fallback,
)
from certbench.core.formats.material import Format, KeyEntry, Material
from certbench.core.formats.pem import FOREIGN_LABELS, load_pem
from certbench.core.linking import complete_chain
from certbench.core.reading import read_bounded, too_large

#: Larger inputs are refused before they are read (a 5,000-certificate bundle is about 10 MB).
MAX_INPUT_BYTES = 50 * 1024 * 1024
#: Recognisable non-X.509 files (first bytes -> what they are).
_FOREIGN_MAGIC = (
    (b"kych", "a macOS keychain; export the certificate from Keychain Access as .cer or .p12"),
    (b"PuTTY-User-Key-File-", "a PuTTY private key (.ppk), not an X.509 key"),
    (b"ssh-rsa ", "an OpenSSH public key, not an X.509 certificate"),
    (b"ssh-ed25519 ", "an OpenSSH public key, not an X.509 certificate"),
    (b"ecdsa-sha2-", "an OpenSSH public key, not an X.509 certificate"),
)
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_KEYSTORE_JAR_DESCRIPTOR = "META-INF/descriptor.properties"
_TEXT_DUMP = re.compile(rb"^\s*Certificate( Request)?:\s*$", re.MULTILINE)
_BASE64_BODY = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


# -- entry points ----------------------------------------------------------------------------------


def load_file(path: str | Path, password: bytes | None = None) -> Material:
    """Read ``path`` and load it; every failure is a :class:`CertbenchError` naming the file."""
    source = Path(path)
    data = read_bounded(source, MAX_INPUT_BYTES)  # regular files only: a FIFO without a writer would block
    return load_material(data, path=str(source), password=password)


def load_files(paths: Iterable[str | Path], password: bytes | None = None) -> list[Material]:
    """Load several files to be analysed together (a certificate in one, its key in another...).

    Raises the first file's error. Use :func:`load_each` to keep going past unreadable files.
    """
    return [load_file(path, password) for path in paths]


def load_each(paths: Iterable[str | Path], password: bytes | None = None) -> list[Material | CertbenchError]:
    """Load several files; an unreadable one yields its error in place, so the others are still read."""
    results: list[Material | CertbenchError] = []
    for path in paths:
        try:
            results.append(load_file(path, password))
        except CertbenchError as exc:
            results.append(exc)
    return results


def load_material(data: bytes, *, path: str, password: bytes | None = None) -> Material:
    """Load ``data`` (the content of ``path``), detecting its format from the bytes."""
    try:
        material = _load(data, path, password)
    except CertbenchError as exc:
        raise exc.with_path(path) from exc.__cause__
    except RecursionError as exc:
        raise FormatError("is nested too deeply to be a certificate, key or keystore", path=path) from exc
    except Exception as exc:
        raise FormatError(f"is damaged or not a format certbench reads ({type(exc).__name__})", path=path) from exc
    _warn_non_positive_serials(material)
    return material


def _warn_non_positive_serials(material: Material) -> None:
    certificates = list(material.certificates) + [c for entry in material.key_entries for c in entry.chain]
    found: list[x509.Certificate] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's own warning, repeated at every read of the serial
        for certificate in certificates:
            try:
                if certificate.serial_number <= 0:
                    found.append(certificate)
            except ValueError:  # a damaged certificate: reported where it is described
                continue
    for certificate in found:
        warnings.warn(NonPositiveSerialWarning(certificate.fingerprint(hashes.SHA256())), stacklevel=3)


def _load(data: bytes, path: str, password: bytes | None) -> Material:
    if len(data) > MAX_INPUT_BYTES:
        raise FormatError(_too_large(len(data)))
    data = _normalise_text(data)
    if not data.strip():
        raise FormatError("is empty")
    # Containers first: a zip with stored (uncompressed) PEM entries contains "-----BEGIN" too.
    if data[:4] in _ZIP_MAGICS:
        return _load_zip(data, path, password)
    if keystores.looks_like_java_keystore(data):
        return keystores.load_java_keystore(data, path=path, password=password)
    if keystores.looks_like_bks(data):
        return keystores.load_bks_keystore(data, path=path, password=password)
    if b"-----BEGIN" in data:
        return load_pem(data, path, password)
    if data[:1] == b"\x30":
        return _load_der(data, path, password)
    return _load_other(data, path, password)


def _too_large(size: int) -> str:
    return too_large(MAX_INPUT_BYTES, size=size)


def _normalise_text(data: bytes) -> bytes:
    """Drop a UTF-8 BOM; turn UTF-16 text (Windows 'Unicode' Notepad) into bytes we can scan."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return data
        if text.isascii():
            return text.encode("ascii")
    return data


# -- zip: keystore JARs ----------------------------------------------------------------------------


def _load_zip(data: bytes, path: str, password: bytes | None) -> Material:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise FormatError("starts like a zip archive but is damaged (truncated download?)") from exc
    if not any(name.lower() == _KEYSTORE_JAR_DESCRIPTOR.lower() for name in names):
        raise FormatError(
            f"is a zip archive but not a keystore JAR (no {_KEYSTORE_JAR_DESCRIPTOR}); unzip it and inspect the "
            "certificate files inside"
        )
    try:
        from certbench.core.formats.jar import load_keystore_jar
    except ImportError as exc:  # the keystore slice's module is missing from this build
        raise FormatError("is a keystore JAR, which this build of certbench cannot read") from exc
    return load_keystore_jar(data, path=path, password=password)


# -- DER: certificate, PKCS#7, PKCS#12, key, CSR ---------------------------------------------------


def _load_der(data: bytes, path: str, password: bytes | None) -> Material:
    declared = declared_der_length(data)
    if declared is not None and declared > len(data):
        raise FormatError(
            f"is DER data cut off: it declares {declared} bytes but the file has {len(data)} (truncated download?)"
        )
    try:
        certificate = x509.load_der_x509_certificate(data)
        return Material(path=path, format=Format.DER, certificates=(certificate,))
    except x509.InvalidVersion as exc:
        raise FormatError(f"is an X.509 certificate with an invalid version field ({exc.parsed_version})") from exc
    except ValueError:
        pass
    try:
        with quiet_ber_fallback():
            certificates = pkcs7.load_der_pkcs7_certificates(data)
        return Material(path=path, format=Format.PKCS7, certificates=tuple(certificates))
    except x509.InvalidVersion as exc:
        raise FormatError(f"is a PKCS#7 bundle holding a damaged certificate ({one_line(exc)})") from exc
    except UnsupportedAlgorithm as exc:  # a PKCS#7 ContentInfo of another type (data, enveloped...)
        raise FormatError("is a PKCS#7 structure but not a certificate bundle (signed-data) certbench reads") from exc
    except ValueError as exc:
        if "no certificates" in str(exc).lower() or "not supported" in str(exc).lower():
            raise FormatError(
                f"is a PKCS#7 structure without certificates certbench can read ({one_line(exc)})"
            ) from exc
    material = _try_pkcs12(data, path, password)
    if material is not None:
        return material
    key = _try_der_key(data, password)
    if key is not None:
        return Material(path=path, format=Format.KEY, keys=(key,))
    try:
        csr = x509.load_der_x509_csr(data)
        return Material(path=path, format=Format.CSR, csrs=(csr,))
    except x509.InvalidVersion as exc:
        raise FormatError(
            f"is a certificate request (CSR) with an invalid version field ({exc.parsed_version})"
        ) from exc
    except ValueError:
        pass
    if inherits_dsa_parameters(data):
        raise FormatError(INHERITED_DSA)
    try:
        x509.load_der_x509_crl(data)
    except ValueError:
        pass
    else:
        raise FormatError(f"holds {FOREIGN_LABELS['X509 CRL']}")
    if _looks_like_bcfks(data):
        raise FormatError(
            "is a BouncyCastle FIPS keystore (BCFKS), which certbench cannot read; convert it to PKCS#12 with "
            "keytool -importkeystore -srcstoretype BCFKS -deststoretype PKCS12 (needs the BouncyCastle provider)"
        )
    raise FormatError(
        "is DER (ASN.1) data but not a certificate, PKCS#7, PKCS#12, private key or CSR (damaged or another format)"
    )


_PBES2_OID = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d"


def _looks_like_bcfks(data: bytes) -> bool:
    """BCFKS: SEQUENCE { SEQUENCE { SEQUENCE { OID PBES2 ... } ... } ... } (an encrypted object store)."""
    position = 0
    for _ in range(3):
        if position + 2 > len(data) or data[position] != 0x30:
            return False
        first = data[position + 1]
        position += 2 + (first & 0x7F if first & 0x80 else 0)
    return data[position : position + len(_PBES2_OID)] == _PBES2_OID


_P7_DATA_OID = bytes.fromhex("06092a864886f70d010701")
_P7_ENCRYPTED_DATA_OID = bytes.fromhex("06092a864886f70d010706")


def _der_items(data: bytes) -> list[tuple[int, bytes]] | None:
    """The (tag, content) of each DER element filling ``data`` exactly; None if it is not such a run."""
    items: list[tuple[int, bytes]] = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            return None
        tag, first = data[position], data[position + 1]
        position += 2
        if first & 0x80:
            count = first & 0x7F
            if count == 0 or count > 4 or position + count > len(data):
                return None  # indefinite (BER) or absurd lengths
            length = int.from_bytes(data[position : position + count], "big")
            position += count
        else:
            length = first
        if position + length > len(data):
            return None
        items.append((tag, data[position : position + length]))
        position += length
    return items


def _pkcs12_layout_intact(data: bytes) -> bool:
    """True when the PFX layers that are never encrypted are whole: version 3, authSafe as data whose
    content is a SEQUENCE OF ContentInfo (data or encryptedData). Then only the password can be wrong."""
    outer = _der_items(data)
    pfx = _der_items(outer[0][1]) if outer and len(outer) == 1 and outer[0][0] == 0x30 else None
    if not pfx or len(pfx) not in (2, 3) or pfx[0] != (0x02, b"\x03") or pfx[1][0] != 0x30:
        return False
    content_info = _der_items(pfx[1][1])
    if not content_info or len(content_info) != 2 or not pfx[1][1].startswith(_P7_DATA_OID):
        return False
    explicit = _der_items(content_info[1][1]) if content_info[1][0] == 0xA0 else None
    if not explicit or len(explicit) != 1 or explicit[0][0] != 0x04:
        return False
    safe = _der_items(explicit[0][1])
    bags = _der_items(safe[0][1]) if safe and len(safe) == 1 and safe[0][0] == 0x30 else None
    return bool(bags) and all(
        tag == 0x30 and content.startswith((_P7_DATA_OID, _P7_ENCRYPTED_DATA_OID)) for tag, content in bags or ()
    )


def _try_pkcs12(data: bytes, path: str, password: bytes | None) -> Material | None:
    try:
        bundle = pkcs12.load_pkcs12(data, password or None)
    except ValueError as exc:
        message = str(exc).lower()
        if "could not deserialize" in message:
            return None
        if "password" in message or "mac" in message:
            # OpenSSL says the same for a wrong password and for damage; the unencrypted outer layers tell.
            intact = _pkcs12_layout_intact(data)
            if not password:
                what = (
                    "a PKCS#12 file protected by a password"
                    if intact
                    else "a damaged PKCS#12 file, or one that needs a password"
                )
                raise PasswordError(f"is {what}", missing=True) from exc
            if not intact:
                raise PasswordError("is a damaged PKCS#12 file (or the password is wrong)") from exc
            raise PasswordError("wrong password for this PKCS#12 file (or the file is damaged)") from exc
        raise FormatError(f"is a PKCS#12 file certbench cannot read ({one_line(exc)})") from exc
    except UnsupportedAlgorithm as exc:
        raise FormatError(f"is a PKCS#12 file using an algorithm certbench cannot read ({one_line(exc)})") from exc
    except InternalError as exc:
        raise FormatError(f"is a PKCS#12 file whose key OpenSSL rejects ({openssl_reason(exc)})") from exc
    except x509.InvalidVersion as exc:
        raise FormatError(f"is a PKCS#12 file holding a damaged certificate ({one_line(exc)})") from exc
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
    if not certificates and bundle.key is None:
        raise FormatError("is a PKCS#12 file with no certificate and no private key in it")
    # The key's entry holds its certificate and the issuers linked from it; other bags are certificates of their own.
    key_chain = tuple(complete_chain(certificates[0], certificates[1:])[0]) if key_entries and certificates else ()
    container = pkcs12_container(
        data,
        key_alias=key_entries[0].alias if key_entries else None,
        key_chain=key_chain,
        others=[(a, c) for a, c in zip(aliases, certificates, strict=True) if c not in key_chain],
        password=password,
    )
    return Material(
        path=path,
        format=Format.PKCS12,
        certificates=tuple(certificates),
        keys=(bundle.key,) if bundle.key is not None else (),
        key_entries=tuple(key_entries),
        aliases=tuple(aliases),
        ordered=False,
        container=container,
    )


def _friendly(name: bytes | None) -> str | None:
    return name.decode("utf-8", "replace") if name else None


def _try_der_key(data: bytes, password: bytes | None) -> PrivateKeyTypes | None:
    try:
        return _load_der_key(data, password)
    except InternalError as exc:
        raise FormatError(
            f"holds a damaged private key: OpenSSL rejects its key material ({openssl_reason(exc)})"
        ) from exc


def _load_der_key(data: bytes, password: bytes | None) -> PrivateKeyTypes | None:
    try:
        return serialization.load_der_private_key(data, password=None)
    except TypeError as exc:  # "Password was not given but private key is encrypted"
        if not password:
            raise PasswordError("holds an encrypted private key (DER PKCS#8)", missing=True) from exc
    except (ValueError, UnsupportedAlgorithm):
        return None
    try:
        return serialization.load_der_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise PasswordError("wrong password for the encrypted private key") from exc
    except UnsupportedAlgorithm as exc:
        raise FormatError(f"holds an encrypted private key using an unsupported algorithm ({one_line(exc)})") from exc


# -- anything else: text dumps, bare base64, recognisable foreign files ----------------------------


def _load_other(data: bytes, path: str, password: bytes | None) -> Material:
    for magic, what in _FOREIGN_MAGIC:
        if data.startswith(magic):
            raise FormatError(f"is {what}")
    if _TEXT_DUMP.search(data[:4096]):
        kind = "openssl req -text" if b"Certificate Request:" in data[:4096] else "openssl x509 -text"
        raise FormatError(
            f"is the text output of '{kind}' without its PEM block; certbench needs the "
            "'-----BEGIN ...-----' block too: ask for the PEM or DER file, or re-run the command without -noout"
        )
    stripped = data.strip()
    if len(stripped) >= 64 and _BASE64_BODY.match(stripped):
        try:
            decoded = base64.b64decode(b"".join(stripped.split()), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if decoded[:1] == b"\x30":
            try:
                material = _load_der(decoded, path, password)
            except FormatError:
                material = None
            if material is not None:
                return Material(
                    path=material.path,
                    format=material.format,
                    certificates=material.certificates,
                    keys=material.keys,
                    csrs=material.csrs,
                    key_entries=material.key_entries,
                    aliases=material.aliases,
                    ordered=material.ordered,
                    problems=("base64 without PEM '-----BEGIN/END-----' lines; read as its DER content",),
                    details=material.details,
                )
    if _is_text(data):
        raise FormatError(
            "is text without any PEM block ('-----BEGIN CERTIFICATE-----'): not a certificate, key or CSR"
        )
    raise FormatError(
        "is binary data certbench does not recognise (not DER, PKCS#7, PKCS#12, JKS, JCEKS, BKS or a keystore JAR)"
    )


def _is_text(data: bytes) -> bool:
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(byte >= 0x20 or byte in b"\t\r\n\f" for byte in sample)
