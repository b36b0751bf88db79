"""Distinguished names and subject alternative names as people type them.

Two subject syntaxes are accepted:

- openssl style, as in ``openssl req -subj``: ``/C=US/O=Axway/CN=Axway Root CA`` (written in order,
  most significant first; ``\\/`` escapes a slash, ``+`` joins a multi-valued RDN when escaped as
  nothing else: ``/CN=a+UID=b``);
- RFC 4514, as printed by ``openssl x509 -nameopt RFC2253`` and by cryptography:
  ``CN=Axway Root CA,O=Axway,C=US`` (written least significant first; ``\\,`` ``\\+`` ``\\"`` ``\\\\``
  ``\\<`` ``\\>`` ``\\;`` ``\\=`` and ``\\XX`` hex escapes).

Every attribute the partners' recipes use is known by its short and long name, including the eIDAS /
Open Banking ones (``businessCategory``, ``jurisdictionCountryName``, ``organizationIdentifier``,
``serialNumber``, ``UID``). A bad subject is a :class:`UsageError` saying what is wrong and where.

SANs are typed ``TYPE:VALUE`` with TYPE one of ``DNS``, ``IP``, ``email``, ``URI``.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterable

from cryptography import x509
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID, ObjectIdentifier

from certbench.core.errors import UsageError

ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")

#: Attribute names (lower-cased) -> OID. Short and long openssl names, as openssl itself accepts them.
_ATTRIBUTES: dict[str, ObjectIdentifier] = {
    "c": NameOID.COUNTRY_NAME,
    "countryname": NameOID.COUNTRY_NAME,
    "st": NameOID.STATE_OR_PROVINCE_NAME,
    "s": NameOID.STATE_OR_PROVINCE_NAME,
    "stateorprovincename": NameOID.STATE_OR_PROVINCE_NAME,
    "l": NameOID.LOCALITY_NAME,
    "localityname": NameOID.LOCALITY_NAME,
    "o": NameOID.ORGANIZATION_NAME,
    "organizationname": NameOID.ORGANIZATION_NAME,
    "ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "organizationalunitname": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "cn": NameOID.COMMON_NAME,
    "commonname": NameOID.COMMON_NAME,
    "uid": NameOID.USER_ID,
    "userid": NameOID.USER_ID,
    "serialnumber": NameOID.SERIAL_NUMBER,
    "businesscategory": NameOID.BUSINESS_CATEGORY,
    "jurisdictioncountryname": NameOID.JURISDICTION_COUNTRY_NAME,
    "jurisdictionc": NameOID.JURISDICTION_COUNTRY_NAME,
    "jurisdictionstateorprovincename": NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME,
    "jurisdictionst": NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME,
    "jurisdictionlocalityname": NameOID.JURISDICTION_LOCALITY_NAME,
    "jurisdictionl": NameOID.JURISDICTION_LOCALITY_NAME,
    "organizationidentifier": ORGANIZATION_IDENTIFIER,
    "emailaddress": NameOID.EMAIL_ADDRESS,
    "email": NameOID.EMAIL_ADDRESS,
    "e": NameOID.EMAIL_ADDRESS,
    "street": NameOID.STREET_ADDRESS,
    "streetaddress": NameOID.STREET_ADDRESS,
    "dc": NameOID.DOMAIN_COMPONENT,
    "domaincomponent": NameOID.DOMAIN_COMPONENT,
    "title": NameOID.TITLE,
    "gn": NameOID.GIVEN_NAME,
    "givenname": NameOID.GIVEN_NAME,
    "sn": NameOID.SURNAME,
    "surname": NameOID.SURNAME,
    "postalcode": NameOID.POSTAL_CODE,
    "pseudonym": NameOID.PSEUDONYM,
    "dnqualifier": NameOID.DN_QUALIFIER,
}

#: The name certbench prints for each OID (openssl's short names where it has one).
_DISPLAY: dict[str, str] = {
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "ST",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
    NameOID.COMMON_NAME.dotted_string: "CN",
    NameOID.USER_ID.dotted_string: "UID",
    NameOID.SERIAL_NUMBER.dotted_string: "serialNumber",
    NameOID.BUSINESS_CATEGORY.dotted_string: "businessCategory",
    NameOID.JURISDICTION_COUNTRY_NAME.dotted_string: "jurisdictionC",
    NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME.dotted_string: "jurisdictionST",
    NameOID.JURISDICTION_LOCALITY_NAME.dotted_string: "jurisdictionL",
    ORGANIZATION_IDENTIFIER.dotted_string: "organizationIdentifier",
    NameOID.EMAIL_ADDRESS.dotted_string: "emailAddress",
    NameOID.STREET_ADDRESS.dotted_string: "street",
    NameOID.DOMAIN_COMPONENT.dotted_string: "DC",
    NameOID.TITLE.dotted_string: "title",
    NameOID.GIVEN_NAME.dotted_string: "GN",
    NameOID.SURNAME.dotted_string: "SN",
    NameOID.POSTAL_CODE.dotted_string: "postalCode",
    NameOID.PSEUDONYM.dotted_string: "pseudonym",
    NameOID.DN_QUALIFIER.dotted_string: "dnQualifier",
}

#: Attributes ASN.1 restricts to PrintableString (as openssl's string table does).
_PRINTABLE_ONLY = {
    NameOID.COUNTRY_NAME,
    NameOID.JURISDICTION_COUNTRY_NAME,
    NameOID.SERIAL_NUMBER,
    NameOID.DN_QUALIFIER,
}
_IA5_ONLY = {NameOID.EMAIL_ADDRESS, NameOID.DOMAIN_COMPONENT}
_PRINTABLE_CHARS = set(string.ascii_letters + string.digits + " '()+,-./:=?")
_TWO_LETTER = {NameOID.COUNTRY_NAME, NameOID.JURISDICTION_COUNTRY_NAME}
_MAX_VALUE = 64  # ub-name style upper bound; CN and O are 64 in RFC 5280
_DOTTED = re.compile(r"^\d+(\.\d+)+$")

KNOWN_ATTRIBUTES = tuple(sorted(set(_DISPLAY.values()), key=str.lower))


def attribute_oid(name: str) -> ObjectIdentifier:
    """The OID of an attribute name (``CN``, ``commonName``, ``jurisdictionCountryName``, ``2.5.4.97``)."""
    key = name.strip()
    if _DOTTED.fullmatch(key):
        try:
            return ObjectIdentifier(key)
        except ValueError as exc:
            raise UsageError(f"{key!r} is not a valid object identifier") from exc
    oid = _ATTRIBUTES.get(key.lower())
    if oid is None:
        raise UsageError(f"unknown subject attribute {key!r}; known: {', '.join(KNOWN_ATTRIBUTES)} (or a dotted OID)")
    return oid


def attribute(name: str, value: str) -> x509.NameAttribute[str]:
    """One checked name attribute (country codes two letters, PrintableString where ASN.1 demands)."""
    oid = attribute_oid(name)
    label = _DISPLAY.get(oid.dotted_string, name)
    if value == "":
        raise UsageError(f"{label} has an empty value")
    if oid in _TWO_LETTER and (len(value) != 2 or not value.isascii() or not value.isalpha()):
        raise UsageError(f"{label}={value!r}: a country is a two-letter code such as US or DE")
    if oid in _PRINTABLE_ONLY and not set(value) <= _PRINTABLE_CHARS:
        bad = "".join(sorted(set(value) - _PRINTABLE_CHARS))
        raise UsageError(f"{label}={value!r}: characters {bad!r} are not allowed (PrintableString)")
    if oid in _IA5_ONLY and not value.isascii():
        raise UsageError(f"{label}={value!r}: only ASCII characters are allowed")
    if len(value) > _MAX_VALUE and oid != NameOID.EMAIL_ADDRESS:
        raise UsageError(f"{label} is {len(value)} characters long; at most {_MAX_VALUE} are allowed")
    try:
        if oid == ORGANIZATION_IDENTIFIER or oid not in _PRINTABLE_ONLY | _IA5_ONLY:
            return x509.NameAttribute(oid, value, _ASN1Type.UTF8String)
        return x509.NameAttribute(oid, value)
    except ValueError as exc:  # cryptography's own limits (CN: at most 64 bytes of UTF-8)
        raise UsageError(f"{label}: {exc}") from exc


def parse_subject(text: str) -> x509.Name:
    """Parse ``/C=US/O=x/CN=y`` (openssl) or ``CN=y,O=x,C=US`` (RFC 4514) into an ``x509.Name``."""
    source = text.strip()
    if not source:
        raise UsageError("the subject is empty: give at least CN, e.g. /CN=My Service/O=MyCompany")
    rdns = _parse_openssl(source) if source.startswith("/") else list(reversed(_parse_rfc4514(source)))
    return x509.Name([x509.RelativeDistinguishedName(rdn) for rdn in rdns])


def name_from_pairs(pairs: Iterable[tuple[str, str]]) -> x509.Name:
    """A name from (attribute, value) pairs in order, most significant first (as in a .cnf DN section)."""
    rdns: list[list[x509.NameAttribute[str]]] = []
    for key, value in pairs:
        multi = key.startswith("+")
        item = attribute(key.lstrip("+"), value)
        if multi and rdns:
            _add_to_rdn(rdns[-1], item)
        else:
            rdns.append([item])
    if not rdns:
        raise UsageError("the subject is empty")
    return x509.Name([x509.RelativeDistinguishedName(rdn) for rdn in rdns])


def _add_to_rdn(rdn: list[x509.NameAttribute[str]], item: x509.NameAttribute[str]) -> None:
    if any(existing.oid == item.oid and existing.value == item.value for existing in rdn):
        raise UsageError(f"{format_attribute(item)} appears twice in one multi-valued RDN")
    rdn.append(item)


def _split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split on unescaped separators; returns (piece, separator that ended it) with escapes kept."""
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 >= len(text):
                raise UsageError(f"subject {text!r} ends with a lone backslash")
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in separators:
            pieces.append(("".join(current), char))
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append(("".join(current), ""))
    return pieces


