"""Java keystores: JKS, JCEKS, BKS and UBER read, JKS written, with pyjks (the only module that imports it).

pyjks is unmaintained and raises whatever its parsers hit on damaged input (``struct.error``,
``IndexError``, pyasn1 errors, its own exceptions, ``TypeError`` on a missing password...). Every call
into it is wrapped here so only :class:`CertbenchError` subclasses leave this module.

Iteration counts stored in the file drive pure-Python key derivation in pyjks, so a damaged or hostile
count (2**31) would hang the loader: counts above :data:`MAX_ITERATIONS` are refused before pyjks
derives anything.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.errors import FormatError, KeystoreError, PasswordError
from certbench.core.formats.container import PRIVATE_KEY, SECRET_KEY, TRUSTED_CERT, Container, ContainerEntry
from certbench.core.formats.material import Format, KeyEntry, Material

JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"
#: BKS (v1/v2) and UBER (v1) start with a big-endian version number and have no magic.
BKS_VERSIONS = (b"\x00\x00\x00\x01", b"\x00\x00\x00\x02")

#: JDK 17 protects JCEKS keys with 200,000 iterations (``jdk.jceks.iterationCount`` allows up to 5,000,000);
#: BouncyCastle uses 1,024 to 2,047. Anything above this is damage, not a keystore.
MAX_ITERATIONS = 5_000_000
MAX_BKS_ITERATIONS = 100_000
_MAX_SALT = 1024


@dataclass(frozen=True)
class JksPrivateKey:
    """A PrivateKeyEntry to write: the key and its chain, leaf first."""

    alias: str
    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...]


def serialize_jks(
    *,
    private_keys: Sequence[JksPrivateKey] = (),
    trusted: Sequence[tuple[str, x509.Certificate]] = (),
    store_password: bytes,
    key_password: bytes | None = None,
    now: datetime,
) -> bytes:
    """A JKS keystore/truststore: PrivateKeyEntries (key password defaults to the store password) and
    trustedCertEntries, every entry dated ``now`` so the same input gives the same file."""
    import jks  # pyjks: slow to import, needed only for Java keystores

    store_text = _text_password(store_password, "JKS") or ""
    key_text = _text_password(key_password, "JKS key") if key_password is not None else store_text
    timestamp = int(now.timestamp() * 1000)
    entries: list[Any] = []
    try:
        for private in private_keys:
            pkcs8 = private.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            der_chain = [c.public_bytes(serialization.Encoding.DER) for c in private.chain]
            entry = jks.PrivateKeyEntry.new(private.alias, der_chain, pkcs8, "pkcs8")
            entry.timestamp = timestamp
            entry.encrypt(key_text or "")
            entries.append(entry)
        for alias, certificate in trusted:
            trusted_entry = jks.TrustedCertEntry.new(alias, certificate.public_bytes(serialization.Encoding.DER))
            trusted_entry.timestamp = timestamp
            entries.append(trusted_entry)
        data: bytes = jks.KeyStore.new("jks", entries).saves(store_text)
    except Exception as exc:  # pyjks raises assorted types; none may leave this module
        raise KeystoreError(f"cannot build the JKS keystore: {_describe(exc)}") from exc
    return data


def looks_like_java_keystore(data: bytes) -> bool:
    """True for the JKS/JCEKS magic numbers."""
    return data[:4] in (JKS_MAGIC, JCEKS_MAGIC)


def looks_like_bks(data: bytes) -> bool:
    """True when the header could be a BKS/UBER keystore (version, plausible salt and iteration count)."""
    header = _bks_header(data)
    return header is not None


def load_java_keystore(data: bytes, *, path: str, password: bytes | None) -> Material:
    """Load a JKS or JCEKS keystore or truststore; the store password also opens key entries."""
    import jks  # pyjks: slow to import, needed only for Java keystores

    store_type = "jks" if data[:4] == JKS_MAGIC else "jceks"
    label = store_type.upper()
    text = _text_password(password, label)
    try:
        store = jks.KeyStore.loads(data, text if text is not None else "", try_decrypt_keys=False)
    except jks.util.KeystoreSignatureException as exc:
        raise _password_error(label, missing=text is None) from exc
    except jks.util.UnsupportedKeystoreVersionException as exc:
        raise FormatError(f"is a {label} keystore of a version certbench cannot read ({_one_line(exc)})") from exc
    except Exception as exc:
        raise FormatError(f"is a damaged {label} keystore: {_describe(exc)}") from exc
    if text is None:
        # Only a store really saved with an empty password gets here.
        text = ""
    return _material_from_store(store, path, Format.JKS if store_type == "jks" else Format.JCEKS, store_type, text)


def load_bks_keystore(data: bytes, *, path: str, password: bytes | None) -> Material:
    """Load a BouncyCastle BKS (v1/v2) or UBER keystore."""
    import jks  # pyjks: slow to import, needed only for Java keystores
    import jks.bks

    header = _bks_header(data)
    if header is None:
        raise FormatError("is binary data certbench does not recognise")
    version, iterations = header
    if iterations > MAX_BKS_ITERATIONS:
        raise FormatError(f"claims {iterations} key-derivation iterations; not a BKS keystore certbench will read")
    text = _text_password(password, "BKS")
    attempt = text if text is not None else ""
    bks_error: Exception | None = None
    try:
        store = jks.bks.BksKeyStore.loads(data, attempt, try_decrypt_keys=False)
        store_type = "bks"
    except Exception as exc:  # noqa: BLE001 - pyjks raises arbitrary exceptions on damaged input
        bks_error = exc
    if bks_error is not None:
        bad_mac = isinstance(bks_error, jks.util.KeystoreSignatureException)
        if version != 1 or not _plausible_uber(data):
            if bad_mac:
                raise _password_error("BKS", missing=text is None) from bks_error
            raise FormatError(f"is a damaged BKS keystore: {_describe(bks_error)}") from bks_error
        # A version-1 header fits both BKS v1 and UBER. UBER's encrypted body read as BKS entries fails
        # at random: as garbage, or (by chance) as a bad MAC that looks like a wrong BKS password.
        label = "BKS/UBER" if bad_mac else "UBER"
        try:
            store = jks.bks.UberKeyStore.loads(data, attempt, try_decrypt_keys=False)
            store_type = "uber"
        except (jks.util.KeystoreSignatureException, jks.util.DecryptionFailureException) as exc:
            # UBER encrypts the whole store: a wrong password and damage look the same.
            if text is None:
                raise PasswordError(
                    f"looks like a {label} keystore, which is protected by its store password", missing=True
                ) from exc
            raise PasswordError(f"wrong password for this {label} keystore (or the file is damaged)") from exc
        except Exception as exc:
            raise FormatError(f"is a damaged BKS/UBER keystore: {_describe(exc)}") from exc
    if text is None:
        text = ""
    return _material_from_store(store, path, Format.BKS, store_type, text, bks_version=version)


def _material_from_store(
    store: Any, path: str, fmt: Format, store_type: str, password: str, *, bks_version: int | None = None
) -> Material:
    import jks  # pyjks
    import jks.bks

    certificates: list[x509.Certificate] = []
    aliases: list[str | None] = []
    keys: list[PrivateKeyTypes] = []
    key_entries: list[KeyEntry] = []
    problems: list[str] = []
    locked: list[str] = []
    secret: list[str] = []
    described: list[ContainerEntry] = []  # every entry, readable or not, for the container description
    counts = {"keys": 0, "trusted": 0, "secret": 0}
    try:
        entries = list(store.entries.items())
    except Exception as exc:
        raise FormatError(f"is a damaged {store_type.upper()} keystore: {_describe(exc)}") from exc
    for alias, entry in entries:
        name = str(alias)
        try:
            if isinstance(entry, jks.TrustedCertEntry):
                certificate = _certificate(entry.cert, name, entry.type)
                certificates.append(certificate)
                aliases.append(name)
                counts["trusted"] += 1
                described.append(ContainerEntry(name, TRUSTED_CERT, (certificate,)))
            elif isinstance(entry, jks.PrivateKeyEntry | jks.bks.BksSealedKeyEntry | jks.bks.BksKeyEntry):
                chain = tuple(_chain(entry, name))
                described.append(ContainerEntry(name, PRIVATE_KEY, chain))
                for position, certificate in enumerate(chain):
                    certificates.append(certificate)
                    aliases.append(name if position == 0 else None)
                key = _entry_key(entry, name, password, store_type, problems, locked)
                if key is not None:
                    keys.append(key)
                    key_entries.append(KeyEntry(key=key, chain=chain, alias=name))
                    counts["keys"] += 1
            elif isinstance(entry, jks.SecretKeyEntry | jks.bks.BksSecretKeyEntry):
                counts["secret"] += 1
                secret.append(name)
                described.append(ContainerEntry(name, SECRET_KEY))
            else:
                problems.append(f"entry {name!r} is of a kind certbench does not read; skipped")
        except _EntryProblem as problem:
            problems.append(str(problem))
    if not certificates and not keys:
        if secret and not problems:
            raise FormatError(
                f"is a {store_type.upper()} keystore holding only secret keys ({', '.join(map(repr, secret))}): "
                "no certificate or private key to read"
            )
        if problems:
            raise FormatError(f"is a {store_type.upper()} keystore with nothing certbench can read: {problems[0]}")
        raise FormatError(f"is an empty {store_type.upper()} keystore (no entries)")
    details = {
        "storeType": store_type,
        "entries": str(len(entries)),
        "keyEntries": str(counts["keys"]),
        "trustedEntries": str(counts["trusted"]),
    }
    if bks_version is not None and store_type == "bks":
        details["bksVersion"] = str(bks_version)
    return Material(
        path=path,
        format=fmt,
        certificates=tuple(certificates),
        keys=tuple(keys),
        key_entries=tuple(key_entries),
        aliases=tuple(aliases),
        ordered=False,
        problems=tuple(problems),
        details=details,
        locked_key_aliases=tuple(locked),
        secret_key_aliases=tuple(secret),
        container=Container(store_type, tuple(described)),
    )


class _EntryProblem(Exception):
    """One entry cannot be read; the rest of the store still can (becomes a Material problem)."""


def _certificate(der: Any, alias: str, cert_type: Any = "X.509") -> x509.Certificate:
    if cert_type not in (None, "X.509", "X509"):
        raise _EntryProblem(f"entry {alias!r} holds a {cert_type!s} certificate, not X.509; skipped")
    if not isinstance(der, bytes | bytearray):
        raise _EntryProblem(f"entry {alias!r} has no certificate data; skipped")
    try:
        return x509.load_der_x509_certificate(bytes(der))
    except (ValueError, x509.InvalidVersion) as exc:
        raise _EntryProblem(f"entry {alias!r}: its certificate is damaged ({_one_line(exc)}); skipped") from exc


def _chain(entry: Any, alias: str) -> list[x509.Certificate]:
    chain: list[x509.Certificate] = []
    raw_chain = entry.__dict__.get("cert_chain") or []
    for item in raw_chain:
        if isinstance(item, tuple) and len(item) == 2:  # JKS/JCEKS: (type, der)
            chain.append(_certificate(item[1], alias, item[0]))
        else:  # BKS: BksTrustedCertEntry
            chain.append(_certificate(getattr(item, "cert", None), alias, getattr(item, "type", None)))
    return chain


def _entry_key(
    entry: Any, alias: str, password: str, store_type: str, problems: list[str], locked: list[str]
) -> PrivateKeyTypes | None:
    """The entry's private key opened with the store password; a defect goes to ``problems``, a key with
    its own password to ``locked`` (both give None)."""
    import jks  # pyjks

    try:
        if not entry.is_decrypted():
            _check_entry_iterations(entry, store_type)
            entry.decrypt(password)
        if store_type in ("bks", "uber") and entry.type != jks.bks.KEY_TYPE_PRIVATE:
            kind = jks.bks.BksKeyEntry.type2str(entry.type) or "non-private"
            problems.append(f"entry {alias!r} holds a {kind.lower()} key, not a private key; skipped")
            return None
        der = entry.pkey_pkcs8
    except jks.util.DecryptionFailureException:
        locked.append(alias)
        return None
    except _EntryProblem as problem:
        problems.append(str(problem))
        return None
    except ValueError as exc:
        if "ascii" in str(exc).lower():  # pyjks: JCEKS key protection takes ASCII passwords only
            problems.append(f"entry {alias!r}: a JCEKS key opens only with an ASCII password; its key was not read")
        else:
            problems.append(f"entry {alias!r}: its private key is damaged ({_describe(exc)}); skipped")
        return None
    except Exception as exc:  # noqa: BLE001 - pyjks/pyasn1 on a damaged entry
        problems.append(f"entry {alias!r}: its private key is damaged ({_describe(exc)}); skipped")
        return None
    try:
        return serialization.load_der_private_key(bytes(der), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm, InternalError) as exc:
        problems.append(f"entry {alias!r}: its private key cannot be read ({type(exc).__name__}); skipped")
        return None


def _check_entry_iterations(entry: Any, store_type: str) -> None:
    """Refuse an entry whose stored iteration count would make pyjks derive keys for minutes."""
    encrypted = entry.__dict__.get("_encrypted")
    if not isinstance(encrypted, bytes | bytearray):
        return
    if store_type in ("bks", "uber"):
        # salt length (4), salt, iteration count (4), encrypted key
        try:
            (salt_length,) = struct.unpack_from(">I", encrypted, 0)
            (iterations,) = struct.unpack_from(">I", encrypted, 4 + salt_length)
        except struct.error as exc:
            raise _EntryProblem(f"entry {entry.alias!r}: its sealed key is damaged; skipped") from exc
        limit = MAX_BKS_ITERATIONS
    elif store_type == "jceks":
        iterations = _jceks_iterations(bytes(encrypted), entry.alias)
        limit = MAX_ITERATIONS
    else:
        return
    if iterations > limit or iterations < 1:
        raise _EntryProblem(f"entry {entry.alias!r}: its key claims {iterations} PBE iterations (damaged?); skipped")


def _jceks_iterations(encrypted: bytes, alias: str) -> int:
    from jks import rfc2898  # pyjks
    from pyasn1.codec.ber import decoder
    from pyasn1_modules import rfc5208

    try:
        info = decoder.decode(encrypted, asn1Spec=rfc5208.EncryptedPrivateKeyInfo())[0]
        params = info["encryptionAlgorithm"]["parameters"].asOctets()
        if info["encryptionAlgorithm"]["algorithm"].asTuple() != (1, 3, 6, 1, 4, 1, 42, 2, 19, 1):
            return 1  # JKS-style protection (no iteration count) inside a JCEKS store
        return int(decoder.decode(params, asn1Spec=rfc2898.PBEParameter())[0]["iterationCount"])
    except Exception as exc:
        raise _EntryProblem(f"entry {alias!r}: its encrypted key is damaged ({_describe(exc)}); skipped") from exc


def _bks_header(data: bytes) -> tuple[int, int] | None:
    """(version, iteration count) when ``data`` starts like a BKS/UBER store, else None."""
    if data[:4] not in BKS_VERSIONS or len(data) < 12:
        return None
    try:
        (salt_length,) = struct.unpack_from(">I", data, 4)
        if not 1 <= salt_length <= _MAX_SALT:
            return None
        (iterations,) = struct.unpack_from(">I", data, 8 + salt_length)
    except struct.error:
        return None
    if iterations < 1:
        return None
    return data[3], iterations


def _plausible_uber(data: bytes) -> bool:
    salt_length: int = struct.unpack_from(">I", data, 4)[0]
    rest = len(data) - (12 + salt_length)
    return rest > 0 and rest % 16 == 0


def _text_password(password: bytes | None, label: str) -> str | None:
    if not password:
        return None
    try:
        return password.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PasswordError(f"the password for this {label} keystore is not valid UTF-8 text") from exc


def _password_error(label: str, *, missing: bool) -> PasswordError:
    if missing:
        return PasswordError(f"is a {label} keystore protected by a store password", missing=True)
    return PasswordError(
        f"wrong password for this {label} keystore, or the file is damaged (its integrity check failed)"
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] if text else type(exc).__name__


def _describe(exc: BaseException) -> str:
    """A short, one-line reason from a pyjks/pyasn1/struct exception."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    if isinstance(cause, struct.error | IndexError) or "unpack_from requires" in str(cause):
        return "the data ends too early or a length field is wrong (truncated file?)"
    if isinstance(exc, UnicodeDecodeError):
        return "an alias or type name is not valid text"
    return _one_line(exc)
