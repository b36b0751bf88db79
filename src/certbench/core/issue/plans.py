"""Plans: what will be made, validated and described before any key is generated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certbench.core.describe import format_san, is_ca
from certbench.core.errors import UsageError
from certbench.core.issue.keys import KeySpec
from certbench.core.issue.primitives import MAX_DAYS, MIN_DAYS, _start
from certbench.core.issue.profiles import LEAF_PROFILES, Profile, Role, ekus_for, profile_needs_san
from certbench.core.subject import ORGANIZATION_IDENTIFIER, common_name, format_subject
from certbench.core.validity import days_issuer_allows, is_valid_at

DEFAULT_CA_DAYS = 3650


DEFAULT_LEAF_DAYS = 825


@dataclass(frozen=True)
class Plan:
    """Everything needed to make one item; :func:`validate_plan` checks it without generating a key."""

    role: Role
    subject: x509.Name
    key_spec: KeySpec = KeySpec.RSA_2048
    days: int = DEFAULT_LEAF_DAYS
    profile: Profile | None = None
    sans: tuple[x509.GeneralName, ...] = ()
    path_length: int | None = None
    #: Extensions a CSR asks for beyond SAN/EKU (from a .cnf): added to the CSR as requested.
    requested_key_usage: tuple[str, ...] = ()
    hash_name: str | None = None


def validate_plan(plan: Plan, *, issuer: x509.Certificate | None = None, now: datetime | None = None) -> list[str]:
    """Raise :class:`UsageError` for what cannot be made; return warnings for what is merely unusual."""
    warnings: list[str] = []
    if not plan.subject.rdns:
        raise UsageError("the subject is empty: give at least CN")
    if not common_name(plan.subject):
        raise UsageError("the subject has no CN: partners identify certificates by it (e.g. /CN=MyCompany-Client)")
    if plan.role is not Role.CSR and not MIN_DAYS <= plan.days <= MAX_DAYS:
        raise UsageError(f"days must be between {MIN_DAYS} and {MAX_DAYS} (got {plan.days})")
    if plan.role in (Role.ROOT, Role.INTERMEDIATE):
        if plan.profile is not None and plan.profile is not Profile.INTERMEDIATE:
            raise UsageError("a CA never gets a TLS profile: CA and TLS client roles are separate certificates")
        if plan.sans:
            raise UsageError("a CA certificate takes no SANs: give them to the leaf")
        if plan.path_length is not None and plan.path_length < 0:
            raise UsageError("path length must be 0 or more")
    if plan.role is Role.LEAF:
        if plan.profile not in LEAF_PROFILES:
            raise UsageError(f"a leaf needs a profile: {', '.join(p.value for p in LEAF_PROFILES)}")
        if issuer is None and plan.role is Role.LEAF:
            raise UsageError("a leaf needs an issuing CA from the workspace (--issuer CA)")
    profile = plan.profile
    if profile is not None and profile in LEAF_PROFILES:
        if profile_needs_san(profile) and not plan.sans:
            what = "a DNS SAN" if profile is Profile.TPP else "at least one SAN"
            raise UsageError(f"the {profile.value} profile needs {what} (e.g. --san DNS:{_cn_hint(plan.subject)})")
        if profile is Profile.TPP:
            if not any(isinstance(n, x509.DNSName) for n in plan.sans):
                raise UsageError(f"the tpp profile needs a DNS SAN (e.g. --san DNS:{_cn_hint(plan.subject)})")
            if not plan.key_spec.is_rsa:
                raise UsageError("the tpp profile needs an RSA key (keyEncipherment, as in the seed's tpp1.cnf)")
            has_org_id = bool(plan.subject.get_attributes_for_oid(ORGANIZATION_IDENTIFIER))
            eidas = all(
                plan.subject.get_attributes_for_oid(oid)
                for oid in (NameOID.SERIAL_NUMBER, NameOID.JURISDICTION_COUNTRY_NAME, NameOID.BUSINESS_CATEGORY)
            )
            if not (has_org_id or eidas):
                raise UsageError(
                    "the tpp profile needs eIDAS subject attributes: organizationIdentifier, or serialNumber + "
                    "jurisdictionCountryName + businessCategory (as in tpp1.cnf)"
                )
    if issuer is not None and now is not None and plan.role in (Role.LEAF, Role.INTERMEDIATE):
        not_after = _start(now) + timedelta(days=plan.days)
        if not_after > issuer.not_valid_after_utc:
            left = days_issuer_allows(issuer.not_valid_after_utc, _start(now))
            raise UsageError(
                f"the issuing CA expires on {issuer.not_valid_after_utc:%Y-%m-%d}; ask for at most {left} days"
            )
        if not is_valid_at(issuer, now):
            raise UsageError("the issuing CA is not valid now; renew it first")
        if not is_ca(issuer):
            raise UsageError("the issuer is not a CA certificate (basicConstraints CA:TRUE)")
        path_len = _path_length(issuer)
        if plan.role is Role.INTERMEDIATE and path_len == 0:
            raise UsageError("the issuing CA has pathlen 0: it may sign leaves only, not intermediates")
    if plan.role is Role.LEAF and plan.key_spec is KeySpec.RSA_4096:
        warnings.append("RSA 4096 takes a few seconds to generate")
    return warnings


def _cn_hint(subject: x509.Name) -> str:
    cn = common_name(subject) or "host.example.com"
    return cn if "." in cn and " " not in cn else "host.example.com"


def _path_length(certificate: x509.Certificate) -> int | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
    except x509.ExtensionNotFound:
        return None


def describe_plan(plan: Plan, *, issuer: x509.Certificate | None, now: datetime) -> list[tuple[str, str]]:
    """The certificate that will be made, line by line (the form's preview; also ``--dry-run``)."""
    rows: list[tuple[str, str]] = [("Role", plan.role.value)]
    rows.append(("Subject", format_subject(plan.subject)))
    if plan.role is Role.ROOT:
        rows.append(("Issuer", "self-signed"))
    elif issuer is not None:
        rows.append(("Issuer", format_subject(issuer.subject)))
    rows.append(("Key", plan.key_spec.label))
    if plan.role is not Role.CSR:
        rows.append(("Validity", f"{now:%Y-%m-%d} to {now + timedelta(days=plan.days):%Y-%m-%d} ({plan.days} days)"))
        rows.append(("Serial", "random 128-bit"))
    for name, value, critical in _planned_extensions(plan):
        rows.append((name + (" (critical)" if critical else ""), value))
    return rows


def _planned_extensions(plan: Plan) -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []
    if plan.role in (Role.ROOT, Role.INTERMEDIATE):
        pathlen = "" if plan.path_length is None else f", pathlen:{plan.path_length}"
        out.append(("Basic constraints", "CA:TRUE" + pathlen, True))
        out.append(("Key usage", "keyCertSign, cRLSign", True))
    elif plan.profile is not None:
        out.append(("Basic constraints", "CA:FALSE", True))
        usage = "digitalSignature, keyEncipherment" if plan.key_spec.is_rsa else "digitalSignature"
        out.append(("Key usage", usage, True))
        names = {ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth", ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth"}
        out.append(("Extended key usage", ", ".join(names[o] for o in ekus_for(plan.profile)), False))
    if plan.sans:
        out.append(("Subject alt names", ", ".join(format_san(n) for n in plan.sans), False))
    if plan.role is not Role.CSR:
        out.append(("Key identifiers", "subject (SKI) and authority (AKI)", False))
    return out
