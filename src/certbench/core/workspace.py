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

``item.json`` is written last, so a folder without it is an unfinished write and is ignored. What an item
is and its ``item.json`` format are :mod:`certbench.core.item`; this module is the directory: locking,
storing, listing, reading, the trash and the audit log.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certbench.core.errors import PasswordError, UsageError, WorkspaceError
from certbench.core.item import (
    ITEM_NAME_PATTERN,
    DamagedItem,
    Item,
    ItemKind,
    iso,
    item_json,
    parse_item,
    refuse_secrets,
    validate_item_name,
)
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

if TYPE_CHECKING:
    # cryptography is loaded by the methods that parse or write certificates: listing the workspace
    # needs none, and the TUI's first screen paints sooner without it.
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

#: The item types live in :mod:`certbench.core.item`; they are imported from here too.
__all__ = [
    "ITEM_NAME_PATTERN",
    "DamagedItem",
    "Item",
    "ItemKind",
    "TrashedItem",
    "Workspace",
    "validate_item_name",
]

_TRASH_ID = re.compile(rf"({ITEM_NAME_PATTERN.pattern})~([1-9][0-9]{{0,8}})")


@dataclass(frozen=True)
class TrashedItem:
    """An item in the workspace's trash: ``trash_id`` (``NAME~N``) restores it."""

    trash_id: str
    name: str
    number: int
    directory: Path
    item: Item | None


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
        holder = certificate if certificate is not None else csr
        if holder is None:
            raise UsageError("an item needs a certificate or a CSR")
        refuse_secrets(extra or {})
        files = {**_item_files(certificate, chain, key_pem, csr), **(attachments or {})}
        encrypted = key_encrypted if key_pem is not None else None
        metadata = item_json(name, kind, now, holder, encrypted, issuer, extra or {})
        with self.lock(f"save item {name}"):
            if self.has(name) and not overwrite:
                raise WorkspaceError(f"an item named {name!r} already exists; use --force to replace it")
            directory = self.items_dir / name
            staging = make_staging_dir(directory)
            try:
                for relative, data in files.items():
                    _write_item_file(staging, relative, data)
                write_atomic(staging / "item.json", metadata)
                install_dir(staging, directory)
            except BaseException:
                _remove_staging(staging)
                raise
            return self._read_item(directory)

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
        refuse_secrets(details)
        record = {"time": iso(now), "action": action, **details}
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
        if (item.folder_id is not None and current != item.folder_id) or not self._same_write(item):
            raise WorkspaceError(
                f"item {item.name!r} was replaced by another certbench while this command read it; run it again",
                path=item.directory,
            )
        return data

    @staticmethod
    def _same_write(item: Item) -> bool:
        """The item's folder still holds the write ``item`` was read from (by item.json's write id: the
        folder's inode may have been reused by a later write)."""
        if item.write_id is None:
            return True
        try:
            return parse_item(item.directory).write_id == item.write_id
        except WorkspaceError:
            return False

    def _read_item(self, directory: Path) -> Item:
        """Read ``item.json``; retried when the item is swapped while being read (old or new, never a mix)."""
        for _attempt in range(5):
            try:
                before = _folder_id(directory)
                item = parse_item(directory)
                if _folder_id(directory) == before:
                    return dataclasses.replace(item, folder_id=before)
            except FileNotFoundError as exc:
                raise WorkspaceError(
                    "the item was deleted or replaced while being read; try again", path=directory
                ) from exc
            except OSError as exc:
                raise WorkspaceError(f"cannot read the item: {exc.strerror or exc}", path=directory) from exc
        raise WorkspaceError("the item keeps being replaced by another certbench; try again", path=directory)


def _item_files(
    certificate: x509.Certificate | None,
    chain: Sequence[x509.Certificate],
    key_pem: bytes | None,
    csr: x509.CertificateSigningRequest | None,
) -> dict[str, bytes]:
    """An item's own files by name: those it has of cert.pem, chain.pem, key.pem and csr.pem."""
    files: dict[str, bytes] = {}
    if certificate is not None:
        files["cert.pem"] = _pem(certificate)
    if chain:
        files["chain.pem"] = b"".join(_pem(c) for c in chain)
    if key_pem is not None:
        files["key.pem"] = key_pem
    if csr is not None:
        files["csr.pem"] = _pem(csr)
    return files


def _write_item_file(directory: Path, relative: str, data: bytes) -> None:
    """One file of an item under its folder (never outside it); private (mode 0600) when it is a key."""
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


def _remove_staging(staging: Path) -> None:
    """Best-effort removal of a staging folder after a failed build (the sweep gets what remains)."""
    shutil.rmtree(staging, ignore_errors=True)
