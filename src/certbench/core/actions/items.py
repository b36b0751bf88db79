"""Workspace items brought in from outside or taken away: import a certificate (with its chain), delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509

from certbench.core.actions.events import Event, record
from certbench.core.workspace import Item, ItemKind, Workspace


def import_certificate(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    source: str,
    overwrite: bool = False,
    record_source: bool = False,
) -> Item:
    """Store ``certificate`` and ``chain`` as an ``imported`` item (no key); recorded as ``item.import``.

    ``source`` says where it came from (``inspect``, ``probe HOST:PORT``); ``record_source`` also keeps
    it in the item's metadata.
    """
    item = workspace.save_item(
        name,
        ItemKind.IMPORTED,
        now=now,
        certificate=certificate,
        chain=list(chain),
        extra={"source": source} if record_source else None,
        overwrite=overwrite,
    )
    record(workspace, Event.ITEM_IMPORT, now, item=item.name, source=source)
    return item
