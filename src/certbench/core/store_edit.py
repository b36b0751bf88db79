"""Editing existing keystores: list, add, remove, rename, change the password, convert.

A store is read into a :class:`Store` (its entries: alias, type, chain, key), changed in memory and
written back whole: JKS with pyjks (:func:`serialize_jks`), PKCS#12 with cryptography (a Java truststore
when it holds only certificates, else one key entry with its chain), PEM bundles as ``# alias: subject``
comments above each block (the format ``trust build`` writes). JCEKS and BKS are read, not written
(pyjks cannot write them): convert them. Nothing is silently dropped: a store with an entry certbench
cannot carry over (a secret key, a key protected by another password) is refused with the entry named.

:func:`save_store` replaces the file atomically and keeps the previous bytes as ``FILE.bak``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.describe import rfc4514
from certbench.core.errors import FormatError, KeystoreError, OutputExistsError, PasswordError, UsageError
from certbench.core.formats.container import PRIVATE_KEY, TRUSTED_CERT
from certbench.core.formats.jks import JksPrivateKey, serialize_jks
from certbench.core.formats.load import load_material
from certbench.core.formats.material import Format, Material
from certbench.core.keystore import serialize_p12_keystore
from certbench.core.linking import complete_chain, same_key
from certbench.core.safe_write import PRIVATE_MODE, write_atomic
from certbench.core.truststore import AliasAllocator, alias_base, serialize_p12_truststore, serialize_pem_bundle
from certbench.core.validity import days_until

BACKUP_SUFFIX = ".bak"
_PEM_ALIAS = re.compile(r"^# (?P<alias>[^\s:]+): .*\n-----BEGIN CERTIFICATE-----", re.MULTILINE)


class StoreFormat(StrEnum):
    """Store formats certbench edits; those not in :data:`WRITABLE_FORMATS` are read and converted."""

    JKS = "jks"
    JCEKS = "jceks"
    BKS = "bks"
    P12 = "p12"
    PEM = "pem"


#: The formats certbench writes (``jceks``/``bks`` are read only).
WRITABLE_FORMATS = (StoreFormat.JKS, StoreFormat.P12, StoreFormat.PEM)


@dataclass(frozen=True)
class StoreEntry:
    """One entry: ``private-key`` (key + chain, leaf first) or ``trusted-cert`` (one certificate)."""

    alias: str
    type: str
    chain: tuple[x509.Certificate, ...]
    key: PrivateKeyTypes | None = None

    def to_json(self, now: datetime) -> dict[str, Any]:
        leaf = self.chain[0] if self.chain else None
        return {
            "alias": self.alias,
            "type": self.type,
            "subject": rfc4514(leaf.subject) if leaf is not None else None,
            "not_after": leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ") if leaf is not None else None,
            "days_left": days_until(leaf.not_valid_after_utc, now) if leaf is not None else None,
            "chain_length": len(self.chain),
        }


@dataclass(frozen=True)
class Store:
    """A store read into memory. ``problems`` name entries that could not be carried over (edits refused)."""

    path: str
    format: StoreFormat
    entries: tuple[StoreEntry, ...]
    problems: tuple[str, ...] = ()

    def aliases(self) -> list[str]:
        return [entry.alias for entry in self.entries]

    def entry(self, alias: str) -> StoreEntry:
        for entry in self.entries:
            if entry.alias.lower() == alias.lower():
                return entry
        known = ", ".join(self.aliases()) or "none"
        raise UsageError(f"no entry {alias!r} in the store (aliases: {known})", path=self.path)


# -- reading --------------------------------------------------------------------------------------


def read_store(path: str | Path, password: bytes | None) -> Store:
    """Read a JKS, JCEKS, BKS, PKCS#12 or PEM store with its store password."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror or exc}", path=source) from exc
    material = load_material(data, path=str(source), password=password)
    if material.format in (Format.JKS, Format.JCEKS, Format.BKS):
        return _java_store(material)
    if material.format is Format.PKCS12:
        return _pkcs12_store(material)
    if material.format is Format.PEM:
        if material.keys:
            raise KeystoreError("is a PEM file holding a private key: certbench edits certificate bundles", path=source)
        return _pem_store(material, data)
    raise KeystoreError(
        f"is a {material.format} file, not a store certbench edits (JKS, JCEKS, BKS, PKCS#12, PEM bundle)", path=source
    )


