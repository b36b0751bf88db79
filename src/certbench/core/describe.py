"""Say what a certificate is, in the words support staff and partners use.

:func:`describe_certificate` turns an ``x509.Certificate`` into a :class:`CertSummary`: names (RFC 4514
and attribute by attribute with readable names, including the eIDAS/PSD2 attributes), validity and days
left, key, signature algorithm, the usual extensions, PSD2 roles from QCStatements, and fingerprints in
the forms people compare them in. Pure: the clock comes in as ``now``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import NameOID

from certbench.core import oid_names
from certbench.core.errors import FormatError
from certbench.core.fingerprints import sha1_colon, sha256_colon, x5t_s256
from certbench.core.key_usage import key_usage_names
from certbench.core.oid_names import extended_key_usage_name
from certbench.core.validity import days_left

#: Readable names of the attributes found in subjects and issuers (eIDAS/PSD2 ones included).
ATTRIBUTE_NAMES: dict[str, str] = {
    NameOID.COMMON_NAME.dotted_string: "commonName",
    NameOID.COUNTRY_NAME.dotted_string: "countryName",
    NameOID.LOCALITY_NAME.dotted_string: "localityName",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "stateOrProvinceName",
    NameOID.STREET_ADDRESS.dotted_string: "streetAddress",
    NameOID.ORGANIZATION_NAME.dotted_string: "organizationName",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "organizationalUnitName",
    NameOID.SERIAL_NUMBER.dotted_string: "serialNumber",
    NameOID.SURNAME.dotted_string: "surname",
    NameOID.GIVEN_NAME.dotted_string: "givenName",
    NameOID.TITLE.dotted_string: "title",
    NameOID.GENERATION_QUALIFIER.dotted_string: "generationQualifier",
    NameOID.DN_QUALIFIER.dotted_string: "dnQualifier",
    NameOID.PSEUDONYM.dotted_string: "pseudonym",
    NameOID.USER_ID.dotted_string: "UID",
    NameOID.DOMAIN_COMPONENT.dotted_string: "domainComponent",
    NameOID.EMAIL_ADDRESS.dotted_string: "emailAddress",
    NameOID.BUSINESS_CATEGORY.dotted_string: "businessCategory",
    NameOID.POSTAL_CODE.dotted_string: "postalCode",
    NameOID.POSTAL_ADDRESS.dotted_string: "postalAddress",
    NameOID.INN.dotted_string: "INN",
    NameOID.OGRN.dotted_string: "OGRN",
    NameOID.SNILS.dotted_string: "SNILS",
    NameOID.UNSTRUCTURED_NAME.dotted_string: "unstructuredName",
    "2.5.4.97": "organizationIdentifier",
    "2.5.4.4": "surname",
    "2.5.4.15": "businessCategory",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionLocalityName",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionStateOrProvinceName",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
}


#: ETSI TS 119 495 PSD2 roles (id-psd2-role-*).
QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")


@dataclass(frozen=True)
class NameAttribute:
    """One attribute of a distinguished name: readable name, dotted OID, value."""

    name: str
    oid: str
    value: str


@dataclass(frozen=True)
class CertSummary:
    """Everything a person asks about one certificate."""

    subject: str
    issuer: str
    subject_attributes: tuple[NameAttribute, ...]
    issuer_attributes: tuple[NameAttribute, ...]
    serial: str
    not_before: datetime
    not_after: datetime
    days_left: int
    key_type: str
    key_size: int | None
    signature_algorithm: str
    san: tuple[str, ...]
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    is_ca: bool
    path_length: int | None
    self_issued: bool
    ski: str | None
    aki: str | None
    psd2_roles: tuple[str, ...]
    sha256: str
    sha1: str
    x5t_s256: str
    version: int
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "subject_attributes": [{"name": a.name, "oid": a.oid, "value": a.value} for a in self.subject_attributes],
            "issuer_attributes": [{"name": a.name, "oid": a.oid, "value": a.value} for a in self.issuer_attributes],
            "serial": self.serial,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "days_left": self.days_left,
            "key_type": self.key_type,
            "key_size": self.key_size,
            "signature_algorithm": self.signature_algorithm,
            "san": list(self.san),
            "key_usage": list(self.key_usage),
            "extended_key_usage": list(self.extended_key_usage),
            "is_ca": self.is_ca,
            "path_length": self.path_length,
            "ski": self.ski,
            "aki": self.aki,
            "psd2_roles": list(self.psd2_roles),
            "sha256": self.sha256,
            "sha1": self.sha1,
            "x5t#S256": self.x5t_s256,
        }


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z`` (whole seconds)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


@functools.lru_cache(maxsize=16384)
def rfc4514(name: x509.Name) -> str:
    """RFC 4514 string of a name; never raises on odd encodings."""
    try:
        return name.rfc4514_string(_RFC4514_EXTRA)
    except (ValueError, TypeError):
        return ",".join(f"{a.oid.dotted_string}={a.value!r}" for a in name)


_RFC4514_EXTRA: dict[x509.ObjectIdentifier, str] = {
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.BUSINESS_CATEGORY: "businessCategory",
    NameOID.JURISDICTION_COUNTRY_NAME: "jurisdictionC",
    NameOID.EMAIL_ADDRESS: "emailAddress",
}


def name_attributes(name: x509.Name) -> tuple[NameAttribute, ...]:
    """Attributes in the order they appear, with readable names (the dotted OID when unknown)."""
    result = []
    for attribute in name:
        oid = attribute.oid.dotted_string
        value = attribute.value
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        result.append(NameAttribute(ATTRIBUTE_NAMES.get(oid, oid), oid, text))
    return tuple(result)


def common_name(certificate: x509.Certificate) -> str:
    """The CN, or the whole RFC 4514 subject when there is none (for short labels)."""
    for attribute in names(certificate)[0].get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attribute.value
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return rfc4514(names(certificate)[0]) or "(empty subject)"


def public_key_info(key: PublicKeyTypes | PrivateKeyTypes) -> tuple[str, int | None]:
    """("RSA", 2048), ("EC P-256", 256), ("Ed25519", 256)..."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        curve = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(key.curve.name, key.curve.name)
        return f"EC {curve}", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return "DSA", key.key_size
    if isinstance(key, x25519.X25519PublicKey | x25519.X25519PrivateKey):
        return "X25519", 256
    if isinstance(key, x448.X448PublicKey | x448.X448PrivateKey):
        return "X448", 448
    return type(key).__name__, None


