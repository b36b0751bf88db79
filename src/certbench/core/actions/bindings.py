"""The client_id <-> certificate registry's changes: add, remove, export, each recorded."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from certbench.core.actions.events import Event, record
from certbench.core.bindings import Binding, Registry
from certbench.core.safe_write import write_atomic
from certbench.core.workspace import Workspace


def registry(workspace: Workspace) -> Registry:
    """The workspace's registry (its changes re-read and save the file under the workspace lock)."""
    return Registry.load(workspace.bindings_path, lock_timeout=workspace.lock_timeout)


def bind_add(
    workspace: Workspace, client_id: str, certificate: x509.Certificate, *, now: datetime, note: str = ""
) -> Binding:
    """Bind ``certificate`` to ``client_id``; recorded as ``bind.add``."""
    binding = registry(workspace).add(client_id, certificate, now=now, note=note)
    record(workspace, Event.BIND_ADD, now, client_id=binding.client_id, sha256=binding.sha256)
    return binding


def bind_remove(workspace: Workspace, client_id: str, fingerprint: str | None, *, now: datetime) -> list[Binding]:
    """Remove ``client_id``'s bindings (or the one with ``fingerprint``); one ``bind.remove`` per binding."""
    removed = registry(workspace).remove(client_id, fingerprint)
    for binding in removed:
        record(workspace, Event.BIND_REMOVE, now, client_id=binding.client_id, sha256=binding.sha256)
    return removed


def export_document(workspace: Workspace, *, now: datetime) -> dict[str, Any]:
    """The registry as the JSON document a gateway loads (nothing written, nothing recorded)."""
    return registry(workspace).export_json(now=now)


def bind_export(workspace: Workspace, out: str | Path, *, now: datetime, overwrite: bool = False) -> Path:
    """Write the registry's export document to ``out``; recorded as ``bind.export``."""
    document = export_document(workspace, now=now)
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    written = write_atomic(Path(out), data, overwrite=overwrite)
    record(workspace, Event.BIND_EXPORT, now, output=str(written))
    return written
