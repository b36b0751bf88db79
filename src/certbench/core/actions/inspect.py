"""Inspect files: read each (a file that cannot be read becomes an ``input.*`` finding) and analyse
them together with the chain doctor. Read-only: nothing is written or recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from certbench.core.chain import ChainReport, analyze_chain
from certbench.core.errors import CertbenchError
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Material


@dataclass(frozen=True)
class Inspection:
    """The materials read, the errors of the files that could not be, and the doctor's report."""

    materials: list[Material]
    errors: list[CertbenchError]
    report: ChainReport


def read_files(
    paths: Sequence[str], passwords: Mapping[str, bytes | None]
) -> tuple[list[Material], list[CertbenchError]]:
    """Read every path with its password (if one was given); the errors name their file."""
    materials: list[Material] = []
    errors: list[CertbenchError] = []
    for path in paths:
        try:
            materials.append(load_file(path, passwords.get(path)))
        except CertbenchError as exc:
            errors.append(exc.with_path(path))
    return materials, errors


def inspect_files(
    paths: Sequence[str],
    passwords: Mapping[str, bytes | None],
    *,
    now: datetime,
    trust: Sequence[x509.Certificate] = (),
    purpose: str | None = None,
) -> Inspection:
    """Read ``paths`` and analyse everything together (one chain may span several files)."""
    materials, errors = read_files(paths, passwords)
    report = analyze_chain(materials, now=now, trust=trust, purpose=purpose, errors=errors)
    return Inspection(materials, errors, report)
