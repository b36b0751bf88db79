"""Keystore JARs as API gateways read them (SAP API Management, seed 001).

A keystore JAR is a zip archive holding ``META-INF/MANIFEST.MF``, ``META-INF/descriptor.properties``
(``certFile=<main>.pem`` and ``keyFile=<privateKey>.pem``), the certificate PEM with the whole chain
(leaf, intermediates, root) and the private key PEM (PKCS#8, optionally encrypted).

Reading is defensive: the archive comes from outside. Entry names with ``..`` components, absolute
names, backslashes or drive letters are refused; so are archives over :data:`MAX_ARCHIVE_BYTES`, more
than :data:`MAX_ENTRIES` entries, entries whose content exceeds :data:`MAX_ENTRY_BYTES` once inflated
(read with a bounded reader, never trusting the sizes the archive declares) and duplicated names.

:func:`check_keystore_jar` is the gateway checklist, shared by the builder (which refuses to write an
archive that fails it) and by ``inspect`` (which shows it for any keystore JAR it reads).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.checks import Check
from certbench.core.describe import rfc4514
from certbench.core.errors import CertbenchError, FormatError, PasswordError
from certbench.core.formats.container import PRIVATE_KEY, Container, ContainerEntry
from certbench.core.formats.material import Format, KeyEntry, Material
from certbench.core.linking import is_issued_by, is_self_signed, same_key
from certbench.core.passwords import count_restricted_characters, restricted_characters_message
from certbench.core.validity import certificate_expired

#: The gateway's upload limit for a keystore JAR (50 KB).
MAX_GATEWAY_JAR_BYTES = 50 * 1024
#: Archives larger than this are not read at all (a keystore JAR is a few kilobytes).
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024
#: Largest inflated entry certbench reads from a keystore JAR.
MAX_ENTRY_BYTES = 1024 * 1024
#: Largest total of inflated bytes read from one archive (zip bomb guard).
MAX_TOTAL_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 64

MANIFEST_NAME = "META-INF/MANIFEST.MF"
DESCRIPTOR_NAME = "META-INF/descriptor.properties"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
_DRIVE = re.compile(r"^[A-Za-z]:")


def is_keystore_jar(data: bytes) -> bool:
    """True when ``data`` is a zip archive with a ``META-INF/descriptor.properties`` entry. Never raises."""
    if not data.startswith(_ZIP_MAGIC) or len(data) > MAX_ARCHIVE_BYTES:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(info.filename.lower() == DESCRIPTOR_NAME.lower() for info in archive.infolist())
    except Exception:  # noqa: BLE001 - a probe: any damage simply means "not a keystore JAR"
        return False


def load_keystore_jar(data: bytes, *, path: str, password: bytes | None = None) -> Material:
    """Read a keystore JAR: its chain (file order) and key; every failure is a project error naming ``path``."""
    try:
        return _load(data, path, password)
    except CertbenchError as exc:
        raise exc.with_path(path) from exc.__cause__


def _load(data: bytes, path: str, password: bytes | None) -> Material:
    if len(data) > MAX_ARCHIVE_BYTES:
        raise FormatError(f"is {len(data)} bytes; certbench reads keystore JARs up to {MAX_ARCHIVE_BYTES} bytes")
    if not data.startswith(_ZIP_MAGIC):
        raise FormatError("is not a zip/JAR archive")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError (odd versions), struct errors...: all "damaged"
        raise FormatError(f"is not a readable zip/JAR archive ({exc})") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FormatError(f"has {len(infos)} entries; a keystore JAR has 4 (refusing more than {MAX_ENTRIES})")
        names: list[str] = []
        for info in infos:
            _check_entry_name(info.filename)
            if info.filename in names:
                raise FormatError(f"has the entry {info.filename!r} twice (refusing an ambiguous archive)")
            names.append(info.filename)
        reader = _BoundedReader(archive)
        descriptor_name = next((n for n in names if n.lower() == DESCRIPTOR_NAME.lower()), None)
        if descriptor_name is None:
            raise FormatError(f"is a zip archive without {DESCRIPTOR_NAME}: not a keystore JAR")
        properties = parse_properties(reader.read(descriptor_name))
        cert_file = _descriptor_entry(properties, "certFile", names)
        key_file = _descriptor_entry(properties, "keyFile", names)
        certificates = _load_certificates(reader.read(cert_file), cert_file)
        key, encrypted = _load_key(reader.read(key_file), key_file, password)
        leading = [name for name in names if name != "META-INF/"][:1]
        manifest_first = leading == [MANIFEST_NAME] and names.index(MANIFEST_NAME) <= 1
    alias = _stem(cert_file)
    details = {
        "certFile": cert_file,
        "keyFile": key_file,
        "keyEncrypted": "yes" if encrypted else "no",
        "size": str(len(data)),
        "entries": ", ".join(names),
        "manifestFirst": "yes" if manifest_first else "no",
    }
    return Material(
        path=path,
        format=Format.KEYSTORE_JAR,
        certificates=tuple(certificates),
        keys=(key,),
        key_entries=(KeyEntry(key=key, chain=tuple(certificates), alias=alias),),
        aliases=tuple(alias if index == 0 else None for index in range(len(certificates))),
        ordered=True,
        details=details,
        container=Container("keystore-jar", (ContainerEntry(alias, PRIVATE_KEY, tuple(certificates)),)),
    )


def _check_entry_name(name: str) -> None:
    if not name or "\x00" in name:
        raise FormatError("has an entry with an empty or binary name")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise FormatError(f"has an absolute entry name {name!r} (refusing it)")
    if "\\" in name:
        raise FormatError(f"has an entry name with a backslash {name!r} (refusing it)")
    if ".." in name.split("/"):
        raise FormatError(f"has an entry name that climbs out of the archive {name!r} (refusing it)")


class _BoundedReader:
    """Inflate entries without trusting declared sizes: stop at the per-entry and per-archive limits."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._total = 0

    def read(self, name: str) -> bytes:
        try:
            info = self._archive.getinfo(name)
            if info.flag_bits & 0x1:
                raise FormatError(f"entry {name!r} is zip-encrypted; keystore JARs are not")
            with self._archive.open(info) as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)
        except CertbenchError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise FormatError(f"entry {name!r} cannot be read ({exc})") from exc
        except Exception as exc:  # zlib.error and friends
            raise FormatError(f"entry {name!r} cannot be read ({exc})") from exc
        if len(data) > MAX_ENTRY_BYTES:
            raise FormatError(f"entry {name!r} inflates beyond {MAX_ENTRY_BYTES} bytes (refusing a zip bomb)")
        self._total += len(data)
        if self._total > MAX_TOTAL_BYTES:
            raise FormatError(f"inflates beyond {MAX_TOTAL_BYTES} bytes in total (refusing a zip bomb)")
        return data


