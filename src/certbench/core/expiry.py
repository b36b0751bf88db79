"""Expiry watch: which workspace items and bindings expire within N days (already expired included).

A certificate that is both a workspace item and bound to client_ids is listed once, as the item, with
the client_ids it is bound to: one certificate to rotate, whatever refers to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from certbench.core.bindings import Binding
from certbench.core.validity import days_until
from certbench.core.workspace import Item


@dataclass(frozen=True)
class Expiring:
    """One certificate close to (or past) its not-after."""

    source: str  # "item" or "binding"
    name: str  # item name or client_id
    subject: str
    not_after: datetime
    days_left: int
    #: The client_ids the certificate is bound to (the binding's own client_id for a binding entry).
    client_ids: tuple[str, ...] = ()

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "subject": self.subject,
            "not_after": self.not_after.isoformat().replace("+00:00", "Z"),
            "days_left": self.days_left,
            "expired": self.expired,
            "client_ids": list(self.client_ids),
        }


def expiring(items: Iterable[Item], bindings: Iterable[Binding], *, now: datetime, within_days: int) -> list[Expiring]:
    """Everything whose not-after falls before ``now + within_days``, soonest first."""
    bindings = list(bindings)
    clients_by_sha256: dict[str, list[str]] = {}
    for binding in bindings:
        clients_by_sha256.setdefault(binding.sha256, []).append(binding.client_id)
    found: list[Expiring] = []
    listed: set[str] = set()
    for item in items:
        if item.not_after is None:
            continue
        days = days_until(item.not_after, now)
        if days <= within_days:
            clients = tuple(sorted(clients_by_sha256.get(item.sha256 or "", ())))
            found.append(Expiring("item", item.name, item.subject, item.not_after, days, clients))
            if item.sha256:
                listed.add(item.sha256)
    for binding in bindings:
        days = days_until(binding.not_after, now)
        if days <= within_days and binding.sha256 not in listed:
            found.append(
                Expiring("binding", binding.client_id, binding.subject, binding.not_after, days, (binding.client_id,))
            )
    found.sort(key=lambda e: (e.not_after, e.source, e.name))
    return found
