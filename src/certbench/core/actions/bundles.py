"""Write a keystore JAR or an export (PKCS#12, JKS, PEM, DER, key, PKCS#7) and record it.

A JAR is recorded as ``jar.build`` and every other bundle as ``export``, from ``certbench jar build`` /
``certbench export`` and from the Keystore screen alike. The file goes through ``safe_write`` (0600 when
it holds a key); a bundle whose checklist failed is refused before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from certbench.core import keystore as ks
from certbench.core.actions.events import Event, record
from certbench.core.errors import KeystoreError
from certbench.core.workspace import Workspace


def event_for(kind: ks.BundleKind) -> Event:
    """The audit event of writing a bundle of ``kind``."""
    return Event.JAR_BUILD if kind is ks.BundleKind.KEYSTORE_JAR else Event.EXPORT


def write_bundle(
    workspace: Workspace, item: str, bundle: ks.Bundle, out: str | Path, *, now: datetime, overwrite: bool = False
) -> Path:
    """Write ``bundle`` (built from ``item``, an item name or a certificate file's stem) to ``out``; audited."""
    written = ks.write_bundle(out, bundle, overwrite=overwrite)
    record(workspace, event_for(bundle.kind), now, item=item, kind=str(bundle.kind), out=str(written))
    return written


def write_item_bundle(
    workspace: Workspace, item: str, plan: ks.BundlePlan, out: str | Path, *, now: datetime, overwrite: bool = False
) -> Path:
    """Write the bundle of a plan made by :func:`keystore.plan_item_bundle`; refuses a plan with failures."""
    if not plan.ok or plan.bundle is None:
        reasons = "; ".join(f"{check.title}: {check.reason}" for check in plan.failures)
        raise KeystoreError(f"not written: {reasons}")
    return write_bundle(workspace, item, plan.bundle, out, now=now, overwrite=overwrite)
