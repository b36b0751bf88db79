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
      bindings.json            client_id <-> certificate registry
      audit.log                append-only JSON lines of actions (never a secret)

``item.json`` is written last, so a folder without it is an unfinished write and is ignored.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.describe import days_until, rfc4514
from certbench.core.errors import PasswordError, UsageError, WorkspaceError
from certbench.core.fingerprints import sha256_colon
from certbench.core.reading import read_workspace_file
from certbench.core.safe_write import append_line, ensure_private_dir, write_atomic, write_private

ITEM_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
METADATA_VERSION = 1
_SECRET_WORDS = ("password", "passphrase", "secret", "private_key")


class ItemKind(StrEnum):
    """What a workspace item is."""

    CA = "ca"
    LEAF = "leaf"
    CSR = "csr"
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


def validate_item_name(name: str) -> str:
    """Item names become folder names: letters, digits, ``.``, ``_``, ``-``; at most 64 characters."""
    if not ITEM_NAME_PATTERN.match(name):
        raise UsageError(
            f"invalid item name {name!r}: use letters, digits, '.', '_' or '-' (start with a letter or digit,"
            " at most 64 characters)"
        )
    return name


class Workspace:
    """A workspace directory. Created on first use with mode 0700."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def open(cls, root: str | Path) -> Workspace:
        """Open (creating if needed) the workspace at ``root``."""
        workspace = cls(Path(root).expanduser())
        ensure_private_dir(workspace.root)
        ensure_private_dir(workspace.items_dir)
        ensure_private_dir(workspace.artifacts_dir)
        return workspace

    @property
    def items_dir(self) -> Path:
        return self.root / "items"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def audit_path(self) -> Path:
        return self.root / "audit.log"

    @property
    def bindings_path(self) -> Path:
        return self.root / "bindings.json"

    # -- reading -----------------------------------------------------------------------------------

    def list_items(self) -> list[Item]:
        """All complete items, sorted by name. A damaged ``item.json`` is an error, not skipped."""
        if not self.items_dir.is_dir():
            return []
        items = []
        for directory in sorted(self.items_dir.iterdir()):
            if directory.is_dir() and (directory / "item.json").is_file():
                items.append(self._read_item(directory))
        return items

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
        if not item.cert_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no certificate", path=item.cert_path)
        try:
            return x509.load_pem_x509_certificate(read_workspace_file(item.cert_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged certificate file ({exc})", path=item.cert_path) from exc

    def load_chain(self, item: Item) -> list[x509.Certificate]:
        """The item's issuer chain (issuer first, towards the root); empty when it has none."""
        if not item.chain_path.is_file():
            return []
        try:
            return x509.load_pem_x509_certificates(read_workspace_file(item.chain_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged chain file ({exc})", path=item.chain_path) from exc

    def load_csr(self, item: Item) -> x509.CertificateSigningRequest:
        if not item.csr_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no CSR", path=item.csr_path)
        try:
            return x509.load_pem_x509_csr(read_workspace_file(item.csr_path))
        except ValueError as exc:
            raise WorkspaceError(f"damaged CSR file ({exc})", path=item.csr_path) from exc

    def load_private_key(self, item: Item, password: bytes | None) -> PrivateKeyTypes:
        """Load the item's private key; raises :class:`PasswordError` when the password is missing/wrong."""
        if not item.key_path.is_file():
            raise WorkspaceError(f"item {item.name!r} has no private key", path=item.key_path)
        data = read_workspace_file(item.key_path)
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
    ) -> Item:
        """Store an item. Refuses an existing name unless ``overwrite``; the key gets mode 0600."""
        validate_item_name(name)
        if certificate is None and csr is None:
            raise UsageError("an item needs a certificate or a CSR")
        _refuse_secrets(extra or {})
        directory = self.items_dir / name
        if self.has(name) and not overwrite:
            raise WorkspaceError(f"an item named {name!r} already exists; use --force to replace it")
        ensure_private_dir(directory)
        if (directory / "item.json").exists():
            # Replacing: drop the metadata first so a crash mid-way leaves no item pointing at mixed files.
            (directory / "item.json").unlink()
        written: set[str] = {"item.json"}
        if certificate is not None:
            write_atomic(directory / "cert.pem", _pem(certificate), overwrite=True)
            written.add("cert.pem")
        if chain:
            write_atomic(directory / "chain.pem", b"".join(_pem(c) for c in chain), overwrite=True)
            written.add("chain.pem")
        if key_pem is not None:
            write_private(directory / "key.pem", key_pem, overwrite=True)
            written.add("key.pem")
        if csr is not None:
            write_atomic(directory / "csr.pem", csr.public_bytes(serialization.Encoding.PEM), overwrite=True)
            written.add("csr.pem")
        for stale in ("cert.pem", "chain.pem", "key.pem", "csr.pem"):
            if stale not in written and (directory / stale).exists():
                (directory / stale).unlink()
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
        write_atomic(
            directory / "item.json",
            (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode(),
            overwrite=True,
        )
        return self._read_item(directory)

    def delete_item(self, name: str) -> None:
        item = self.get(name)
        (item.directory / "item.json").unlink()
        shutil.rmtree(item.directory)

    def audit(self, action: str, now: datetime, **details: Any) -> None:
        """Append one action to ``audit.log``. Refuses any field that looks like a secret."""
        _refuse_secrets(details)
        record = {"time": _iso(now), "action": action, **details}
        append_line(self.audit_path, json.dumps(record, sort_keys=True, default=str))

    def read_audit(self) -> list[dict[str, Any]]:
        if not self.audit_path.is_file():
            return []
        lines = read_workspace_file(self.audit_path).decode("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    # -- internals ---------------------------------------------------------------------------------

    def _read_item(self, directory: Path) -> Item:
        meta_path = directory / "item.json"
        try:
            meta = json.loads(read_workspace_file(meta_path).decode("utf-8"))
            return Item(
                name=meta["name"],
                kind=ItemKind(meta["kind"]),
                directory=directory,
                subject=meta["subject"],
                created=_parse_iso(meta["created"]) or datetime.fromtimestamp(0, UTC),
                not_after=_parse_iso(meta.get("not_after")),
                not_before=_parse_iso(meta.get("not_before")),
                sha256=meta.get("sha256"),
                issuer=meta.get("issuer"),
                key_encrypted=meta.get("key_encrypted"),
                extra=meta.get("extra") or {},
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(f"damaged item metadata ({exc})", path=meta_path) from exc


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _refuse_secrets(fields: Mapping[str, Any] | Iterable[str]) -> None:
    for key in fields:
        if any(word in str(key).lower() for word in _SECRET_WORDS):
            raise ValueError(f"refusing to store field {key!r}: secrets never go into the workspace metadata")
