"""The workspace: a plain directory of named items a person can browse, back up or put under git.

Layout (documented in the README)::

    WORKSPACE/                 mode 0700
      items/NAME/              one folder per item, mode 0700
        item.json              metadata (kind, subject, not-after, fingerprint, ...); never a secret
        cert.pem               the item's certificate (CA, leaf, imported)
        chain.pem              its issuer chain, issuer first, towards the root (may be absent)
        key.pem                private key, PKCS#8, mode 0600, encrypted unless asked otherwise
        csr.pem                the certificate signing request (CSR items)
      artifacts/               built outputs (keystore JARs, PKCS#12, truststores...)
      trash/NAME~N/            deleted items, restorable (an item folder moved whole, by rename)
      bindings.json            client_id <-> certificate registry
      audit.log                append-only JSON lines of actions (never a secret)

``item.json`` is written last, so a folder without it is an unfinished write and is ignored.

Changes are safe against concurrent certbench processes and against being killed (README "Workspace"):
every read-modify-write holds the workspace lock (:mod:`certbench.core.lock`); an item is built complete
in a hidden folder ``items/.NAME.XXXXXXXX.tmp`` and swapped in by rename
(:func:`certbench.core.safe_write.install_dir`); leftovers of killed writers are swept when the workspace
is next opened.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certbench.core.errors import PasswordError, UsageError, WorkspaceError
from certbench.core.lock import DEFAULT_TIMEOUT, hold
from certbench.core.reading import read_workspace_file
from certbench.core.safe_write import (
    append_line,
    ensure_private_dir,
    install_dir,
    make_staging_dir,
    remove_dir,
    sweep_dir,
    write_atomic,
    write_private,
)
from certbench.core.validity import days_until

if TYPE_CHECKING:
    # cryptography (and describe, which imports it) are loaded by the methods that parse or write
    # certificates: listing the workspace needs neither, and the TUI's first screen paints sooner without.
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

#: Always used with ``fullmatch`` (``$`` alone would accept a trailing newline).
ITEM_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
METADATA_VERSION = 1
_SECRET_WORDS = ("password", "passphrase", "secret", "private_key")


class ItemKind(StrEnum):
    """What a workspace item is."""

    CA = "ca"
    LEAF = "leaf"
    CSR = "csr"
    #: A certificate without its key (``certbench import`` of certificates alone).
    CERT = "cert"
    #: Written by Inspect's and probe's import before ``cert`` existed: still read, no longer written by import.
    IMPORTED = "imported"


@dataclass(frozen=True)
class Item:
    """A named workspace item as described by its ``item.json``."""

    name: str
    kind: ItemKind
    directory: Path
    subject: str
    created: datetime
    not_after: datetime | None = None
    not_before: datetime | None = None
    sha256: str | None = None
    issuer: str | None = None
    key_encrypted: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: (device, inode) of the folder this was read from. Installed item folders are never changed in
    #: place (a write installs a new folder), so a file read later belongs to this version of the item
    #: exactly when the folder at ``directory`` is still this one.
    folder_id: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def cert_path(self) -> Path:
        return self.directory / "cert.pem"

    @property
    def chain_path(self) -> Path:
        return self.directory / "chain.pem"

    @property
    def key_path(self) -> Path:
        return self.directory / "key.pem"

    @property
    def csr_path(self) -> Path:
        return self.directory / "csr.pem"

    @property
    def has_key(self) -> bool:
        return self.key_encrypted is not None

    def days_left(self, now: datetime) -> int | None:
        """Whole days until not-after (negative once expired); None for items without a certificate."""
        if self.not_after is None:
            return None
        return days_until(self.not_after, now)

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The public description used by ``certbench list --json``."""
        return {
            "name": self.name,
            "kind": str(self.kind),
            "subject": self.subject,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "days_left": self.days_left(now),
            "sha256": self.sha256,
            "issuer": self.issuer,
            "has_key": self.has_key,
            "key_encrypted": self.key_encrypted,
        }