def _unescape(value: str, *, rfc4514: bool) -> str:
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            pair = value[index + 1 : index + 3]
            if rfc4514 and len(pair) == 2 and all(c in string.hexdigits for c in pair):
                out.append(int(pair, 16))
                index += 3
                continue
            out.extend(value[index + 1].encode())
            index += 2
            continue
        out.extend(char.encode())
        index += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"value {value!r} has \\XX escapes that are not valid UTF-8") from exc


def _pair(piece: str, *, rfc4514: bool, whole: str) -> x509.NameAttribute[str]:
    key, sep, raw = piece.partition("=")
    if not sep or not key.strip():
        hint = "/KEY=VALUE/KEY=VALUE" if not rfc4514 else "KEY=VALUE,KEY=VALUE"
        raise UsageError(
            f"cannot read {piece!r} in subject {whole!r}: expected {hint} (escape '=' and separators with \\)"
        )
    if "\\" in key:
        raise UsageError(f"attribute name {key!r} in subject {whole!r} contains a backslash")
    value = raw.strip() if rfc4514 else raw
    if rfc4514 and value.startswith("#"):
        raise UsageError(f"{key.strip()}={value}: hex-encoded (#...) values are not supported; type the text")
    if rfc4514 and len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    # A trailing escaped space ("\ ") is legitimate in RFC 4514; strip() above kept it.
    return attribute(key.strip(), _unescape(value, rfc4514=rfc4514))


