"""Storing a new item with its private key and recording it: the last step of create and import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.actions.events import Event, record
from certbench.core.issue.keys import serialize_private_key
from certbench.core.workspace import Item, ItemKind, Workspace


@dataclass(frozen=True)
class NewItem:
    """An item a workflow made, not stored yet: its certificate (with its issuer chain) or CSR, and the
    private key to keep beside it, encrypted with ``key_password`` (None: unencrypted, an explicit choice)."""

    kind: ItemKind
    certificate: x509.Certificate | None
    chain: Sequence[x509.Certificate]
    key: PrivateKeyTypes | None
    key_password: bytes | None
    csr: x509.CertificateSigningRequest | None = None
    #: The workspace CA item that issued the certificate, if any.
    issuer: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def store_new_item(
    workspace: Workspace, name: str, new: NewItem, event: Event, *, now: datetime, overwrite: bool, **fields: Any
) -> Item:
    """Serialize the key, store ``new`` as item ``name`` (swapped in whole, under the workspace lock) and
    record ``event`` with ``item=name`` and ``fields``; whether the key is encrypted is recorded too."""
    key_pem = serialize_private_key(new.key, new.key_password) if new.key is not None else None
    item = workspace.save_item(
        name,
        new.kind,
        now=now,
        certificate=new.certificate,
        chain=new.chain,
        key_pem=key_pem,
        key_encrypted=new.key_password is not None,
        csr=new.csr,
        issuer=new.issuer,
        extra=new.extra,
        overwrite=overwrite,
    )
    encrypted = new.key_password is not None if new.key is not None else None
    record(workspace, event, now, item=name, **fields, encrypted=encrypted)
    return item