@dataclass(frozen=True)
class DamagedItem:
    """An item folder whose ``item.json`` cannot be read: reported by name, never fatal to a listing."""

    name: str
    directory: Path
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "damaged": self.reason, "path": str(self.directory / "item.json")}


_TRASH_ID = re.compile(rf"({ITEM_NAME_PATTERN.pattern})~([1-9][0-9]{{0,8}})")


@dataclass(frozen=True)
class TrashedItem:
    """An item in the workspace's trash: ``trash_id`` (``NAME~N``) restores it."""

    trash_id: str
    name: str
    number: int
    directory: Path
    item: Item | None


def validate_item_name(name: str) -> str:
    """Item names become folder names: letters, digits, ``.``, ``_``, ``-``; at most 64 characters."""
    if not ITEM_NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"invalid item name {name!r}: use letters, digits, '.', '_' or '-' (start with a letter or digit,"
            " at most 64 characters)"
        )
    return name


class Workspace:
    """A workspace directory. Created on first use with mode 0700.

    ``lock_timeout`` bounds the wait for the workspace lock. ``on_warning`` receives one-line warnings
    about things that went wrong after a change was made (the audit log could not be appended); without
    it they are kept in :attr:`warnings`.
    """

    def __init__(
        self,
        root: Path,
        *,
        lock_timeout: float = DEFAULT_TIMEOUT,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.lock_timeout = lock_timeout
        self.on_warning = on_warning
        self.warnings: list[str] = []

    @classmethod
    def open(cls, root: str | Path, *, lock_timeout: float = DEFAULT_TIMEOUT) -> Workspace:
        """Open (creating if needed) the workspace at ``root`` and sweep leftovers of killed writers."""
        workspace = cls(Path(root).expanduser(), lock_timeout=lock_timeout)
        ensure_private_dir(workspace.root)
        ensure_private_dir(workspace.items_dir)
        ensure_private_dir(workspace.artifacts_dir)
        workspace.sweep()
        return workspace

    @contextlib.contextmanager
    def lock(self, purpose: str) -> Iterator[None]:
        """Hold the workspace lock (re-entrant) for a read-modify-write; ``purpose`` names it to waiters."""
        with hold(self.root, purpose, timeout=self.lock_timeout):
            yield

    def sweep(self) -> list[Path]:
        """Remove temporary files and folders left by killed certbench writers; return what went.

        When the lock is free nobody is writing, so every leftover in ``items/``, the item folders and the
        workspace root goes (and an item set aside by a replacement killed half-way is put back). When it
        is held, or for ``artifacts/`` (written without the lock), only leftovers older than the grace
        period go. A read-only workspace is left as it is.
        """
        removed: list[Path] = []
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(hold(self.root, "sweep", timeout=0))
                locked = True
            except WorkspaceError:
                locked = False
            removed += sweep_dir(self.root, locked=locked)
            removed += sweep_dir(self.items_dir, locked=locked)
            for directory in self._item_dirs():
                removed += sweep_dir(directory, locked=locked)
            removed += sweep_dir(self.artifacts_dir, locked=False)
        return removed

    @property
    def items_dir(self) -> Path:
        return self.root / "items"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    def output_path(self, typed: str | Path) -> Path:
        """Where a typed output path points, by the one rule of the TUI: ``~`` expands, a relative path is
        relative to the workspace's ``artifacts/`` folder; the result is absolute (to report it)."""
        path = Path(typed).expanduser()
        return (path if path.is_absolute() else self.artifacts_dir / path).absolute()

    @property
    def audit_path(self) -> Path:
        return self.root / "audit.log"

    @property
    def bindings_path(self) -> Path:
        return self.root / "bindings.json"

    # -- reading -----------------------------------------------------------------------------------

    def list_items(self) -> list[Item]:
        """All complete, readable items, sorted by name (see :meth:`scan_items` for the damaged ones)."""
        return self.scan_items()[0]

    def scan_items(self) -> tuple[list[Item], list[DamagedItem]]:
        """The readable items and the damaged ones (``item.json`` unreadable), each sorted by name.

        An item being replaced or deleted by another process while we read is taken as it is found (old or
        new) or skipped when it is gone, never reported as damaged.
        """
        items: list[Item] = []
        damaged: list[DamagedItem] = []
        for directory in self._item_dirs():
            meta_path = directory / "item.json"
            if not meta_path.is_file():
                continue
            try:
                items.append(self._read_item(directory))
            except WorkspaceError as exc:
                if meta_path.is_file():
                    damaged.append(DamagedItem(directory.name, directory, exc.message))
        return items, damaged

    def looks_empty(self) -> bool:
        """No item folder at all: one directory listing and at most one stat, no item read (the TUI lays out
        its first screen with it while the items are listed in a worker)."""
        try:
            return not any(not path.name.startswith(".") and path.is_dir() for path in self.items_dir.iterdir())
        except OSError:
            return True

    def _item_dirs(self) -> list[Path]:
        """Item folders by name; hidden entries (temporary folders of writers) are never items."""
        try:
            entries = sorted(self.items_dir.iterdir())
        except OSError:
            return []
        return [path for path in entries if not path.name.startswith(".") and path.is_dir()]

    def has(self, name: str) -> bool:
        return (self.items_dir / name / "item.json").is_file()

    def get(self, name: str) -> Item:
        validate_item_name(name)
        directory = self.items_dir / name
        if not (directory / "item.json").is_file():
            known = ", ".join(item.name for item in self.list_items()) or "none"
            raise WorkspaceError(f"no item named {name!r} in workspace {self.root} (items: {known})")
        return self._read_item(directory)

    def load_certificate(self, item: Item) -> x509.Certificate:
        from cryptography import x509

        if not item.cert_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no certificate", path=item.cert_path)
        try:
            return x509.load_pem_x509_certificate(self._read_file(item, item.cert_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged certificate file ({exc})", path=item.cert_path) from exc

    def load_chain(self, item: Item) -> list[x509.Certificate]:
        """The item's issuer chain (issuer first, towards the root); empty when it has none."""
        from cryptography import x509

        if not item.chain_path.is_file():
            return []
        try:
            return x509.load_pem_x509_certificates(self._read_file(item, item.chain_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged chain file ({exc})", path=item.chain_path) from exc

    def load_csr(self, item: Item) -> x509.CertificateSigningRequest:
        from cryptography import x509

        if not item.csr_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no CSR", path=item.csr_path)
        try:
            return x509.load_pem_x509_csr(self._read_file(item, item.csr_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged CSR file ({exc})", path=item.csr_path) from exc

    def load_private_key(self, item: Item, password: bytes | None) -> PrivateKeyTypes:
        """Load the item's private key; raises :class:`PasswordError` when the password is missing/wrong."""
        from cryptography.hazmat.primitives import serialization

        if not item.key_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no private key", path=item.key_path)
        data = self._read_file(item, item.key_path)
        if item.key_encrypted and not password:
            raise PasswordError(
                f"the private key of {item.name!r} is encrypted",
                path=item.key_path,
                missing=True,
            )
        try:
            return serialization.load_pem_private_key(data, password=password if item.key_encrypted else None)
        except ValueError as exc:
            if item.key_encrypted:
                raise PasswordError(f"wrong password for the private key of {item.name!r}", path=item.key_path) from exc
            raise WorkspaceError(f"damaged private key file ({exc})", path=item.key_path) from exc
        except TypeError as exc:
            raise PasswordError(f"unexpected password state for {item.name!r}: {exc}", path=item.key_path) from exc

    # -- writing -----------------------------------------------------------------------------------

    def save_item(
        self,
        name: str,
        kind: ItemKind,
        *,
        now: datetime,
        certificate: x509.Certificate | None = None,
        chain: Sequence[x509.Certificate] = (),
        key_pem: bytes | None = None,
        key_encrypted: bool = True,
        csr: x509.CertificateSigningRequest | None = None,
        issuer: str | None = None,
        extra: Mapping[str, Any] | None = None,
        overwrite: bool = False,
        attachments: Mapping[str, bytes] | None = None,
    ) -> Item:
        """Store an item. Refuses an existing name unless ``overwrite``; the key gets mode 0600.

        The item is built complete in a hidden folder next to it and swapped in (under the workspace
        lock), so readers and a crash at any point see the old item or the new one, never a mix.
        ``attachments`` are more files of the item by relative path (``history/1/cert.pem``), written
        with it; a ``key.pem`` among them gets mode 0600.
        """
        validate_item_name(name)
        if certificate is None and csr is None:
            raise UsageError("an item needs a certificate or a CSR")
        _refuse_secrets(extra or {})
        with self.lock(f"save item {name}"):
            if self.has(name) and not overwrite:
                raise WorkspaceError(f"an item named {name!r} already exists; use --force to replace it")
            directory = self.items_dir / name
            staging = make_staging_dir(directory)
            try:
                self._write_item_files(
                    staging,
                    name,
                    kind,
                    now=now,
                    certificate=certificate,
                    chain=chain,
                    key_pem=key_pem,
                    key_encrypted=key_encrypted,
                    csr=csr,
                    issuer=issuer,
                    extra=extra,
                )
                for relative, data in (attachments or {}).items():
                    _write_attachment(staging, relative, data)
                install_dir(staging, directory)
            except BaseException:
                remove_staging(staging)
                raise
            return self._read_item(directory)

    def _write_item_files(
        self,
        directory: Path,
        name: str,
        kind: ItemKind,
        *,
        now: datetime,
        certificate: x509.Certificate | None,
        chain: Sequence[x509.Certificate],
        key_pem: bytes | None,
        key_encrypted: bool,
        csr: x509.CertificateSigningRequest | None,
        issuer: str | None,
        extra: Mapping[str, Any] | None,
    ) -> None:
        """Write a complete item into the (new, empty) folder ``directory``; ``item.json`` last."""
        from certbench.core.describe import rfc4514
        from certbench.core.fingerprints import sha256_colon

        if certificate is not None:
            write_atomic(directory / "cert.pem", _pem(certificate))
        if chain:
            write_atomic(directory / "chain.pem", b"".join(_pem(c) for c in chain))
        if key_pem is not None:
            write_private(directory / "key.pem", key_pem)
        if csr is not None:
            write_atomic(directory / "csr.pem", _pem(csr))
        subject_source = certificate.subject if certificate is not None else csr.subject  # type: ignore[union-attr]
        metadata: dict[str, Any] = {
            "version": METADATA_VERSION,
            "name": name,
            "kind": str(kind),
            "subject": rfc4514(subject_source),
            "created": _iso(now),
            "issuer": issuer,
            "key_encrypted": key_encrypted if key_pem is not None else None,
            "extra": dict(extra or {}),
        }
        if certificate is not None:
            metadata["not_before"] = _iso(certificate.not_valid_before_utc)
            metadata["not_after"] = _iso(certificate.not_valid_after_utc)
            metadata["sha256"] = sha256_colon(certificate)
        write_atomic(directory / "item.json", (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode())

    def delete_item(self, name: str) -> None:
        """Delete an item in one visible step (it is renamed away, then removed), under the lock."""
        with self.lock(f"delete item {name}"):
            directory = self.items_dir / validate_item_name(name)
            if not (directory / "item.json").is_file():
                self.get(name)  # raises the "no item named ..." error that lists the known items
            remove_dir(directory)  # a damaged item can be deleted too

    # Trash: Delete moves an item folder whole into trash/ (one rename under the lock), undo moves it back.

    @property
    def trash_dir(self) -> Path:
        return self.root / "trash"

    def trash_item(self, name: str) -> str:
        """Move item ``name`` to the trash in one rename, under the lock; return its trash id ``NAME~N``."""
        with self.lock(f"trash item {name}"):
            directory = self.items_dir / validate_item_name(name)
            if not (directory / "item.json").is_file():
                self.get(name)  # raises the "no item named ..." error that lists the known items
            ensure_private_dir(self.trash_dir)
            taken = [entry.trash_id for entry in self.list_trash() if entry.name == name]
            number = 1 + max((int(trash_id.rsplit("~", 1)[1]) for trash_id in taken), default=0)
            trash_id = f"{name}~{number}"
            try:
                directory.rename(self.trash_dir / trash_id)
            except OSError as exc:
                raise WorkspaceError(f"cannot move item {name!r} to {self.trash_dir}: {exc.strerror or exc}") from exc
            return trash_id

    def restore_item(self, trash_id: str) -> str:
        """Move a trashed item back (one rename, under the lock); return its name. Refuses to replace an
        item that has the name now."""
        match = _TRASH_ID.fullmatch(trash_id)
        if match is None:
            raise UsageError(f"invalid trash id {trash_id!r}: expected NAME~N as listed by the trash")
        name = match.group(1)
        with self.lock(f"restore item {name}"):
            source = self.trash_dir / trash_id
            if not source.is_dir():
                raise WorkspaceError(f"nothing in the trash of {self.root} has the id {trash_id!r}")
            target = self.items_dir / name
            if target.exists():
                raise WorkspaceError(f"an item named {name!r} exists: delete or rename it before restoring {trash_id}")
            try:
                source.rename(target)
            except OSError as exc:
                raise WorkspaceError(f"cannot restore {trash_id!r} to {target}: {exc.strerror or exc}") from exc
            return name

    def list_trash(self) -> list[TrashedItem]:
        """What the trash holds, by name then number; the metadata when it is readable (else None)."""
        try:
            entries = [entry for entry in self.trash_dir.iterdir() if entry.is_dir()]
        except OSError:
            return []
        found: list[TrashedItem] = []
        for entry in entries:
            match = _TRASH_ID.fullmatch(entry.name)
            if match is None:
                continue
            try:
                item: Item | None = self._read_item(entry)
            except WorkspaceError:
                item = None
            found.append(TrashedItem(entry.name, match.group(1), int(match.group(2)), entry, item))
        return sorted(found, key=lambda t: (t.name, t.number))

    def audit(self, action: str, now: datetime, **details: Any) -> None:
        """Append one action to ``audit.log``. Refuses any field that looks like a secret.

        The action itself is already done when this runs, so a failed append (read-only workspace, full
        disk) does not undo or fail it: it becomes a warning (see ``on_warning``).
        """
        _refuse_secrets(details)
        record = {"time": _iso(now), "action": action, **details}
        try:
            append_line(self.audit_path, json.dumps(record, sort_keys=True, default=str))
        except WorkspaceError as exc:
            self.warn(f"{action} was done but not recorded in the audit log: {exc}")

    def warn(self, message: str) -> None:
        """Pass a one-line warning to ``on_warning`` (the CLI prints it, the TUI notifies), else keep it."""
        if self.on_warning is not None:
            self.on_warning(message)
        else:
            self.warnings.append(message)

    def read_audit(self) -> list[dict[str, Any]]:
        if not self.audit_path.is_file():
            return []
        lines = read_workspace_file(self.audit_path).decode("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    # -- internals ---------------------------------------------------------------------------------

    def _read_file(self, item: Item, path: Path) -> bytes:
        """A file of ``item``, refused when another process replaced or deleted the item since it was read
        (so a command never combines one write's certificate with another's key)."""
        try:
            data = read_workspace_file(path)
            current = _folder_id(item.directory)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot read: {exc.strerror or exc} (was item {item.name!r} deleted meanwhile?)", path=path
            ) from exc
        if item.folder_id is not None and current != item.folder_id:
            raise WorkspaceError(
                f"item {item.name!r} was replaced by another certbench while this command read it; run it again",
                path=item.directory,
            )
        return data

    def _read_item(self, directory: Path) -> Item:
        """Read ``item.json``; retried when the item is swapped while being read (old or new, never a mix)."""
        for _attempt in range(5):
            try:
                before = _folder_id(directory)
                item = self._parse_item(directory)
                if _folder_id(directory) == before:
                    return dataclasses.replace(item, folder_id=before)
            except FileNotFoundError as exc:
                raise WorkspaceError(
                    "the item was deleted or replaced while being read; try again", path=directory
                ) from exc
            except OSError as exc:
                raise WorkspaceError(f"cannot read the item: {exc.strerror or exc}", path=directory) from exc
        raise WorkspaceError("the item keeps being replaced by another certbench; try again", path=directory)

    def _parse_item(self, directory: Path) -> Item:
        meta_path = directory / "item.json"
        try:
            meta = json.loads(read_workspace_file(meta_path).decode("utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("the top level is not a JSON object")
            extra = meta.get("extra") or {}
            if not isinstance(extra, dict):
                raise ValueError("'extra' is not an object")
            return Item(
                name=_text(meta, "name"),
                kind=ItemKind(meta["kind"]),
                directory=directory,
                subject=_text(meta, "subject"),
                created=_parse_iso(meta["created"], "created") or datetime.fromtimestamp(0, UTC),
                not_after=_parse_iso(meta.get("not_after"), "not_after"),
                not_before=_parse_iso(meta.get("not_before"), "not_before"),
                sha256=_optional_text(meta, "sha256"),
                issuer=_optional_text(meta, "issuer"),
                key_encrypted=_flag(meta.get("key_encrypted")),
                extra=extra,
            )
        except KeyError as exc:
            raise WorkspaceError(f"damaged item metadata (field {exc} is missing)", path=meta_path) from exc
        except (ValueError, TypeError, RecursionError) as exc:
            raise WorkspaceError(f"damaged item metadata ({exc})", path=meta_path) from exc


def _write_attachment(directory: Path, relative: str, data: bytes) -> None:
    """One more file of an item under its folder (never outside it); private when it is a key."""
    parts = Path(relative).parts
    if not parts or any(part in ("", ".", "..") for part in parts) or Path(relative).is_absolute():
        raise UsageError(f"invalid item file name {relative!r}")
    target = directory.joinpath(*parts)
    for depth in range(1, len(parts)):
        ensure_private_dir(directory.joinpath(*parts[:depth]))
    if parts[-1] == "key.pem":
        write_private(target, data)
    else:
        write_atomic(target, data)


def _folder_id(directory: Path) -> tuple[int, int]:
    status = directory.stat()
    return status.st_dev, status.st_ino


def _pem(certificate: x509.Certificate | x509.CertificateSigningRequest) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: object, field_name: str = "timestamp") -> datetime | None:
    """An ISO 8601 timestamp of item.json (None when absent); ValueError names the field otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field_name} is {value!r}, not an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{field_name} {value!r} is not a usable timestamp ({exc})") from exc


def _text(meta: Mapping[str, Any], key: str) -> str:
    value = meta[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is {value!r}, not text")
    return value


def _optional_text(meta: Mapping[str, Any], key: str) -> str | None:
    return None if meta.get(key) is None else _text(meta, key)


def _flag(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"key_encrypted is {value!r}, not true/false/null")
    return value


def remove_staging(staging: Path) -> None:
    """Best-effort removal of a staging folder after a failed build (the sweep gets what remains)."""
    shutil.rmtree(staging, ignore_errors=True)


def _refuse_secrets(fields: Mapping[str, Any] | Iterable[str]) -> None:
    for key in fields:
        if any(word in str(key).lower() for word in _SECRET_WORDS):
            raise ValueError(f"refusing to store field {key!r}: secrets never go into the workspace metadata")
