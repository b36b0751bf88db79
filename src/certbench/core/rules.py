"""Partner rule profiles: rules are data (``core/profiles/*.json``); this module evaluates them.

A profile file names rule *types* with parameters; each type below turns (materials, context) into one
:class:`~certbench.core.checks.Check`. ``run_profile`` also runs the chain doctor
(``certbench.core.chain.analyze_chain``) and turns its error findings into failed
checks.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from certbench.core.chain import analyze_chain
from certbench.core.checks import Check
from certbench.core.describe import common_name, is_ca, rfc4514
from certbench.core.errors import UsageError
from certbench.core.formats.material import Material
from certbench.core.gateway import password_problem
from certbench.core.key_usage import has_key_usage
from certbench.core.linking import end_entities, is_issued_by, is_self_signed, spki_der
from certbench.core.model import Severity
from certbench.core.subject import common_name as subject_cn
from certbench.core.validity import certificate_expired, is_not_yet_valid

_EKU_NAMES = {
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
}


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    source: str
    description: str
    chain_doctor: bool
    rules: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at besides the input files."""

    materials: tuple[Material, ...]
    now: datetime
    company: str | None = None
    key_password: bytes | None = None
    #: Workspace item name -> its certificate (for "same certificate in two environments").
    workspace_certificates: Mapping[str, x509.Certificate] = field(default_factory=dict)

    @property
    def certificates(self) -> list[x509.Certificate]:
        return [c for m in self.materials for c in m.certificates]

    @functools.cached_property
    def leaves(self) -> list[x509.Certificate]:
        """Computed once per check: linking verifies signatures, and most rules ask for the leaf."""
        return end_entities(self.certificates)

    @property
    def leaf(self) -> x509.Certificate | None:
        if not self.certificates:
            return None
        return self.leaves[0] if self.leaves else self.certificates[0]

    @property
    def root(self) -> x509.Certificate | None:
        roots = [c for c in self.certificates if is_self_signed(c)]
        return roots[-1] if roots else None


def _ext(certificate: x509.Certificate, kind: type[Any]) -> x509.Extension[Any] | None:
    try:
        return certificate.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # malformed extensions: treated as absent
        return None