def _parse_openssl(source: str) -> list[list[x509.NameAttribute[str]]]:
    body = source[1:]
    if body.endswith("/") and not body.endswith("\\/"):
        body = body[:-1]
    rdns: list[list[x509.NameAttribute[str]]] = []
    for segment, _sep in _split_unescaped(body, "/"):
        if segment == "":
            raise UsageError(f"empty component (//) in subject {source!r}")
        rdn: list[x509.NameAttribute[str]] = []
        for piece, _ in _split_unescaped(segment, "+"):
            _add_to_rdn(rdn, _pair(piece, rfc4514=False, whole=source))
        rdns.append(rdn)
    return rdns


def _parse_rfc4514(source: str) -> list[list[x509.NameAttribute[str]]]:
    rdns: list[list[x509.NameAttribute[str]]] = []
    rdn: list[x509.NameAttribute[str]] = []
    for piece, sep in _split_unescaped(source, ",+"):
        if piece.strip() == "":
            raise UsageError(f"empty component in subject {source!r} (two separators in a row or a trailing comma)")
        _add_to_rdn(rdn, _pair(piece, rfc4514=True, whole=source))
        if sep != "+":
            rdns.append(rdn)
            rdn = []
    return rdns


def format_attribute(item: x509.NameAttribute[str] | x509.NameAttribute[bytes]) -> str:
    label = _DISPLAY.get(item.oid.dotted_string, item.oid.dotted_string)
    value = item.value if isinstance(item.value, str) else item.value.hex()
    return f"{label}={value}"


