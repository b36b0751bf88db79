"""Expiry watch: which workspace items and bindings expire within N days (already expired included)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from certbench.core.bindings import Binding
from certbench.core.workspace import Item


@dataclass(frozen=True)
class Expiring:
    """One certificate close to (or past) its not-after."""

    source: str  # "item" or "binding"
    name: str  # item name or client_id
    subject: str
    not_after: datetime
    days_left: int

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
        }


def expiring(items: Iterable[Item], bindings: Iterable[Binding], *, now: datetime, within_days: int) -> list[Expiring]:
    """Everything whose not-after falls before ``now + within_days``, soonest first."""
    found: list[Expiring] = []
    for item in items:
        if item.not_after is None:
            continue
        days = _days(item.not_after, now)
        if days <= within_days:
            found.append(Expiring("item", item.name, item.subject, item.not_after, days))
    for binding in bindings:
        days = _days(binding.not_after, now)
        if days <= within_days:
            found.append(Expiring("binding", binding.client_id, binding.subject, binding.not_after, days))
    found.sort(key=lambda e: (e.not_after, e.source, e.name))
    return found


def _days(not_after: datetime, now: datetime) -> int:
    """Whole days left; negative once expired (an expired-today certificate is -1, never 0)."""
    seconds = (not_after - now).total_seconds()
    return int(seconds // 86400)