def certificate_key_info(certificate: x509.Certificate) -> tuple[str, int | None]:
    try:
        return public_key_info(certificate.public_key())
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
        return "unsupported", None
    except Exception as exc:  # noqa: BLE001 - cryptography raises UnsupportedAlgorithm for odd keys
        return f"unsupported ({type(exc).__name__})", None


def signature_algorithm_name(certificate: x509.Certificate) -> str:
    return oid_names.signature_algorithm_name(certificate.signature_algorithm_oid)


def names(certificate: x509.Certificate) -> tuple[x509.Name, x509.Name]:
    """(subject, issuer) of ``certificate`` (cryptography >= 50 parses each once per certificate)."""
    return certificate.subject, certificate.issuer


#: What cryptography raises for extensions it cannot parse (never let them out of core).
EXTENSION_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def _extension(certificate: x509.Certificate, kind: type[Any]) -> Any:
    """The parsed value of extension ``kind``, None when absent or malformed (cryptography >= 50 parses a
    certificate's extensions once and keeps them, so asking often is cheap)."""
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except EXTENSION_ERRORS:  # malformed or duplicated extensions: described without extensions
        return None


def format_san(name: x509.GeneralName) -> str:
    """A general name as openssl writes it in a config (``DNS:x``, ``IP:1.2.3.4``, ``email:``, ``URI:``)."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{rfc4514(name.value)}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}"
    return str(name)


def subject_alt_names(certificate: x509.Certificate) -> tuple[str, ...]:
    san = _extension(certificate, x509.SubjectAlternativeName)
    return tuple(format_san(n) for n in san) if san is not None else ()


def key_usage(certificate: x509.Certificate) -> tuple[str, ...]:
    usage = _extension(certificate, x509.KeyUsage)
    if usage is None:
        return ()
    return key_usage_names(usage)


def extended_key_usage(certificate: x509.Certificate) -> tuple[str, ...]:
    usage = _extension(certificate, x509.ExtendedKeyUsage)
    if usage is None:
        return ()
    return tuple(extended_key_usage_name(oid) for oid in usage)


def basic_constraints(certificate: x509.Certificate) -> tuple[bool, int | None]:
    constraints = _extension(certificate, x509.BasicConstraints)
    if constraints is None:
        return False, None
    return bool(constraints.ca), constraints.path_length


def is_ca(certificate: x509.Certificate) -> bool:
    """basicConstraints CA:TRUE; a v1 self-issued certificate (an old root: v1 has no extensions) is a CA too,
    as OpenSSL treats it and as ``trust list`` shows it."""
    if basic_constraints(certificate)[0]:
        return True
    if certificate.version is not x509.Version.v1:
        return False
    try:
        subject, issuer = names(certificate)
    except ValueError:  # a damaged name: not something to take for a CA
        return False
    return subject == issuer


def key_identifiers(certificate: x509.Certificate) -> tuple[str | None, str | None]:
    """(SKI, AKI key identifier) as colon hex, None when absent."""
    ski = _extension(certificate, x509.SubjectKeyIdentifier)
    aki = _extension(certificate, x509.AuthorityKeyIdentifier)
    ski_hex = ski.digest.hex(":").upper() if ski is not None else None
    aki_hex = aki.key_identifier.hex(":").upper() if aki is not None and aki.key_identifier else None
    return ski_hex, aki_hex


def psd2_roles(certificate: x509.Certificate) -> tuple[str, ...]:
    """PSD2 roles from the QCStatements extension (ETSI TS 119 495), when present."""
    try:
        extension = certificate.extensions.get_extension_for_oid(QC_STATEMENTS_OID)
    except x509.ExtensionNotFound:
        return ()
    except EXTENSION_ERRORS:
        return ()
    value = extension.value
    if not isinstance(value, x509.UnrecognizedExtension):
        return ()
    from certbench.core.psd2 import psd2_roles_from_qc_statements  # pyasn1: only for certificates that have one

    return psd2_roles_from_qc_statements(value.value)


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial as colon upper-case hex (what openssl and keytool show), at least one byte."""
    number = certificate.serial_number
    if number < 0:
        return "-" + serial_from_int(-number)
    return serial_from_int(number)


