"""Import what a server presented (``certbench probe --import``, the Probe screen) as a workspace item."""

from __future__ import annotations

from datetime import datetime

from certbench.core.actions.items import import_certificate
from certbench.core.errors import UsageError
from certbench.core.online.probe import ProbeReport, presented_chain
from certbench.core.workspace import Item, Workspace


def import_presented(
    workspace: Workspace, name: str, report: ProbeReport, *, now: datetime, overwrite: bool = False
) -> Item:
    """Store the chain a server presented (leaf first, the doctor's order) as an ``imported`` item."""
    chain = presented_chain(report)
    label = report.target.label
    if not chain:
        raise UsageError(f"{label}: no certificate was presented: nothing to save or import")
    return import_certificate(
        workspace, name, chain[0], chain[1:], now=now, source=f"probe {label}", overwrite=overwrite, record_source=True
    )
