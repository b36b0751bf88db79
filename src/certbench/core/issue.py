"""Make CA and leaf pairs, CSRs and signatures correctly, and check them before anything is written.

The rules the partners' recipes rely on are built in rather than left to a config file:

- serials are random positive 128-bit numbers (``openssl rand -hex 16``);
- SKI and AKI are always present; basic constraints are always critical;
- a CA gets ``keyCertSign, cRLSign`` and never a TLS extended key usage; a leaf never gets ``CA:TRUE``;
- leaf key usage is ``digitalSignature`` (+ ``keyEncipherment`` for RSA, as the seed's ``tpp1.cnf``);
- leaf EKU comes from the profile: ``client`` (clientAuth), ``server`` (serverAuth, SAN required),
  ``client-server`` (both, SAN required), ``tpp`` (Open Banking third party: clientAuth, RSA, SAN DNS,
  eIDAS subject attributes);
- the key that signs the request is the key whose certificate is issued (``sign_csr`` takes the
  public key from the CSR after checking its signature), so the Axway seed's "tpp2.crt from tpp1.csr"
  mismatch cannot happen; :func:`check_key_matches` refuses it when a certificate is stored beside a key.

Every new certificate is validated with ``cryptography.x509.verification`` for its purpose with its
CA as the anchor (a CA through a throw-away probe leaf) before a caller writes it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

from certbench.core.describe import format_san, is_ca
from certbench.core.errors import IssuanceError, OutputExistsError, UsageError
from certbench.core.key_usage import key_usage_from_names
from certbench.core.linking import same_key
from certbench.core.oid_names import extended_key_usage_name, extension_name
from certbench.core.reading import read_workspace_file
from certbench.core.subject import ORGANIZATION_IDENTIFIER, common_name, format_subject
from certbench.core.validity import days_issuer_allows, is_valid_at
from certbench.core.workspace import Item, ItemKind, Workspace, validate_item_name

MIN_DAYS = 1
MAX_DAYS = 10950  # 30 years: a root CA's horizon; leaves are usually 365-1095 (ConnectPay) or 3650 (Axway)
DEFAULT_CA_DAYS = 3650
DEFAULT_LEAF_DAYS = 825
SERIAL_BITS = 128


class KeySpec(StrEnum):
    """Key types certbench generates (the spelling the CLI takes)."""

    RSA_2048 = "rsa:2048"
    RSA_3072 = "rsa:3072"
    RSA_4096 = "rsa:4096"
    EC_P256 = "ec:p256"
    EC_P384 = "ec:p384"

    @property
    def is_rsa(self) -> bool:
        return self.value.startswith("rsa:")

    @property
    def label(self) -> str:
        return {
            "rsa:2048": "RSA 2048",
            "rsa:3072": "RSA 3072",
            "rsa:4096": "RSA 4096",
            "ec:p256": "EC P-256",
            "ec:p384": "EC P-384",
        }[self.value]


def parse_key_spec(text: str) -> KeySpec:
    """``rsa:2048``, ``RSA2048``, ``ec:p-256``, ``p384`` ... -> :class:`KeySpec`."""
    key = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {
        "rsa:2048": KeySpec.RSA_2048,
        "rsa2048": KeySpec.RSA_2048,
        "rsa:3072": KeySpec.RSA_3072,
        "rsa3072": KeySpec.RSA_3072,
        "rsa:4096": KeySpec.RSA_4096,
        "rsa4096": KeySpec.RSA_4096,
        "ec:p256": KeySpec.EC_P256,
        "ecp256": KeySpec.EC_P256,
        "p256": KeySpec.EC_P256,
        "ec:prime256v1": KeySpec.EC_P256,
        "ec:secp256r1": KeySpec.EC_P256,
        "ec:p384": KeySpec.EC_P384,
        "ecp384": KeySpec.EC_P384,
        "p384": KeySpec.EC_P384,
        "ec:secp384r1": KeySpec.EC_P384,
    }
    spec = aliases.get(key)
    if spec is None:
        raise UsageError(f"key type {text!r} is not one of: {', '.join(s.value for s in KeySpec)}")
    return spec


def key_spec_of(key: PrivateKeyTypes) -> KeySpec:
    """The :class:`KeySpec` of an existing key (for keys loaded from files)."""
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size in (2048, 3072, 4096):
        return KeySpec(f"rsa:{key.key_size}")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in ("secp256r1", "secp384r1"):
        return KeySpec.EC_P256 if key.curve.name == "secp256r1" else KeySpec.EC_P384
    raise IssuanceError(f"unsupported key type {type(key).__name__}: use RSA 2048/3072/4096 or EC P-256/P-384")


def generate_key(spec: KeySpec) -> CertificateIssuerPrivateKeyTypes:
    """A new private key (RSA with e=65537)."""
    if spec.is_rsa:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(spec.value.split(":")[1]))
    return ec.generate_private_key(ec.SECP256R1() if spec is KeySpec.EC_P256 else ec.SECP384R1())


class Profile(StrEnum):
    """Leaf certificate profiles (and ``intermediate`` for signing a sub-CA CSR)."""

    CLIENT = "client"
    SERVER = "server"
    CLIENT_SERVER = "client-server"
    TPP = "tpp"
    INTERMEDIATE = "intermediate"


LEAF_PROFILES = (Profile.CLIENT, Profile.SERVER, Profile.CLIENT_SERVER, Profile.TPP)

PROFILE_HELP = {
    Profile.CLIENT: "TLS client (mutual TLS): clientAuth",
    Profile.SERVER: "TLS server: serverAuth, SAN required",
    Profile.CLIENT_SERVER: "TLS client and server: clientAuth + serverAuth, SAN required",
    Profile.TPP: "Open Banking third party (seed tpp1.cnf): clientAuth, RSA, SAN DNS, eIDAS subject",
    Profile.INTERMEDIATE: "intermediate CA (signing a sub-CA CSR): keyCertSign, cRLSign, pathlen 0",
}


def parse_profile(text: str, *, allow_intermediate: bool = False) -> Profile:
    try:
        profile = Profile(text.strip().lower())
    except ValueError:
        profile = None
    allowed = list(LEAF_PROFILES) + ([Profile.INTERMEDIATE] if allow_intermediate else [])
    if profile is None or profile not in allowed:
        raise UsageError(f"profile {text!r} is not one of: {', '.join(p.value for p in allowed)}")
    return profile


class Role(StrEnum):
    """What is being made."""

    ROOT = "root"
    INTERMEDIATE = "intermediate"
    LEAF = "leaf"
    CSR = "csr"


def ekus_for(profile: Profile) -> tuple[x509.ObjectIdentifier, ...]:
    if profile in (Profile.CLIENT, Profile.TPP):
        return (ExtendedKeyUsageOID.CLIENT_AUTH,)
    if profile is Profile.SERVER:
        return (ExtendedKeyUsageOID.SERVER_AUTH,)
    if profile is Profile.CLIENT_SERVER:
        return (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
    return ()


def profile_needs_san(profile: Profile) -> bool:
    return profile in (Profile.SERVER, Profile.CLIENT_SERVER, Profile.TPP)


# -- plans: what will be made, validated before any key is generated -------------------------------


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


# -- issuing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """A CA able to sign: its certificate, private key and its own issuer chain (towards the root)."""

    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Issued:
    """A new certificate, the chain above it (issuer first, towards the root) and its key if made here."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key: CertificateIssuerPrivateKeyTypes | None = None
    notes: tuple[str, ...] = ()

    @property
    def anchor(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate


def random_serial() -> int:
    """A random positive serial of at most 128 bits (as ``-set_serial 0x$(openssl rand -hex 16)``)."""
    while True:
        value = secrets.randbits(SERIAL_BITS)
        if value:
            return value


def serial_from_name(name: str) -> int:
    """A stable positive 128-bit serial derived from ``name`` (the demo's reproducible material)."""
    value = int.from_bytes(hashlib.sha256(name.encode()).digest()[:16], "big")
    return value or 1


def _hash_for(
    key: CertificateIssuerPrivateKeyTypes, hash_name: str | None = None
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if hash_name:
        table: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
            "sha256": hashes.SHA256(),
            "sha384": hashes.SHA384(),
            "sha512": hashes.SHA512(),
        }
        chosen = table.get(hash_name.lower())
        if chosen is None:
            raise UsageError(f"digest {hash_name!r} is not supported: use sha256, sha384 or sha512")
        return chosen
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _start(now: datetime) -> datetime:
    return now.replace(microsecond=0)


def _ski(public_key: Any) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _aki(issuer_certificate: x509.Certificate | None, issuer_public_key: Any) -> x509.AuthorityKeyIdentifier:
    if issuer_certificate is not None:
        try:
            ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        except x509.ExtensionNotFound:
            pass
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage(public_key: Any) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, issuer_name: x509.Name, public_key: Any, *, now: datetime, days: int, serial: int | None
) -> x509.CertificateBuilder:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise UsageError(f"days must be between {MIN_DAYS} and {MAX_DAYS} (got {days})")
    start = _start(now)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )


def _sign(builder: x509.CertificateBuilder, key: CertificateIssuerPrivateKeyTypes) -> x509.Certificate:
    try:
        return builder.sign(key, _hash_for(key))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise IssuanceError(f"cannot sign the certificate: {exc}") from exc


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


def key_spec_of_public(public_key: Any) -> KeySpec:
    """The :class:`KeySpec` of a certificate's or CSR's public key (a renewal's new key has the same)."""
    return _spec_of_public(public_key)


def _spec_of_public(public_key: Any) -> KeySpec:
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size in (2048, 3072, 4096):
            return KeySpec(f"rsa:{public_key.key_size}")
        if public_key.key_size < 2048:
            raise IssuanceError(f"RSA {public_key.key_size} is too weak: partners require at least 2048 bits")
        return KeySpec.RSA_4096
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name == "secp256r1":
            return KeySpec.EC_P256
        if public_key.curve.name == "secp384r1":
            return KeySpec.EC_P384
    raise IssuanceError(f"unsupported public key type {type(public_key).__name__}: use RSA or EC P-256/P-384")


# -- CSRs -------------------------------------------------------------------------------------------


def create_csr(
    subject: x509.Name,
    *,
    key: CertificateIssuerPrivateKeyTypes,
    sans: Sequence[x509.GeneralName] = (),
    profile: Profile | None = None,
    key_usage: Sequence[str] = (),
    hash_name: str | None = None,
) -> x509.CertificateSigningRequest:
    """A CSR signed by ``key``; asks for CA:FALSE, the SANs, the profile's EKU and ``key_usage`` if given."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if profile is not None and profile in LEAF_PROFILES:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
    if key_usage:
        builder = builder.add_extension(key_usage_from_names(key_usage), critical=True)
    elif profile is not None and profile in LEAF_PROFILES:
        builder = builder.add_extension(_leaf_key_usage(key.public_key()), critical=True)
    if profile is not None and profile in LEAF_PROFILES:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(ekus_for(profile))), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    try:
        return builder.sign(key, _hash_for(key, hash_name))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise IssuanceError(f"cannot sign the CSR: {exc}") from exc


@dataclass(frozen=True)
class CsrRequest:
    """What a CSR asks for (shown before signing it)."""

    subject: x509.Name
    key: str
    sans: tuple[x509.GeneralName, ...]
    requested: tuple[str, ...]
    wants_ca: bool
    signature_ok: bool

    def rows(self) -> list[tuple[str, str]]:
        rows = [("Subject", format_subject(self.subject)), ("Key", self.key)]
        rows.append(("SANs", ", ".join(format_san(n) for n in self.sans) or "none"))
        rows.append(("Asks for", ", ".join(self.requested) or "no extensions"))
        rows.append(("CSR signature", "valid" if self.signature_ok else "INVALID"))
        return rows


def read_csr_request(csr: x509.CertificateSigningRequest) -> CsrRequest:
    """Summarise a CSR: subject, key, SANs and every extension it requests."""
    try:
        public_key = csr.public_key()
        key = _spec_of_public(public_key).label
    except (IssuanceError, ValueError, UnsupportedAlgorithm) as exc:
        key = f"unsupported ({exc})"
    sans: tuple[x509.GeneralName, ...] = ()
    requested: list[str] = []
    wants_ca = False
    try:
        extensions = list(csr.extensions)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
        raise IssuanceError(f"the CSR's extension request cannot be read: {exc}") from exc
    for ext in extensions:
        value = ext.value
        if isinstance(value, x509.SubjectAlternativeName):
            sans = tuple(value)
            requested.append("subjectAltName")
        elif isinstance(value, x509.BasicConstraints):
            wants_ca = value.ca
            requested.append(f"basicConstraints CA:{'TRUE' if value.ca else 'FALSE'}")
        elif isinstance(value, x509.ExtendedKeyUsage):
            requested.append("extendedKeyUsage " + ", ".join(extended_key_usage_name(o) for o in value))
        elif isinstance(value, x509.KeyUsage):
            requested.append("keyUsage")
        else:
            requested.append(extension_name(ext.oid))
    return CsrRequest(csr.subject, key, sans, tuple(requested), wants_ca, csr.is_signature_valid)


def sign_csr(
    csr: x509.CertificateSigningRequest,
    *,
    issuer: Issuer,
    profile: Profile,
    now: datetime,
    days: int = DEFAULT_LEAF_DAYS,
    serial: int | None = None,
) -> Issued:
    """Sign an external CSR. The CA decides the extensions: the profile's; the CSR's SANs are copied
    (every leaf profile allows SANs); a requested CA:TRUE, key usage or EKU is not copied (noted)."""
    if not csr.is_signature_valid:
        raise IssuanceError("the CSR's signature does not verify: it was altered or made with another key")
    request = read_csr_request(csr)
    public_key = csr.public_key()
    if profile is Profile.INTERMEDIATE:
        issued = _issue_intermediate(
            csr.subject, public_key, issuer=issuer, now=now, days=days, path_length=0, serial=serial, key=None
        )
    else:
        issued = _issue_leaf(
            csr.subject,
            public_key,
            issuer=issuer,
            profile=profile,
            sans=request.sans,
            now=now,
            days=days,
            serial=serial,
            key=None,
        )
    return replace(issued, notes=issued.notes + tuple(_request_notes(csr, issued.certificate, profile)))


def _request_notes(csr: x509.CertificateSigningRequest, certificate: x509.Certificate, profile: Profile) -> list[str]:
    """What the CSR asked for and did not get (the CA decides the extensions)."""
    notes: list[str] = []
    for requested in csr.extensions:
        try:
            granted = certificate.extensions.get_extension_for_oid(requested.oid).value
        except x509.ExtensionNotFound:
            granted = None
        if granted == requested.value:
            continue
        name = extension_name(requested.oid)
        if granted is None:
            notes.append(f"requested {name} not copied: the {profile.value} profile does not allow it")
        else:
            notes.append(
                f"requested {name} differs from what the {profile.value} profile issues; the profile's is used"
            )
    return notes


# -- checks before writing --------------------------------------------------------------------------


def check_key_matches(certificate: x509.Certificate, key: PrivateKeyTypes, *, what: str = "the certificate") -> None:
    """Refuse a private key that does not belong to ``certificate`` (the tpp2.crt-from-tpp1.csr mistake)."""
    if not same_key(key, certificate):
        raise IssuanceError(
            f"the private key does not belong to {what} ({format_subject(certificate.subject)}): the certificate "
            "was made from another key's CSR; sign the CSR made with this key"
        )


def _probe_leaf(ca: Issued, now: datetime) -> tuple[x509.Certificate, list[x509.Certificate]]:
    probe_key = ec.generate_private_key(ec.SECP256R1())
    ca_key = ca.key
    if ca_key is None:
        raise IssuanceError("internal: a CA check needs the CA key")
    start = _start(now)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certbench probe")]))
        .issuer_name(ca.certificate.subject)
        .public_key(probe_key.public_key())
        .serial_number(random_serial())
        .not_valid_before(start)
        .not_valid_after(min(start + timedelta(days=1), ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("probe.invalid")]), critical=False)
        .add_extension(_aki(ca.certificate, ca_key.public_key()), critical=False)
    )
    return builder.sign(ca_key, _hash_for(ca_key)), [ca.certificate, *ca.chain[:-1]] if ca.chain else []


def check_issued(issued: Issued, *, role: Role, now: datetime, profile: Profile | None = None) -> tuple[str, ...]:
    """Check a new certificate before anything is written; return the chain doctor's warnings.

    1. structure (CA never with a TLS EKU, leaf never CA:TRUE, SKI/AKI present, basic constraints
       critical, the key is the certificate's);
    2. ``cryptography.x509.verification`` for its purpose with its CA as the only anchor (a CA through a
       throw-away probe leaf);
    3. the chain doctor :func:`certbench.core.chain.analyze_chain` (the same as ``certbench inspect``):
       any error finding refuses the certificate.

    Raises :class:`IssuanceError`.
    """
    _verify_for_purpose(issued, role=role, now=now, profile=profile)
    return _chain_doctor(issued, role=role, now=now, profile=profile)


def _chain_doctor(issued: Issued, *, role: Role, now: datetime, profile: Profile | None) -> tuple[str, ...]:
    from certbench.core.chain import analyze_chain  # the inspect slice's doctor (imports describe/verify)
    from certbench.core.formats.material import Format, Material

    certificate = issued.certificate
    purpose: str | None = None
    if role is Role.LEAF and profile is not None:
        has_san = any(e.oid == x509.OID_SUBJECT_ALTERNATIVE_NAME for e in certificate.extensions)
        if profile in (Profile.SERVER, Profile.CLIENT_SERVER):
            purpose = "server"
        elif has_san:
            purpose = "client"  # a SAN-less client (ConnectPay's recipe) is checked purpose-neutral here
    material = Material(
        path="new certificate",
        format=Format.PEM,
        certificates=(certificate, *issued.chain),
        # The key goes in for a leaf (key.mismatch); with a CA the doctor would read key + CA as "CA used as leaf".
        keys=(issued.key,) if issued.key is not None and role is Role.LEAF else (),
    )
    report = analyze_chain([material], now=_start(now), trust=[issued.anchor], purpose=purpose)
    errors = [f for f in report.findings if f.severity == "error"]
    if errors:
        raise IssuanceError(
            "the chain doctor refuses the new certificate: " + "; ".join(f"{f.code}: {f.message}" for f in errors)
        )
    return tuple(f.message for f in report.findings if f.severity == "warning")


def _verify_for_purpose(issued: Issued, *, role: Role, now: datetime, profile: Profile | None) -> None:
    """Validate a new certificate with ``cryptography.x509.verification`` for its purpose, its CA as anchor.

    Structural rules are checked first (CA never with TLS EKU, leaf never CA:TRUE, SKI/AKI present,
    basic constraints critical); then the Web PKI validation. Raises :class:`IssuanceError`.
    """
    certificate = issued.certificate
    ext = certificate.extensions
    try:
        bc = ext.get_extension_for_class(x509.BasicConstraints)
        ext.get_extension_for_class(x509.SubjectKeyIdentifier)
        ext.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound as exc:
        raise IssuanceError(f"internal check failed: missing {extension_name(exc.oid)}") from exc
    if not bc.critical:
        raise IssuanceError("internal check failed: basic constraints not critical")
    is_ca = role in (Role.ROOT, Role.INTERMEDIATE)
    if bc.value.ca != is_ca:
        raise IssuanceError("internal check failed: CA flag does not match the role")
    try:
        eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if is_ca and eku is not None:
        raise IssuanceError("internal check failed: a CA certificate must not carry an extended key usage")
    if issued.key is not None:
        check_key_matches(certificate, issued.key)
    moment = _start(now)
    anchor = issued.anchor
    try:
        store = Store([anchor])
        builder = PolicyBuilder().store(store).time(moment)
        if is_ca:
            probe, intermediates = _probe_leaf(issued, now)
            builder.extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
            ).build_client_verifier().verify(probe, intermediates)
            return
        intermediates = list(issued.chain[:-1])
        assert profile is not None
        if profile in (Profile.CLIENT, Profile.TPP, Profile.CLIENT_SERVER):
            client_builder = builder
            if profile is Profile.CLIENT:
                # A client certificate may identify itself by its subject alone (ConnectPay's recipe has no SAN);
                # everything else stays the Web PKI end-entity profile.
                client_builder = builder.extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                    ee_policy=ExtensionPolicy.webpki_defaults_ee().may_be_present(
                        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
                    ),
                )
            client_builder.build_client_verifier().verify(certificate, intermediates)
        if profile in (Profile.SERVER, Profile.CLIENT_SERVER):
            names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            first = next(iter(names))
            if not isinstance(first, (x509.DNSName, x509.IPAddress)):
                raise IssuanceError("a server certificate needs a DNS or IP SAN first")
            subject: x509.DNSName | x509.IPAddress = first
            if isinstance(first, x509.DNSName) and first.value.startswith("*."):
                subject = x509.DNSName("certbench-check" + first.value[1:])
            builder.build_server_verifier(subject).verify(certificate, intermediates)
    except VerificationError as exc:
        raise IssuanceError(
            f"the new certificate does not validate against its CA: {' '.join(str(exc).split())}"
        ) from exc
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm) as exc:
        raise IssuanceError(f"the new certificate cannot be validated: {exc}") from exc


# -- workspace items --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """What :func:`create_item` stored."""

    item: Item
    certificate: x509.Certificate | None
    csr: x509.CertificateSigningRequest | None
    warnings: tuple[str, ...] = ()


def load_issuer(workspace: Workspace, name: str, password: bytes | None) -> Issuer:
    """A workspace CA with its key (``password`` for an encrypted key) and its issuer chain."""
    item = workspace.get(name)
    if item.kind is not ItemKind.CA:
        raise UsageError(f"item {name!r} is a {item.kind.value}, not a CA: give a CA item as the issuer")
    certificate = workspace.load_certificate(item)
    key = as_issuer_key(workspace.load_private_key(item, password))
    check_key_matches(certificate, key, what=f"the CA {name!r}")
    return Issuer(certificate, key, tuple(workspace.load_chain(item)))


def create_item(
    workspace: Workspace,
    name: str,
    plan: Plan,
    *,
    now: datetime,
    key_password: bytes | None,
    issuer: Issuer | None = None,
    issuer_name: str | None = None,
    overwrite: bool = False,
    key: CertificateIssuerPrivateKeyTypes | None = None,
    serial: int | None = None,
) -> Created:
    """Generate the key (unless given), make the certificate or CSR, check it, then store the item.

    ``key_password`` None stores the key unencrypted (callers ask for an explicit opt-out). Nothing is
    written when any step fails.
    """
    validate_item_name(name)
    if workspace.has(name) and not overwrite:
        raise OutputExistsError(f"an item named {name!r} already exists; use --force to replace it")
    warnings = validate_plan(plan, issuer=issuer.certificate if issuer else None, now=now)
    if key_password is not None and key_password == b"":
        raise UsageError("an empty key password is not allowed: give one, or choose no password explicitly")
    if key is None:
        key = generate_key(plan.key_spec)
    elif key_spec_of(key) is not plan.key_spec:
        raise UsageError(f"the key given is {key_spec_of(key).label}, the plan asks for {plan.key_spec.label}")
    certificate: x509.Certificate | None = None
    csr: x509.CertificateSigningRequest | None = None
    chain: tuple[x509.Certificate, ...] = ()
    if plan.role is Role.ROOT:
        issued = issue_root_ca(
            plan.subject, key=key, now=now, days=plan.days, path_length=plan.path_length, serial=serial
        )
        kind = ItemKind.CA
    elif plan.role is Role.INTERMEDIATE:
        if issuer is None:
            raise UsageError("an intermediate CA needs an issuing CA (--issuer CA)")
        issued = issue_intermediate_ca(
            plan.subject,
            key=key,
            issuer=issuer,
            now=now,
            days=plan.days,
            path_length=0 if plan.path_length is None else plan.path_length,
            serial=serial,
        )
        kind = ItemKind.CA
    elif plan.role is Role.LEAF:
        if issuer is None or plan.profile is None:
            raise UsageError("a leaf needs an issuing CA (--issuer CA) and a profile")
        issued = issue_leaf(
            plan.subject,
            key=key,
            issuer=issuer,
            profile=plan.profile,
            sans=plan.sans,
            now=now,
            days=plan.days,
            serial=serial,
        )
        kind = ItemKind.LEAF
    else:
        issued = None
        kind = ItemKind.CSR
        csr = create_csr(
            plan.subject,
            key=key,
            sans=plan.sans,
            profile=plan.profile,
            key_usage=plan.requested_key_usage,
            hash_name=plan.hash_name,
        )
    if issued is not None:
        certificate, chain = issued.certificate, issued.chain
        warnings.extend(issued.notes)
        check_key_matches(certificate, key)
    key_pem = serialize_private_key(key, key_password)
    extra: dict[str, Any] = {"role": plan.role.value, "key_type": plan.key_spec.value}
    if plan.profile is not None:
        extra["profile"] = plan.profile.value
    if plan.sans:
        extra["sans"] = [format_san(n) for n in plan.sans]
    if certificate is not None:
        extra["serial"] = f"{certificate.serial_number:x}"
    item = workspace.save_item(
        name,
        kind,
        now=now,
        certificate=certificate,
        chain=chain,
        key_pem=key_pem,
        key_encrypted=key_password is not None,
        csr=csr,
        issuer=issuer_name,
        extra=extra,
        overwrite=overwrite,
    )
    workspace.audit(
        "create",
        now,
        item=name,
        role=plan.role.value,
        profile=plan.profile.value if plan.profile else None,
        issuer=issuer_name,
        key_type=plan.key_spec.value,
        encrypted=key_password is not None,
    )
    return Created(item, certificate, csr, tuple(warnings))


def complete_csr_item(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    issuer_name: str | None = None,
) -> Item:
    """Turn a CSR item into a leaf once its certificate is signed; refuses a certificate for another key.

    This is where the Axway seed's mistake (``tpp2.crt`` signed from ``tpp1.csr``) is caught: the
    certificate's public key must be the one in the item's CSR (the item's own key).
    """
    with workspace.lock(f"complete CSR item {name}"):  # read the CSR item and replace it in one step
        return _complete_csr_item(workspace, name, certificate, chain, now=now, issuer_name=issuer_name)


def _complete_csr_item(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    issuer_name: str | None,
) -> Item:
    item = workspace.get(name)
    if item.kind is not ItemKind.CSR:
        raise UsageError(f"item {name!r} is a {item.kind.value}, not a CSR item")
    csr = workspace.load_csr(item)
    if not same_key(certificate, csr):
        raise IssuanceError(
            f"this certificate ({format_subject(certificate.subject)}) was signed from another CSR: its public key is "
            f"not the key of item {name!r}, so the pair would not work; sign {name!r}'s own CSR ({item.csr_path})"
        )
    key_pem = read_workspace_file(item.key_path) if item.key_path.is_file() else None
    extra = dict(item.extra)
    extra["serial"] = f"{certificate.serial_number:x}"
    extra["role"] = Role.LEAF.value
    saved = workspace.save_item(
        name,
        ItemKind.LEAF,
        now=now,
        certificate=certificate,
        chain=chain,
        key_pem=key_pem,
        key_encrypted=bool(item.key_encrypted),
        csr=csr,
        issuer=issuer_name,
        extra=extra,
        overwrite=True,
    )
    workspace.audit("csr-complete", now, item=name, issuer=issuer_name)
    return saved


# -- keys on disk -----------------------------------------------------------------------------------


def serialize_private_key(key: PrivateKeyTypes, password: bytes | None) -> bytes:
    """PKCS#8 PEM; encrypted (``ENCRYPTED PRIVATE KEY``, AES-256) unless ``password`` is None."""
    if password is not None and password == b"":
        raise UsageError("an empty key password is not allowed: give one, or choose no password explicitly")
    algorithm: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password is not None else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, algorithm)


def as_issuer_key(key: PrivateKeyTypes) -> CertificateIssuerPrivateKeyTypes:
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        return key
    raise IssuanceError(f"a {type(key).__name__} cannot sign certificates")


__all__ = [
    "DEFAULT_CA_DAYS",
    "DEFAULT_LEAF_DAYS",
    "LEAF_PROFILES",
    "PROFILE_HELP",
    "Created",
    "CsrRequest",
    "Issued",
    "Issuer",
    "KeySpec",
    "Plan",
    "Profile",
    "Role",
    "as_issuer_key",
    "check_issued",
    "check_key_matches",
    "complete_csr_item",
    "create_csr",
    "create_item",
    "describe_plan",
    "ekus_for",
    "generate_key",
    "issue_intermediate_ca",
    "issue_leaf",
    "issue_root_ca",
    "key_spec_of",
    "key_spec_of_public",
    "load_issuer",
    "parse_key_spec",
    "parse_profile",
    "random_serial",
    "read_csr_request",
    "renew_leaf",
    "serial_from_name",
    "serialize_private_key",
    "sign_csr",
    "validate_plan",
]
