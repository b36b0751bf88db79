"""Options and helpers the online flags share across ``inspect``, ``verify`` and ``probe``.

``--fetch-missing`` and ``--check-revocation`` connect to the URLs written in the certificates (HTTP
only, no proxy, no redirect: see :mod:`certbench.core.online.fetch`); ``--crl FILE`` never connects.
The network code is imported only when a flag is used.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from certbench.commands import echo
from certbench.core.chain import Finding
from certbench.core.describe import rfc4514
from certbench.core.errors import NetworkError, UsageError
from certbench.core.expiry import Expiring
from certbench.core.formats.material import Material
from certbench.core.validity import days_until

if TYPE_CHECKING:
    from certbench.core.online.probe import Target

#: Seconds allowed for each fetch (issuer certificate, CRL, OCSP answer) in inspect and verify.
FETCH_TIMEOUT = 10.0
#: Endpoints ``expiring --endpoints`` connects to at the same time.
ENDPOINTS_PARALLEL = 8


def add_online_options(parser: argparse.ArgumentParser) -> None:
    """``--fetch-missing``, ``--check-revocation`` (both connect to URLs in the certificates) and ``--crl``."""
    parser.add_argument(
        "--fetch-missing",
        action="store_true",
        help="fetch missing intermediates from the certificates' AIA caIssuers URLs (HTTP; signature-checked)",
    )
    parser.add_argument(
        "--check-revocation",
        action="store_true",
        help="ask the OCSP responders and CRL distribution points the certificates name (HTTP)",
    )
    parser.add_argument(
        "--crl", action="append", default=[], metavar="FILE", help="check revocation against this CRL (repeatable)"
    )


def load_crls(args: argparse.Namespace) -> list[tuple[x509.CertificateRevocationList, str]]:
    from certbench.core.online.revocation import load_crl

    crls = []
    for path in args.crl:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(f"--crl {path}: cannot read: {exc.strerror or exc}") from exc
        crls.append((load_crl(data, path=path), path))
    return crls


def fetch_issuers(
    certificates: Sequence[x509.Certificate], trust: Sequence[x509.Certificate]
) -> tuple[Material | None, list[str]]:
    """For inspect/verify ``--fetch-missing``: the fetched issuers as one more input, and what was done."""
    from certbench.core.formats.material import Format
    from certbench.core.online.fetch import fetch_missing_issuers
    from certbench.core.online.probe import FETCHED_PATH

    result = fetch_missing_issuers(certificates, timeout=FETCH_TIMEOUT, known=trust)
    notes = [f"fetched {rfc4514(f.certificate.subject)} from {f.url}" for f in result.fetched]
    notes.extend(result.problems)
    if not result.fetched and not result.problems:
        notes.append("no issuer was missing (or no certificate names where to fetch it)")
    if not result.fetched:
        return None, notes
    certificates = tuple(f.certificate for f in result.fetched)
    return Material(path=FETCHED_PATH, format=Format.DER, certificates=certificates, ordered=False), notes


def revocation_of(
    chain: Sequence[x509.Certificate], args: argparse.Namespace, now: datetime
) -> tuple[list[dict[str, str | None]], list[Finding]]:
    """For inspect/verify ``--check-revocation``/``--crl``: the statuses (JSON) and their findings."""
    from certbench.core.online.revocation import check_revocation, revocation_findings

    statuses = check_revocation(
        chain, now=now, crls=load_crls(args), online=args.check_revocation, timeout=FETCH_TIMEOUT
    )
    return [s.to_json() for s in statuses], revocation_findings(statuses)


def with_findings(findings: Sequence[Finding], more: Sequence[Finding]) -> tuple[Finding, ...]:
    """``findings`` and ``more``, errors first (the order the chain doctor uses)."""
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted([*findings, *more], key=lambda f: order.get(f.severity, 3)))


def expiring_endpoints(path: str, *, now: datetime, within_days: int, timeout: float) -> tuple[list[Expiring], int]:
    """``expiring --endpoints FILE``: the presented certificates of each endpoint that expire within the
    days, soonest first, and how many endpoints could not be reached (each said on stderr)."""
    from concurrent.futures import ThreadPoolExecutor

    from certbench.core.online.probe import handshake, parse_target

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--endpoints {path}: cannot read: {exc}") from exc
    wanted = [line.split("#", 1)[0].strip() for line in lines]
    targets = [parse_target(text) for text in wanted if text]
    if not targets:
        raise UsageError(f"--endpoints {path}: no HOST[:PORT] in it")

    def presented(target: Target) -> tuple[x509.Certificate, ...] | str:
        try:
            return handshake(target, timeout=timeout).presented
        except NetworkError as exc:
            return exc.message

    with ThreadPoolExecutor(max_workers=min(ENDPOINTS_PARALLEL, len(targets)), thread_name_prefix="expiring") as pool:
        results = list(pool.map(presented, targets))
    found: list[Expiring] = []
    unreachable = 0
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, str) or not result:
            unreachable += 1
            echo(f"certbench: error: {target.label}: {result or 'no certificate presented'}", err=True)
            continue
        for number, certificate in enumerate(result):
            days = days_until(certificate.not_valid_after_utc, now)
            if days <= within_days:
                name = target.label if number == 0 else f"{target.label} (chain #{number + 1})"
                subject = rfc4514(certificate.subject)
                found.append(Expiring("endpoint", name, subject, certificate.not_valid_after_utc, days))
    found.sort(key=lambda e: (e.not_after, e.name))
    return found, unreachable