def parse_properties(data: bytes) -> dict[str, str]:
    """The simple subset of Java ``.properties`` a descriptor uses: ``key=value`` / ``key: value``, comments."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    properties: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        match = re.match(r"^([^=:\s]+)\s*[=:\s]\s*(.*)$", line)
        if match:
            properties[match.group(1)] = match.group(2).strip()
        else:
            properties[line] = ""
    return properties


def _descriptor_entry(properties: dict[str, str], key: str, names: Sequence[str]) -> str:
    value = properties.get(key, "")
    if not value:
        raise FormatError(f"{DESCRIPTOR_NAME} has no {key}= line")
    entry = value[1:] if value.startswith("/") else value
    _check_entry_name(entry)
    if entry not in names:
        raise FormatError(f"{DESCRIPTOR_NAME} names {key}={value} but the archive has no such entry")
    return entry


def _load_certificates(data: bytes, name: str) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise FormatError(f"entry {name!r} holds no PEM certificate")
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise FormatError(f"entry {name!r} holds a damaged PEM certificate ({exc})") from exc


def _load_key(data: bytes, name: str, password: bytes | None) -> tuple[PrivateKeyTypes, bool]:
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data
    if b"PRIVATE KEY-----" not in data:
        raise FormatError(f"entry {name!r} holds no PEM private key")
    if encrypted and not password:
        raise PasswordError(f"entry {name!r} holds an encrypted private key", missing=True)
    try:
        key = serialization.load_pem_private_key(data, password=password if encrypted else None)
    except ValueError as exc:
        if encrypted:
            raise PasswordError(f"wrong password for the private key in entry {name!r}") from exc
        raise FormatError(f"entry {name!r} holds a damaged private key ({exc})") from exc
    except Exception as exc:  # unsupported algorithms and friends
        raise FormatError(f"entry {name!r} holds a private key certbench cannot read ({exc})") from exc
    return key, encrypted


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base[: -len(".pem")] if base.lower().endswith(".pem") else base


def _count_valid(count: int) -> str:
    return "the certificate is valid now" if count == 1 else f"all {count} certificates are valid now"


def _subject(certificate: x509.Certificate) -> str:
    return rfc4514(certificate.subject) or "(empty subject)"


def check_keystore_jar(
    material: Material,
    *,
    now: datetime,
    key_password: bytes | str | None = None,
) -> list[Check]:
    """The gateway checklist for a keystore JAR (as loaded by :func:`load_keystore_jar`), one Check per rule."""
    size_text = material.details.get("size", "")
    manifest = material.details.get("manifestFirst")
    return jar_checks(
        material.certificates,
        material.keys[0] if material.keys else None,
        now=now,
        key_password=key_password,
        entry_names=(material.details.get("certFile", ""), material.details.get("keyFile", "")),
        size=int(size_text) if size_text.isdigit() else None,
        manifest_first=None if manifest is None else manifest == "yes",
    )


def jar_checks(
    certificates: Sequence[x509.Certificate],
    key: PrivateKeyTypes | None,
    *,
    now: datetime,
    key_password: bytes | str | None,
    entry_names: tuple[str, str],
    size: int | None,
    manifest_first: bool | None = True,
    missing_key_reason: str = "no key or no certificate",
) -> list[Check]:
    """The gateway checklist from its parts (usable before the archive exists: ``size=None``, no key yet)."""
    checks: list[Check] = []
    chain = list(certificates)
    leaf = chain[0] if chain else None

    # 1. The key matches the leaf.
    if key is None or leaf is None:
        checks.append(Check("jar.key-matches", "Key matches the certificate", False, missing_key_reason))
    else:
        matches = same_key(key, leaf)
        checks.append(
            Check(
                "jar.key-matches",
                "Key matches the certificate",
                matches,
                f"the private key belongs to {_subject(leaf)}"
                if matches
                else f"the private key does not belong to the leaf certificate {_subject(leaf)}",
            )
        )

    # 2. Nothing in the chain is expired (or not yet valid).
    bad = []
    for certificate in chain:
        if certificate_expired(certificate, now):
            bad.append(f"{_subject(certificate)} expired {certificate.not_valid_after_utc:%Y-%m-%d}")
        elif certificate.not_valid_before_utc > now:
            bad.append(f"{_subject(certificate)} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d}")
    checks.append(
        Check(
            "jar.not-expired",
            "Nothing in the chain is expired",
            bool(chain) and not bad,
            "; ".join(bad) if bad else (_count_valid(len(chain)) if chain else "no certificate"),
        )
    )

    # 3. The chain links by signature, leaf first, and ends at a root.
    reason = ""
    linked = bool(chain)
    for index in range(len(chain) - 1):
        if not is_issued_by(chain[index], chain[index + 1]):
            linked = False
            reason = (
                f"certificate {index + 1} ({_subject(chain[index])}) is not signed by the next one "
                f"({_subject(chain[index + 1])}): order leaf, intermediates, root"
            )
            break
    if linked and not is_self_signed(chain[-1]):
        linked = False
        reason = f"the chain ends at {_subject(chain[-1])}, not at a root: add its issuer up to the root"
    if linked:
        reason = (
            f"{len(chain)} certificates, leaf to root, each signed by the next"
            if len(chain) > 1
            else "a single self-signed certificate"
        )
    elif not chain:
        reason = "no certificate"
    checks.append(Check("jar.chain", "Chain links leaf to root", linked, reason))

    # 4. The password has none of the restricted characters.
    if key_password:
        found = count_restricted_characters(key_password)
        checks.append(
            Check(
                "jar.password-characters",
                "Password has no restricted characters",
                not found,
                restricted_characters_message(found) if found else "no restricted characters",
            )
        )
    else:
        checks.append(
            Check("jar.password-characters", "Password has no restricted characters", True, "no key password")
        )

    # 5. Names are alphanumeric.
    stems = [_stem(entry) for entry in entry_names]
    bad_names = [stem for stem in stems if not _NAME_PATTERN.fullmatch(stem)]
    checks.append(
        Check(
            "jar.names",
            "Names are alphanumeric",
            not bad_names,
            "names may only use letters and digits: " + ", ".join(repr(n) for n in bad_names)
            if bad_names
            else "entry names " + ", ".join(stems) + " are alphanumeric",
        )
    )

    # 6. The archive is under the gateway's size limit.
    checks.append(
        Check(
            "jar.size",
            "JAR is under 50 KB",
            size is not None and size < MAX_GATEWAY_JAR_BYTES,
            f"{size} bytes (limit {MAX_GATEWAY_JAR_BYTES})" if size is not None else "known once the JAR is built",
            # Before the archive exists nobody can fix this rule; the build checks it on its own output.
            severity="error" if size is not None else "pending",
        )
    )

    # Layout (warning only): the manifest first, as `jar` writes it.
    if manifest_first is not None:
        checks.append(
            Check(
                "jar.manifest",
                "Manifest is the first entry",
                manifest_first,
                "META-INF/MANIFEST.MF comes first"
                if manifest_first
                else "META-INF/MANIFEST.MF is missing or not first (as `jar` writes it)",
                severity="warning",
            )
        )
    return checks