def serial_from_int(number: int) -> str:
    length = max(1, (number.bit_length() + 7) // 8)
    return number.to_bytes(length, "big").hex(":").upper()


def certificate_damage(certificate: x509.Certificate) -> str | None:
    """Why a certificate that loaded cannot be described (cryptography parses some fields lazily), or None."""
    try:
        names(certificate)  # parses (and keeps) subject and issuer
        certificate.not_valid_before_utc  # noqa: B018 - parsing on access is the point
        certificate.not_valid_after_utc  # noqa: B018
        certificate.serial_number  # noqa: B018
        certificate.signature_algorithm_oid  # noqa: B018
    except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the certificate is unreadable
        return " ".join(str(exc).split())[:160] or type(exc).__name__
    return None


def describe_certificate(certificate: x509.Certificate, *, now: datetime) -> CertSummary:
    """A :class:`CertSummary` of ``certificate`` as seen at ``now``; :class:`FormatError` if it is damaged."""
    damage = certificate_damage(certificate)
    if damage is not None:
        raise FormatError(f"the certificate is damaged: {damage}")
    key_type, key_size = certificate_key_info(certificate)
    path_length = basic_constraints(certificate)[1]
    ski, aki = key_identifiers(certificate)
    return CertSummary(
        subject=rfc4514(certificate.subject),
        issuer=rfc4514(certificate.issuer),
        subject_attributes=name_attributes(certificate.subject),
        issuer_attributes=name_attributes(certificate.issuer),
        serial=serial_hex(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        days_left=days_left(certificate, now),
        key_type=key_type,
        key_size=key_size,
        signature_algorithm=signature_algorithm_name(certificate),
        san=subject_alt_names(certificate),
        key_usage=key_usage(certificate),
        extended_key_usage=extended_key_usage(certificate),
        is_ca=is_ca(certificate),
        path_length=path_length,
        self_issued=certificate.subject == certificate.issuer,
        ski=ski,
        aki=aki,
        psd2_roles=psd2_roles(certificate),
        sha256=sha256_colon(certificate),
        sha1=sha1_colon(certificate),
        x5t_s256=x5t_s256(certificate),
        version=certificate.version.value + 1,
    )


__all__ = [
    "ATTRIBUTE_NAMES",
    "CertSummary",
    "NameAttribute",
    "common_name",
    "describe_certificate",
    "extended_key_usage",
    "is_ca",
    "iso",
    "key_identifiers",
    "name_attributes",
    "public_key_info",
    "rfc4514",
]