def format_subject(name: x509.Name) -> str:
    """The openssl-style form (``/C=US/O=x/CN=y``), escaped so :func:`parse_subject` reads it back."""
    parts = []
    for rdn in name.rdns:
        members = []
        for item in rdn:
            label = _DISPLAY.get(item.oid.dotted_string, item.oid.dotted_string)
            value = item.value if isinstance(item.value, str) else item.value.hex()
            escaped = value.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+")
            members.append(f"{label}={escaped}")
        parts.append("+".join(members))
    return "/" + "/".join(parts)


def subject_pairs(name: x509.Name) -> list[tuple[str, str]]:
    """(display attribute name, value) in order, most significant first (for previews and tables)."""
    return [
        (_DISPLAY.get(item.oid.dotted_string, item.oid.dotted_string), str(item.value))
        for rdn in name.rdns
        for item in rdn
    ]


def common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


# -- subject alternative names ---------------------------------------------------------------------

SAN_TYPES = ("DNS", "IP", "email", "URI")
_DNS_LABEL = re.compile(r"^(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$")


def parse_san(text: str) -> x509.GeneralName:
    """``DNS:host.example``, ``IP:127.0.0.1``, ``email:a@b.example``, ``URI:https://x`` -> a GeneralName."""
    kind, sep, value = text.strip().partition(":")
    if not sep or not value.strip():
        raise UsageError(
            f"SAN {text!r} must be TYPE:VALUE with TYPE one of {', '.join(SAN_TYPES)} (e.g. DNS:api.example.com)"
        )
    return san(kind, value)


def san(kind: str, value: str) -> x509.GeneralName:
    """One SAN of a given type (type names as in openssl configs: DNS, IP, email, URI)."""
    key = kind.strip().lower()
    value = value.strip()
    if key == "dns":
        name = value.lower() if value.isascii() else value
        labels = name.rstrip(".").split(".")
        if not name or len(name) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
            raise UsageError(f"DNS:{value}: not a valid DNS name (letters, digits, '-', dots; '*.' for a wildcard)")
        if "*" in labels[1:]:
            raise UsageError(f"DNS:{value}: a wildcard is only allowed as the whole left-most label")
        return x509.DNSName(name)
    if key in ("ip", "ip address"):
        try:
            return x509.IPAddress(ipaddress.ip_address(value.strip("[]")))
        except ValueError as exc:
            raise UsageError(f"IP:{value}: not an IPv4 or IPv6 address") from exc
    if key in ("email", "rfc822name"):
        local, at, domain = value.partition("@")
        if not at or not local or not domain or " " in value or not value.isascii():
            raise UsageError(f"email:{value}: not an e-mail address (name@domain)")
        return x509.RFC822Name(value)
    if key in ("uri",):
        if ":" not in value or " " in value or not value.isascii():
            raise UsageError(f"URI:{value}: not an absolute URI (scheme:...)")
        return x509.UniformResourceIdentifier(value)
    raise UsageError(f"SAN type {kind!r} is not supported; use one of {', '.join(SAN_TYPES)}")


__all__ = [
    "KNOWN_ATTRIBUTES",
    "SAN_TYPES",
    "attribute",
    "attribute_oid",
    "common_name",
    "format_subject",
    "name_from_pairs",
    "parse_san",
    "parse_subject",
    "san",
    "subject_pairs",
]