def _java_store(material: Material) -> Store:
    if material.container is None:
        raise FormatError("not a Java keystore", path=material.path)
    fmt = StoreFormat(material.container.type if material.container.type in ("jks", "jceks") else "bks")
    keys = {entry.alias: entry for entry in material.key_entries}
    entries: list[StoreEntry] = []
    problems: list[str] = []
    for described in material.container.entries:
        alias = described.alias or ""
        if described.type == TRUSTED_CERT and described.certificates:
            entries.append(StoreEntry(alias, TRUSTED_CERT, described.certificates))
        elif described.type == PRIVATE_KEY and alias in keys:
            entries.append(StoreEntry(alias, PRIVATE_KEY, keys[alias].chain, keys[alias].key))
        elif described.type == PRIVATE_KEY:
            problems.append(f"entry {alias!r}: its key does not open with the store password")
        else:
            problems.append(f"entry {alias!r} is a {described.type}, which certbench cannot carry over")
    return Store(material.path, fmt, tuple(entries), tuple(problems))


def _pkcs12_store(material: Material) -> Store:
    entries: list[StoreEntry] = []
    used: list[x509.Certificate] = []
    allocator = AliasAllocator()
    for key_entry in material.key_entries:
        chain = tuple(complete_chain(key_entry.chain[0], key_entry.chain[1:])[0]) if key_entry.chain else ()
        alias = allocator.allocate(key_entry.alias or (alias_base(chain[0]) if chain else "key"))
        entries.append(StoreEntry(alias, PRIVATE_KEY, chain, key_entry.key))
        used.extend(chain)
    for name, certificate in zip(material.aliases, material.certificates, strict=False):
        if certificate not in used:
            alias = allocator.allocate(name or alias_base(certificate))
            entries.append(StoreEntry(alias, TRUSTED_CERT, (certificate,)))
    return Store(material.path, StoreFormat.P12, tuple(entries), material.problems)


def _pem_store(material: Material, data: bytes) -> Store:
    stored = [m["alias"] for m in _PEM_ALIAS.finditer(data.decode("latin-1").replace("\r\n", "\n"))]
    allocator = AliasAllocator()
    use_stored = len(stored) == len(material.certificates)
    entries = tuple(
        StoreEntry(allocator.allocate(stored[i] if use_stored else alias_base(c)), TRUSTED_CERT, (c,))
        for i, c in enumerate(material.certificates)
    )
    return Store(material.path, StoreFormat.PEM, entries, material.problems)


# -- editing --------------------------------------------------------------------------------------


def _check_alias(store: Store, alias: str) -> str:
    if not alias or alias != alias.strip() or any(ch in alias for ch in "\n\r\t:") or len(alias) > 128:
        raise UsageError(f"alias {alias!r}: use a non-empty name without spaces at the ends, tabs, newlines or ':'")
    if any(existing.lower() == alias.lower() for existing in store.aliases()):
        raise UsageError(f"alias {alias!r} is already in the store", path=store.path)
    return alias


def add_certificates(store: Store, certificates: Sequence[x509.Certificate], *, alias: str | None = None) -> Store:
    """Add trusted certificates (``alias`` only for a single one; else aliases from the subjects)."""
    if alias is not None and len(certificates) != 1:
        raise UsageError(f"--alias names one entry, and the inputs hold {len(certificates)} certificates")
    present = {c for entry in store.entries if entry.type == TRUSTED_CERT for c in entry.chain}
    allocator = AliasAllocator()
    for existing in store.aliases():
        allocator.allocate(existing.lower())
    added: list[StoreEntry] = []
    for certificate in certificates:
        if certificate in present:
            raise UsageError(f"{rfc4514(certificate.subject)} is already a trusted entry of the store", path=store.path)
        name = _check_alias(store, alias) if alias is not None else allocator.allocate(alias_base(certificate))
        added.append(StoreEntry(name, TRUSTED_CERT, (certificate,)))
        present.add(certificate)
    return replace(store, entries=(*store.entries, *added))


def add_private_key(store: Store, alias: str, key: PrivateKeyTypes, chain: Sequence[x509.Certificate]) -> Store:
    """Add a PrivateKeyEntry; the key must belong to the chain's first certificate."""
    if not chain or not same_key(key, chain[0]):
        raise KeystoreError("the private key does not belong to the entry's certificate")
    entry = StoreEntry(_check_alias(store, alias), PRIVATE_KEY, tuple(chain), key)
    return replace(store, entries=(*store.entries, entry))


def remove_entries(store: Store, aliases: Sequence[str]) -> Store:
    doomed = {store.entry(alias).alias for alias in aliases}
    return replace(store, entries=tuple(e for e in store.entries if e.alias not in doomed))


