"""Edits of a keystore or truststore file (add, remove, rename, password, convert), each recorded.

The audit line's fields are derived here from the store before and after the edit (which aliases came
and went), so ``certbench store ...`` and the Stores screen record the same line for the same edit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from certbench.core import store_edit as se
from certbench.core.actions.events import Event, record
from certbench.core.workspace import Workspace


class StoreEdit(StrEnum):
    """An edit of a store in place (its audit event is ``store.<value>``)."""

    ADD = "add"
    REMOVE = "remove"
    RENAME = "rename"
    PASSWD = "passwd"

    @property
    def event(self) -> str:
        return f"store.{self.value}"


def edit_details(edit: StoreEdit, before: se.Store, after: se.Store) -> dict[str, Any]:
    """The aliases an edit added, removed or renamed (what its audit line and ``--json`` report)."""
    added = [alias for alias in after.aliases() if alias not in before.aliases()]
    removed = [alias for alias in before.aliases() if alias not in after.aliases()]
    if edit is StoreEdit.ADD:
        return {"added": added}
    if edit is StoreEdit.REMOVE:
        return {"removed": removed}
    if edit is StoreEdit.RENAME and added and removed:
        return {"old": removed[0], "new": added[0]}
    return {}


def _recorded(workspace: Workspace | None) -> Workspace | None:
    """The workspace to record in: only one that already exists (a store edit never creates one)."""
    return workspace if workspace is not None and workspace.items_dir.is_dir() else None


def save_store_edit(
    workspace: Workspace | None,
    edit: StoreEdit,
    before: se.Store,
    after: se.Store,
    *,
    password: bytes | None,
    now: datetime,
    force: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """Save ``after`` over ``before``'s file (the previous version kept as a backup); return the path
    written and the edit's details, recorded as ``store.<edit>`` in the workspace when there is one."""
    details = edit_details(edit, before, after)
    written = se.save_edit(before, after, password=password, now=now, force=force)
    target = _recorded(workspace)
    if target is not None:
        record(target, edit.event, now, file=str(written), backup=str(se.backup_path(written)), **details)
    return written, details


def convert_store(
    workspace: Workspace | None,
    store: se.Store,
    out: str | Path,
    fmt: se.StoreFormat,
    *,
    password: bytes | None,
    now: datetime,
    force: bool = False,
) -> Path:
    """Write a copy of ``store`` as ``fmt`` to ``out``; recorded as ``store.convert``."""
    data = se.serialize_store(store, fmt, password=password, now=now)
    written = se.write_new_store(out, data, force=force)
    target = _recorded(workspace)
    if target is not None:
        record(target, Event.STORE_CONVERT, now, file=store.path, out=str(written), format=fmt.value)
    return written
