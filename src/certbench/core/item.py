"""A workspace item: what it is (:class:`Item`, :class:`ItemKind`), its name rule, and its ``item.json``
(written by :func:`item_json`, read by :func:`parse_item`). The folders themselves, their locking and
swapping, are :mod:`certbench.core.workspace`."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certbench.core.errors import UsageError, WorkspaceError
from certbench.core.reading import read_workspace_file
from certbench.core.validity import days_until

if TYPE_CHECKING:  # loaded by item_json: reading items needs no cryptography (the TUI's first screen)
    from cryptography import x509

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
    #: Written by Inspect's and probe's import before they wrote ``cert``: still read, no longer written.
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
    #: The random id item.json got when this version of the item was written. A folder's inode can be
    #: reused by a later write once the folder it replaced is removed, so the folder alone does not tell two
    #: versions apart (None: an item written before certbench recorded the id).
    write_id: str | None = field(default=None, compare=False, repr=False)

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
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
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


def validate_item_name(name: str) -> str:
    """Item names become folder names: letters, digits, ``.``, ``_``, ``-``; at most 64 characters."""
    if not ITEM_NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"invalid item name {name!r}: use letters, digits, '.', '_' or '-' (start with a letter or digit,"
            " at most 64 characters)"
        )
    return name


def item_json(
    name: str,
    kind: ItemKind,
    now: datetime,
    holder: x509.Certificate | x509.CertificateSigningRequest,
    key_encrypted: bool | None,
    issuer: str | None,
    extra: Mapping[str, Any],
) -> bytes:
    """The ``item.json`` of an item holding ``holder`` (its certificate, else its CSR); ``key_encrypted`` is
    None for an item without a key."""
    from cryptography import x509

    from certbench.core.describe import rfc4514
    from certbench.core.fingerprints import sha256_colon

    metadata: dict[str, Any] = {
        "version": METADATA_VERSION,
        "name": name,
        "kind": str(kind),
        "subject": rfc4514(holder.subject),
        "created": iso(now),
        "write_id": secrets.token_hex(8),
        "issuer": issuer,
        "key_encrypted": key_encrypted,
        "extra": dict(extra),
    }
    if isinstance(holder, x509.Certificate):
        metadata["not_before"] = iso(holder.not_valid_before_utc)
        metadata["not_after"] = iso(holder.not_valid_after_utc)
        metadata["sha256"] = sha256_colon(holder)
    return (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode()


def parse_item(directory: Path) -> Item:
    """The item described by ``directory/item.json``; a damaged one raises :class:`WorkspaceError` naming it."""
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
            write_id=_optional_text(meta, "write_id"),
        )
    except KeyError as exc:
        raise WorkspaceError(f"damaged item metadata (field {exc} is missing)", path=meta_path) from exc
    except (ValueError, TypeError, RecursionError) as exc:
        raise WorkspaceError(f"damaged item metadata ({exc})", path=meta_path) from exc


def iso(value: datetime | None) -> str | None:
    """A UTC timestamp as item.json and the audit log write it (``2026-01-15T12:00:00Z``)."""
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


def refuse_secrets(fields: Mapping[str, Any] | Iterable[str]) -> None:
    """Refuse metadata or audit fields whose name says they hold a secret."""
    for key in fields:
        if any(word in str(key).lower() for word in _SECRET_WORDS):
            raise ValueError(f"refusing to store field {key!r}: secrets never go into the workspace metadata")
