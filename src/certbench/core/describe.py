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
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certbench.core.errors import FormatError
from certbench.core.fingerprints import sha1_colon, sha256_colon, x5t_s256

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

#: Readable names of extended key usages.
EKU_NAMES: dict[str, str] = {
    ExtendedKeyUsageOID.SERVER_AUTH.dotted_string: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING.dotted_string: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING.dotted_string: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string: "anyExtendedKeyUsage",
    ExtendedKeyUsageOID.SMARTCARD_LOGON.dotted_string: "smartcardLogon",
    ExtendedKeyUsageOID.KERBEROS_PKINIT_KDC.dotted_string: "kerberosPKINITKDC",
    ExtendedKeyUsageOID.IPSEC_IKE.dotted_string: "ipsecIKE",
    ExtendedKeyUsageOID.CERTIFICATE_TRANSPARENCY.dotted_string: "certificateTransparency",
}

#: ETSI TS 119 495 PSD2 roles (id-psd2-role-*).
PSD2_ROLE_NAMES: dict[str, str] = {
    "0.4.0.19495.1.1": "PSP_AS (account servicing)",
    "0.4.0.19495.1.2": "PSP_PI (payment initiation)",
    "0.4.0.19495.1.3": "PSP_AI (account information)",
    "0.4.0.19495.1.4": "PSP_IC (card-based payment instruments)",
}
QC_STATEMENTS_OID = "1.3.6.1.5.5.7.1.3"
PSD2_QC_STATEMENT_OID = "0.4.0.19495.2"

_KEY_USAGE_FIELDS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


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
    oid = certificate.signature_algorithm_oid
    name = getattr(oid, "_name", None)
    return str(name) if name and name != "Unknown OID" else oid.dotted_string


#: id(certificate) -> (certificate, subject, issuer): ``certificate.subject`` builds a new Name on every
#: access (tens of microseconds), and chain building asks for names many times per certificate.
_NAME_CACHE: dict[int, tuple[x509.Certificate, x509.Name, x509.Name]] = {}


def names(certificate: x509.Certificate) -> tuple[x509.Name, x509.Name]:
    """(subject, issuer) of ``certificate``, built once."""
    cached = _NAME_CACHE.get(id(certificate))
    if cached is not None and cached[0] is certificate:
        return cached[1], cached[2]
    subject, issuer = certificate.subject, certificate.issuer
    if len(_NAME_CACHE) >= _EXTENSION_CACHE_SIZE:
        _NAME_CACHE.clear()
    _NAME_CACHE[id(certificate)] = (certificate, subject, issuer)
    return subject, issuer


def _extension(certificate: x509.Certificate, kind: type[Any]) -> Any:
    """The parsed value of extension ``kind``, None when absent or malformed."""
    return _extension_map(certificate).get(kind)


#: What cryptography raises for extensions it cannot parse (never let them out of core).
EXTENSION_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)

#: id(certificate) -> (certificate, its extensions by type). Keyed by identity because hashing a
#: certificate hashes its whole DER; the certificate is kept in the entry so an id is never reused
#: while cached. Bounded: cleared when full.
_EXTENSION_CACHE: dict[int, tuple[x509.Certificate, dict[type[Any] | str, Any]]] = {}
_EXTENSION_CACHE_SIZE = 20000


def _extension_map(certificate: x509.Certificate) -> dict[type[Any] | str, Any]:
    """Every extension of ``certificate`` by value type (unrecognised ones by dotted OID), parsed once:
    describing 5,000 certificates asks for each extension many times."""
    cached = _EXTENSION_CACHE.get(id(certificate))
    if cached is not None and cached[0] is certificate:
        return cached[1]
    try:
        extensions = {
            extension.oid.dotted_string
            if isinstance(extension.value, x509.UnrecognizedExtension)
            else type(extension.value): extension.value
            for extension in certificate.extensions
        }
    except EXTENSION_ERRORS:  # malformed or duplicated extensions: described without extensions
        extensions = {}
    if len(_EXTENSION_CACHE) >= _EXTENSION_CACHE_SIZE:
        _EXTENSION_CACHE.clear()
    _EXTENSION_CACHE[id(certificate)] = (certificate, extensions)
    return extensions


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
    names = [label for attr, label in _KEY_USAGE_FIELDS if getattr(usage, attr)]
    if usage.key_agreement:
        if usage.encipher_only:
            names.append("encipherOnly")
        if usage.decipher_only:
            names.append("decipherOnly")
    return tuple(names)


def extended_key_usage(certificate: x509.Certificate) -> tuple[str, ...]:
    usage = _extension(certificate, x509.ExtendedKeyUsage)
    if usage is None:
        return ()
    return tuple(EKU_NAMES.get(oid.dotted_string, oid.dotted_string) for oid in usage)


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
    value = _extension_map(certificate).get(QC_STATEMENTS_OID)
    raw = value.value if isinstance(value, x509.UnrecognizedExtension) else b""
    return _roles_from_der(raw)


def _roles_from_der(raw: bytes) -> tuple[str, ...]:
    """Find id-psd2-role-* OIDs in the QCStatements DER without a full ASN.1 parser.

    Each role OID is encoded as ``06 07 04 00 81 98 27 01 0N`` (0.4.0.19495.1.N) inside the PSD2
    statement; we look for that exact encoding, so nothing else in the extension can be mistaken for it.
    """
    prefix = bytes.fromhex("0607040081982701")
    roles: list[str] = []
    start = 0
    while True:
        position = raw.find(prefix, start)
        if position < 0 or position + len(prefix) >= len(raw):
            break
        number = raw[position + len(prefix)]
        label = PSD2_ROLE_NAMES.get(f"0.4.0.19495.1.{number}", f"0.4.0.19495.1.{number}")
        if label not in roles:
            roles.append(label)
        start = position + len(prefix) + 1
    return tuple(roles)


def days_until(moment: datetime, now: datetime) -> int:
    """Whole days from ``now`` until ``moment``; negative once past (an hour past is -1, never 0).
    The one rule for "days left" everywhere: describe, workspace, bindings, truststores, expiry watch."""
    return int((moment - now).total_seconds() // 86400)


def days_left(certificate: x509.Certificate, now: datetime) -> int:
    """Whole days until notAfter (negative once expired)."""
    return days_until(certificate.not_valid_after_utc, now)


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
