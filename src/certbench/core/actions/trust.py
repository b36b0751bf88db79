"""Write a truststore (PEM, JKS or PKCS#12) from chosen candidates and record ``trust.build``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from certbench.core import truststore as ts
from certbench.core.actions.events import Event, record
from certbench.core.workspace import Workspace


def build_truststore(
    out: str | Path,
    entries: Sequence[ts.Candidate],
    fmt: ts.TrustFormat,
    *,
    password: bytes | None,
    now: datetime,
    overwrite: bool,
    workspace: Workspace | None,
    inputs: Sequence[str] = (),
) -> Path:
    """Write ``entries`` to ``out`` as ``fmt``; recorded in ``workspace``'s audit log when one exists.

    A truststore can be built with no workspace at all (``certbench trust build`` elsewhere): the
    action never creates one just to record it (``workspace`` None or without ``items/``: not recorded).
    ``inputs`` (files, ``ws:NAME`` items) are recorded so ``certbench show`` lists an item's truststores.
    """
    written = ts.save_truststore(out, entries, fmt, password=password, now=now, overwrite=overwrite)
    if workspace is not None and workspace.items_dir.is_dir():
        recorded = [_input_name(text) for text in inputs]
        record(
            workspace, Event.TRUST_BUILD, now, out=str(written), format=fmt.value, added=len(entries), inputs=recorded
        )
    return written


def _input_name(text: str) -> str:
    """An input as the CLI names it: a workspace item is ``ws:NAME`` (the TUI labels it ``workspace:NAME``)."""
    return "ws:" + text.removeprefix("workspace:") if text.startswith("workspace:") else text
