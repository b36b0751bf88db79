"""When a certificate is valid, in one place for every module.

RFC 5280 (4.1.2.5) makes both ends of the validity period inclusive: a certificate is valid at the very
second of its notAfter and expired one second later. The chain doctor, partner rules, bindings, the keystore
JAR checklist, exports, truststores and the expiry watch all ask here, so they never disagree on a boundary.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the TUI's first screen uses days_until without loading cryptography
    from cryptography import x509

#: A certificate with this many days left or fewer is "expiring soon" (a warning, and amber in the TUI).
EXPIRES_SOON_DAYS = 30
_DAY_SECONDS = 86400


def is_expired(not_after: datetime, now: datetime) -> bool:
    """True once ``now`` is past ``not_after`` (the notAfter second itself is still valid)."""
    return now > not_after


def is_not_yet_valid(not_before: datetime, now: datetime) -> bool:
    return now < not_before


def is_valid_at(certificate: x509.Certificate, now: datetime) -> bool:
    """Within notBefore..notAfter, both inclusive."""
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def certificate_expired(certificate: x509.Certificate, now: datetime) -> bool:
    return is_expired(certificate.not_valid_after_utc, now)


def days_until(moment: datetime, now: datetime) -> int:
    """Whole days from ``now`` until ``moment``; negative once past (an hour past is -1, never 0).
    The one rule for "days left" everywhere: describe, workspace, bindings, truststores, expiry watch."""
    return int((moment - now).total_seconds() // _DAY_SECONDS)


def days_left(certificate: x509.Certificate, now: datetime) -> int:
    """Whole days until notAfter (negative once expired)."""
    return days_until(certificate.not_valid_after_utc, now)


def expires_soon(not_after: datetime, now: datetime, *, days: int = EXPIRES_SOON_DAYS) -> bool:
    """Still valid, with ``days`` days or fewer left (exactly 30 days left is soon)."""
    return not is_expired(not_after, now) and (not_after - now).total_seconds() <= days * _DAY_SECONDS


def days_issuer_allows(issuer_not_after: datetime, start: datetime) -> int:
    """The most whole days a certificate starting at ``start`` may last without outliving its issuer."""
    return days_until(issuer_not_after, start)


def validity_days(
    requested: int | None, default: int, issuer_not_after: datetime | None, now: datetime
) -> tuple[int, str | None]:
    """The days to ask for, and a note when they were capped: one rule for the CLI and the TUI.

    An explicit request is kept as given (the preflight check refuses one that would outlive the issuer,
    naming the most it allows). The default is capped to what the issuer has left, with a note saying so.
    """
    if requested is not None:
        return requested, None
    if issuer_not_after is None:
        return default, None
    left = days_issuer_allows(issuer_not_after, now.replace(microsecond=0))
    if 0 < left < default:
        return left, f"validity capped to {left} days: the issuing CA expires on {issuer_not_after:%Y-%m-%d}"
    return default, None
