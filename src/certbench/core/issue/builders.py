"""Issuing: certificate builders for root CAs, intermediates and leaves, with the built-in rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.describe import is_ca
from certbench.core.errors import IssuanceError, UsageError
from certbench.core.issue.keys import _spec_of_public
from certbench.core.issue.plans import (
    DEFAULT_CA_DAYS,
    DEFAULT_LEAF_DAYS,
    Plan,
    _path_length,
    validate_plan,
)
from certbench.core.issue.preflight import check_issued, check_key_matches
from certbench.core.issue.primitives import (
    Issued,
    Issuer,
    _aki,
    _builder,
    _ca_key_usage,
    _leaf_key_usage,
    _sign,
    _ski,
    _start,
)
from certbench.core.issue.profiles import LEAF_PROFILES, Profile, Role, ekus_for
from certbench.core.subject import format_subject
from certbench.core.validity import days_issuer_allows, is_valid_at


def _require_issuer_valid(issuer: Issuer, now: datetime, days: int) -> None:
    ca = issuer.certificate
    if not is_ca(ca):
        raise IssuanceError(f"{format_subject(ca.subject)} is not a CA certificate (no basicConstraints CA:TRUE)")
    check_key_matches(ca, issuer.key, what="the issuing CA")
    if not is_valid_at(ca, now):
        raise IssuanceError(f"the issuing CA {format_subject(ca.subject)} is not valid at {now:%Y-%m-%d}")
    if _start(now) + timedelta(days=days) > ca.not_valid_after_utc:
        left = days_issuer_allows(ca.not_valid_after_utc, _start(now))
        raise IssuanceError(f"the issuing CA expires on {ca.not_valid_after_utc:%Y-%m-%d}: ask for at most {left} days")


def issue_root_ca(
    subject: x509.Name,
    *,
    key: CertificateIssuerPrivateKeyTypes,
    now: datetime,
    days: int = DEFAULT_CA_DAYS,
    path_length: int | None = None,
    serial: int | None = None,
) -> Issued:
    """A self-signed root CA (critical CA:TRUE, keyCertSign + cRLSign, SKI = AKI, no EKU)."""
    public_key = key.public_key()
    builder = (
        _builder(subject, subject, public_key, now=now, days=days, serial=serial)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
    )
    certificate = _sign(builder, key)
    issued = Issued(certificate, (), key)
    warnings = check_issued(issued, role=Role.ROOT, now=now)
    return replace(issued, notes=issued.notes + warnings)


def issue_intermediate_ca(
    subject: x509.Name,
    *,
    key: CertificateIssuerPrivateKeyTypes,
    issuer: Issuer,
    now: datetime,
    days: int = DEFAULT_CA_DAYS,
    path_length: int | None = 0,
    serial: int | None = None,
) -> Issued:
    """An intermediate CA signed by ``issuer`` (pathlen 0 by default: it signs leaves only)."""
    return _issue_intermediate(
        subject, key.public_key(), issuer=issuer, now=now, days=days, path_length=path_length, serial=serial, key=key
    )


def _issue_intermediate(
    subject: x509.Name,
    public_key: Any,
    *,
    issuer: Issuer,
    now: datetime,
    days: int,
    path_length: int | None,
    serial: int | None,
    key: CertificateIssuerPrivateKeyTypes | None,
    notes: Sequence[str] = (),
) -> Issued:
    parent_len = _path_length(issuer.certificate)
    if parent_len == 0:
        raise IssuanceError("the issuing CA has pathlen 0: it may sign leaves only, not intermediate CAs")
    _require_issuer_valid(issuer, now, days)
    if parent_len is not None and (path_length is None or path_length >= parent_len):
        path_length = parent_len - 1
    builder = (
        _builder(subject, issuer.certificate.subject, public_key, now=now, days=days, serial=serial)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_aki(issuer.certificate, issuer.key.public_key()), critical=False)
    )
    certificate = _sign(builder, issuer.key)
    issued = Issued(certificate, (issuer.certificate, *issuer.chain), key, tuple(notes))
    warnings = check_issued(issued, role=Role.INTERMEDIATE, now=now)
    return replace(issued, notes=issued.notes + warnings)


def issue_leaf(
    subject: x509.Name,
    *,
    key: CertificateIssuerPrivateKeyTypes,
    issuer: Issuer,
    profile: Profile,
    sans: Sequence[x509.GeneralName] = (),
    now: datetime,
    days: int = DEFAULT_LEAF_DAYS,
    serial: int | None = None,
) -> Issued:
    """A leaf for ``profile`` signed by ``issuer`` (critical CA:FALSE, KU per key type, EKU per profile)."""
    return _issue_leaf(
        subject, key.public_key(), issuer=issuer, profile=profile, sans=sans, now=now, days=days, serial=serial, key=key
    )


def _issue_leaf(
    subject: x509.Name,
    public_key: Any,
    *,
    issuer: Issuer,
    profile: Profile,
    sans: Sequence[x509.GeneralName],
    now: datetime,
    days: int,
    serial: int | None,
    key: CertificateIssuerPrivateKeyTypes | None,
    notes: Sequence[str] = (),
) -> Issued:
    if profile not in LEAF_PROFILES:
        raise UsageError(f"{profile.value!r} is not a leaf profile")
    validate_plan(
        Plan(Role.LEAF, subject, key_spec=_spec_of_public(public_key), days=days, profile=profile, sans=tuple(sans)),
        issuer=issuer.certificate,
    )
    _require_issuer_valid(issuer, now, days)
    builder = (
        _builder(subject, issuer.certificate.subject, public_key, now=now, days=days, serial=serial)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(public_key), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(ekus_for(profile))), critical=False)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_aki(issuer.certificate, issuer.key.public_key()), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    certificate = _sign(builder, issuer.key)
    issued = Issued(certificate, (issuer.certificate, *issuer.chain), key, tuple(notes))
    warnings = check_issued(issued, role=Role.LEAF, profile=profile, now=now)
    return replace(issued, notes=issued.notes + warnings)


def renew_leaf(
    certificate: x509.Certificate,
    *,
    issuer: Issuer,
    profile: Profile,
    now: datetime,
    days: int,
    key: CertificateIssuerPrivateKeyTypes | None = None,
) -> Issued:
    """A successor of leaf ``certificate``: same subject and SANs, the profile's extensions, a new serial and
    validity; for ``key`` when given (a new key), else for the certificate's own public key."""
    try:
        sans: tuple[x509.GeneralName, ...] = tuple(
            certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        )
    except x509.ExtensionNotFound:
        sans = ()
    public_key = key.public_key() if key is not None else certificate.public_key()
    return _issue_leaf(
        certificate.subject,
        public_key,
        issuer=issuer,
        profile=profile,
        sans=sans,
        now=now,
        days=days,
        serial=None,
        key=key,
    )
