"""A checklist item: one rule, passed or not, with the reason. Shared by the keystore JAR checklist,
partner rule profiles and the pre-issue checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from certbench.core.model import Severity


@dataclass(frozen=True)
class Check:
    """One rule's outcome. ``code`` is stable (``jar.key-matches``); ``reason`` says why, in words."""

    code: str
    title: str
    passed: bool
    reason: str
    #: ERROR blocks (a refused build, exit 1); WARNING is reported but does not block; PENDING cannot be
    #: judged yet (the JAR size before the JAR is built) and is judged again when it can.
    severity: Severity = Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "passed": self.passed,
            "reason": self.reason,
            "severity": self.severity.value,
        }


def blocking_failures(checks: Iterable[Check]) -> list[Check]:
    """The failed checks that must stop the operation."""
    return [check for check in checks if not check.passed and check.severity is Severity.ERROR]