def _has_eku(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> bool:
    ext = _ext(certificate, x509.ExtendedKeyUsage)
    return bool(ext and oid in ext.value)


# -- rule types ---------------------------------------------------------------------------------------
Rule = Callable[[Mapping[str, Any], RuleContext], tuple[bool, str]]


def _rule_format(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    allowed = [str(f) for f in params.get("allowed", ["pem"])]
    bad = [f"{m.path} is {m.format}" for m in ctx.materials if str(m.format) not in allowed]
    if bad:
        return False, "; ".join(bad) + f" (expected {', '.join(allowed)})"
    return True, f"every file is {', '.join(allowed)}"


def _rule_single_file(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    if len(ctx.materials) != 1:
        return False, f"{len(ctx.materials)} files given; the whole chain must be in one file"
    return True, "one file"


def _rule_chain_order(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    certificates = ctx.certificates
    if not certificates:
        return False, "no certificate found"
    for position, (child, parent) in enumerate(itertools.pairwise(certificates), 1):
        if not is_issued_by(child, parent):
            return False, (
                f"certificate {position} ({common_name(child)}) is not issued by the next one ({common_name(parent)}); "
                "order must be leaf -> intermediates -> root"
            )
    if params.get("require_root", True) and not is_self_signed(certificates[-1]):
        return (
            False,
            f"the last certificate ({common_name(certificates[-1])}) is not a self-signed root; include the root",
        )
    return True, f"{len(certificates)} certificate(s) in order leaf -> root"


def _rule_single_chain(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaves = ctx.leaves
    if len(leaves) != 1:
        return False, f"{len(leaves)} end-entity certificates found; give exactly one chain"
    return True, "exactly one chain"


def _rule_not_expired(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    expired = [c for c in ctx.certificates if certificate_expired(c, ctx.now)]
    future = [c for c in ctx.certificates if is_not_yet_valid(c.not_valid_before_utc, ctx.now)]
    if expired:
        return False, "expired: " + ", ".join(f"{common_name(c)} on {c.not_valid_after_utc:%Y-%m-%d}" for c in expired)
    if future:
        return False, "not yet valid: " + ", ".join(common_name(c) for c in future)
    return True, "every certificate is valid now"


def _rule_leaf_validity_days(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    if leaf is None:
        return False, "no leaf certificate"
    low, high = int(params["min"]), int(params["max"])
    days = (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days
    if low <= days <= high:
        return True, f"leaf is valid for {days} days ({low}..{high})"
    return False, f"leaf is valid for {days} days; must be between {low} and {high}"


def _rule_rsa_key_size(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    """RSA keys of at least ``min_bits`` (ConnectPay writes "2048 bits" and its own recipe makes RSA 4096)."""
    bits = int(params["min_bits"])
    bad = []
    for certificate in ctx.certificates:
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            kind = type(key).__name__.removeprefix("_").replace("PublicKey", "")
            bad.append(f"{common_name(certificate)} has a non-RSA key ({kind})")
        elif key.key_size < bits:
            bad.append(f"{common_name(certificate)} has RSA {key.key_size}")
    if bad:
        return False, "; ".join(bad) + f" (RSA {bits} or more required)"
    sizes = sorted({k.key_size for c in ctx.certificates if isinstance(k := c.public_key(), rsa.RSAPublicKey)})
    return True, f"every key is RSA {bits} or more ({', '.join(map(str, sizes))})"


def _rule_separate_roles(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    certificates = ctx.certificates
    if len(certificates) < 2:
        return False, "one certificate only: a CA (root) and a separate TLS client leaf are required"
    mixed = [common_name(c) for c in certificates if is_ca(c) and _has_eku(c, ExtendedKeyUsageOID.CLIENT_AUTH)]
    if mixed:
        return False, "CA and TLS client roles mixed in: " + ", ".join(mixed)
    leaf = ctx.leaf
    if leaf is not None and is_ca(leaf):
        return False, f"the leaf {common_name(leaf)} is a CA (CA:TRUE)"
    if not any(is_ca(c) for c in certificates):
        return False, "no CA certificate (basicConstraints CA:TRUE) in the chain"
    return True, "the CA and the TLS client are separate certificates"


def _rule_cn_includes_company(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    if not ctx.company:
        return False, "company name not given (use --company NAME)"
    wanted = ctx.company.casefold()
    roles = {"leaf": ctx.leaf, "root": ctx.root}
    bad = []
    for role in params.get("roles", ["root", "leaf"]):
        certificate = roles.get(role)
        if certificate is None:
            bad.append(f"no {role} certificate")
        elif wanted not in (cn := subject_cn(certificate.subject) or "").casefold():
            bad.append(f"{role} CN {cn!r} lacks {ctx.company!r}")
    if bad:
        return False, "; ".join(bad)
    return True, f"CN of {' and '.join(params.get('roles', ['root', 'leaf']))} include {ctx.company!r}"


def _rule_issuer_refused(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    patterns = [str(p).casefold() for p in params["patterns"]]
    bad = []
    for certificate in ctx.certificates:
        text = rfc4514(certificate.issuer).casefold().replace("\u2019", "'")
        hit = next((p for p in patterns if p in text), None)
        if hit:
            bad.append(f"{common_name(certificate)} issued by {rfc4514(certificate.issuer)}")
    if bad:
        return False, "refused issuer: " + "; ".join(bad)
    return True, "no refused issuer (" + ", ".join(str(p) for p in params["patterns"]) + ")"


def _rule_shared_key(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    groups: dict[bytes, list[str]] = {}
    for name, certificate in sorted(ctx.workspace_certificates.items()):
        spki = spki_der(certificate)
        if spki is not None:
            groups.setdefault(spki, []).append(name)
    shared = [names for names in groups.values() if len(names) > 1]
    if shared:
        return False, "same key in several workspace items (one per environment is recommended): " + "; ".join(
            ", ".join(names) for names in shared
        )
    return True, f"no key shared between the {len(ctx.workspace_certificates)} workspace certificate(s)"


def _rule_password_characters(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    if ctx.key_password is None:
        return True, "not checked: no key password given"
    problem = password_problem(ctx.key_password)
    if problem is not None:
        return False, problem
    return True, "the key password has no restricted character"


def _rule_eku(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    if leaf is None:
        return False, "no leaf certificate"
    missing = [n for n in params["required"] if not _has_eku(leaf, _EKU_NAMES[n])]
    if missing:
        return False, f"leaf lacks extended key usage {', '.join(missing)}"
    return True, f"leaf has extended key usage {', '.join(params['required'])}"


def _rule_key_usage(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    if leaf is None:
        return False, "no leaf certificate"
    ext = _ext(leaf, x509.KeyUsage)
    if ext is None:
        return False, "leaf has no key usage extension"
    missing = [n for n in params["required"] if not has_key_usage(ext.value, n)]
    if missing:
        return False, f"leaf key usage lacks {', '.join(missing)}"
    if params.get("critical") and not ext.critical:
        return False, "leaf key usage is not marked critical"
    return True, f"leaf key usage {' + '.join(params['required'])}" + (" (critical)" if ext.critical else "")


def _rule_san_dns(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    ext = _ext(leaf, x509.SubjectAlternativeName) if leaf else None
    names = ext.value.get_values_for_type(x509.DNSName) if ext else []
    if not names:
        return False, "leaf has no DNS subjectAltName"
    return True, "leaf SAN DNS: " + ", ".join(names)


def _rule_ca_false(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    if leaf is None:
        return False, "no leaf certificate"
    ext = _ext(leaf, x509.BasicConstraints)
    if ext is None:
        return False, "leaf has no basicConstraints (CA:FALSE expected)"
    if ext.value.ca:
        return False, "leaf is CA:TRUE"
    return True, "leaf is CA:FALSE"


def _rule_subject_attributes(params: Mapping[str, Any], ctx: RuleContext) -> tuple[bool, str]:
    leaf = ctx.leaf
    if leaf is None:
        return False, "no leaf certificate"
    present = {attribute.oid.dotted_string for attribute in leaf.subject}
    groups: list[Mapping[str, Any]] = params["any_of"]
    for group in groups:
        if all(oid in present for oid in group["oids"]):
            return True, f"leaf subject has {group['label']}"
    wanted = " or ".join(str(g["label"]) for g in groups)
    return False, f"leaf subject lacks the eIDAS attributes ({wanted})"


RULE_TYPES: dict[str, Rule] = {
    "format": _rule_format,
    "single_file": _rule_single_file,
    "chain_order": _rule_chain_order,
    "single_chain": _rule_single_chain,
    "not_expired": _rule_not_expired,
    "leaf_validity_days": _rule_leaf_validity_days,
    "rsa_key_size": _rule_rsa_key_size,
    "separate_ca_and_client": _rule_separate_roles,
    "cn_includes_company": _rule_cn_includes_company,
    "issuer_refused": _rule_issuer_refused,
    "shared_key_across_items": _rule_shared_key,
    "key_password_characters": _rule_password_characters,
    "eku": _rule_eku,
    "key_usage": _rule_key_usage,
    "san_dns": _rule_san_dns,
    "ca_false": _rule_ca_false,
    "subject_attributes": _rule_subject_attributes,
}


# -- profiles -----------------------------------------------------------------------------------------
def _profile_files() -> dict[str, Any]:
    folder = importlib.resources.files("certbench.core.profiles")
    return {entry.name.removesuffix(".json"): entry for entry in folder.iterdir() if entry.name.endswith(".json")}


def list_profiles() -> list[Profile]:
    """Every shipped profile, sorted by name."""
    return [load_profile(name) for name in sorted(_profile_files())]


def load_profile(name: str) -> Profile:
    files = _profile_files()
    if name not in files:
        raise UsageError(f"unknown profile {name!r}; choose one of: {', '.join(sorted(files))}")
    try:
        document = json.loads(files[name].read_text(encoding="utf-8"))
        rules = tuple(document["rules"])
        for rule in rules:
            if rule["type"] not in RULE_TYPES or not isinstance(rule["code"], str):
                raise ValueError(f"rule {rule.get('code')!r} has unknown type {rule['type']!r}")
        return Profile(
            name=name,
            title=str(document["title"]),
            source=str(document.get("source", "")),
            description=str(document.get("description", "")),
            chain_doctor=bool(document.get("chain_doctor", True)),
            rules=rules,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"profile {name!r} is damaged: {exc}") from exc


def run_profile(
    name: str,
    materials: Sequence[Material],
    *,
    now: datetime,
    company: str | None = None,
    key_password: bytes | None = None,
    workspace_certificates: Mapping[str, x509.Certificate] | None = None,
) -> list[Check]:
    """Run the chain doctor (when available) and every rule of profile ``name``; one Check per rule."""
    profile = load_profile(name)
    ctx = RuleContext(
        materials=tuple(materials),
        now=now,
        company=company,
        key_password=key_password,
        workspace_certificates=dict(workspace_certificates or {}),
    )
    checks: list[Check] = []
    if profile.chain_doctor:
        checks.extend(_doctor_checks(ctx))
    for rule in profile.rules:
        passed, reason = RULE_TYPES[rule["type"]](rule.get("params", {}), ctx)
        checks.append(
            Check(
                code=f"{profile.name}.{rule['code']}",
                title=str(rule["title"]),
                passed=passed,
                reason=reason,
                severity=Severity(rule.get("severity", "error")),
            )
        )
    return checks


def _doctor_checks(ctx: RuleContext) -> list[Check]:
    """The chain doctor's error findings as failed checks."""
    report = analyze_chain(list(ctx.materials), now=ctx.now)
    checks = []
    for finding in report.findings:
        if finding.severity is not Severity.ERROR:
            continue
        fix = finding.fix
        checks.append(
            Check(
                code=finding.code,  # already namespaced by the doctor: chain.order, cert.expired...
                title="chain doctor",
                passed=False,
                reason=str(finding.message) + (f" (fix: {fix})" if fix else ""),
            )
        )
    return checks


__all__ = ["RULE_TYPES", "Profile", "list_profiles", "load_profile", "run_profile"]
