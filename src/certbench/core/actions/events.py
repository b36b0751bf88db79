"""The audit log's event names: one canonical name per action, whichever front end ran it.

``commands/`` and ``ui/`` never append to the audit log themselves; the action that did the work does,
through :func:`record`, so the CLI and the TUI leave the same line for the same action (time aside).
:func:`record` is the only caller of :meth:`Workspace.audit` (``tests/test_actions_audit.py`` checks it).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from certbench.core.workspace import Workspace


class Event(StrEnum):
    """An audited action (the ``action`` field of an ``audit.log`` line)."""

    CREATE = "create"
    CSR_COMPLETE = "csr-complete"
    SIGN = "sign"
    CERT_RENEW = "cert.renew"
    DEMO = "demo"
    JAR_BUILD = "jar.build"
    EXPORT = "export"
    TRUST_BUILD = "trust.build"
    BIND_ADD = "bind.add"
    BIND_REMOVE = "bind.remove"
    BIND_EXPORT = "bind.export"
    ITEM_IMPORT = "item.import"
    ITEM_TRASH = "item.trash"
    ITEM_RESTORE = "item.restore"
    TRASH_EMPTY = "trash.empty"
    STORE_CONVERT = "store.convert"


def record(workspace: Workspace, event: Event | str, now: datetime, **fields: Any) -> None:
    """Append ``event`` to the audit log; a failed append becomes a workspace warning (the action stands)."""
    workspace.audit(str(event), now, **fields)