def rename_entry(store: Store, old: str, new: str) -> Store:
    entry = store.entry(old)
    others = replace(store, entries=tuple(e for e in store.entries if e.alias != entry.alias))
    _check_alias(others, new)
    return replace(store, entries=tuple(replace(e, alias=new) if e is entry else e for e in store.entries))


# -- writing --------------------------------------------------------------------------------------


def serialize_store(store: Store, fmt: StoreFormat, *, password: bytes | None, now: datetime) -> bytes:
    """The bytes of ``store`` as ``fmt``; refuses to drop what the store could not carry over."""
    if store.problems:
        raise KeystoreError(
            f"not changed: {store.problems[0]} (certbench rewrites the whole store and would lose it)", path=store.path
        )
    if fmt not in WRITABLE_FORMATS:
        writable = ", ".join(f.value for f in WRITABLE_FORMATS[:-1]) + f" or {WRITABLE_FORMATS[-1].value}"
        raise UsageError(f"certbench cannot write {fmt.value.upper()} stores: convert to {writable}")
    if not store.entries and fmt is not StoreFormat.JKS:
        raise KeystoreError(f"a {fmt.value.upper()} store needs at least one entry", path=store.path)
    keys = [e for e in store.entries if e.type == PRIVATE_KEY]
    trusted = [e for e in store.entries if e.type == TRUSTED_CERT]
    if fmt is StoreFormat.PEM:
        if keys:
            raise UsageError("a PEM bundle holds certificates only: the store has private key entries")
        return serialize_pem_bundle([(e.alias, e.chain[0]) for e in trusted])
    if not password:
        raise PasswordError(f"a {fmt.value.upper()} store needs a password", missing=True)
    if fmt is StoreFormat.JKS:
        return serialize_jks(
            # Java's JKS looks aliases up in lower case.
            private_keys=[JksPrivateKey(e.alias.lower(), e.key, e.chain) for e in keys if e.key is not None],
            trusted=[(e.alias.lower(), e.chain[0]) for e in trusted],
            store_password=password,
            now=now,
        )
    return _pkcs12(keys, trusted, password)


def _pkcs12(keys: Sequence[StoreEntry], trusted: Sequence[StoreEntry], password: bytes) -> bytes:
    if not keys:
        return serialize_p12_truststore([(e.alias, e.chain[0]) for e in trusted], password)
    if len(keys) > 1 or trusted:
        raise UsageError(
            "certbench writes a PKCS#12 keystore with one private key entry and nothing else (Java would not "
            "see trusted certificates beside it): use the jks format for this store"
        )
    (entry,) = keys
    if entry.key is None:
        raise KeystoreError(f"entry {entry.alias!r} holds no private key")
    return serialize_p12_keystore(entry.alias, entry.key, entry.chain, password)


def backup_path(path: str | Path) -> Path:
    target = Path(path)
    return target.with_name(target.name + BACKUP_SUFFIX)


def save_store(path: str | Path, data: bytes, *, force: bool = False) -> Path:
    """Replace ``path`` atomically, keeping its previous bytes as ``path.bak`` (refused when that exists,
    unless ``force``). The new file keeps the old one's permission bits."""
    target = Path(path)
    backup = backup_path(target)
    if backup.exists() and not force:
        raise OutputExistsError(f"{backup.name} already exists: move it away or use --force to replace it", path=target)
    try:
        old = target.read_bytes()
        mode = target.stat().st_mode & 0o777
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror or exc}", path=target) from exc
    write_atomic(backup, old, overwrite=True, mode=mode & PRIVATE_MODE)
    return write_atomic(target, data, overwrite=True, mode=mode)


def save_edit(before: Store, after: Store, *, password: bytes | None, now: datetime, force: bool = False) -> Path:
    """Write the edited store ``after`` over ``before``'s file in its own format (see :func:`save_store`)."""
    data = serialize_store(after, before.format, password=password, now=now)
    return save_store(before.path, data, force=force)


def write_new_store(path: str | Path, data: bytes, *, force: bool = False) -> Path:
    """A converted store: a new file (0600, a store may hold keys), refused when it exists unless ``force``."""
    return write_atomic(path, data, overwrite=force, mode=PRIVATE_MODE)


def format_for(path: str | Path) -> StoreFormat | None:
    """The format an output path's extension asks for (``.jks``, ``.p12``/``.pfx``, ``.pem``/``.crt``)."""
    return {
        ".jks": StoreFormat.JKS,
        ".p12": StoreFormat.P12,
        ".pfx": StoreFormat.P12,
        ".pem": StoreFormat.PEM,
        ".crt": StoreFormat.PEM,
    }.get(Path(path).suffix.lower())
