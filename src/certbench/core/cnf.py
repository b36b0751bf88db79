"""OpenSSL request configs (``openssl req -config FILE``), as partners hand them out (the seed's tpp1.cnf).

:func:`read_request_config` reads the ``[req]`` section (``distinguished_name``, ``req_extensions``,
``default_bits``, ``default_md``, ``prompt``, ``encrypt_key``, ``string_mask``), the DN section (with
openssl's ``N.`` prefixes, ``+`` multi-valued RDNs and, with ``prompt = yes``, the ``*_default``
values) and the extension section (``basicConstraints``, ``keyUsage``, ``extendedKeyUsage``,
``subjectAltName`` inline or ``@section``). Variables ``$name``/``${name}``/``${section::name}`` are
expanded. Everything certbench does not use is reported in :attr:`RequestConfig.notes`, never silently
dropped; what cannot be honoured at all is a :class:`UsageError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from certbench.core.errors import UsageError
from certbench.core.issue import KeySpec, Profile
from certbench.core.key_usage import key_usage_from_names
from certbench.core.reading import read_bounded
from certbench.core.safe_text import terminal_safe
from certbench.core.subject import ORGANIZATION_IDENTIFIER, name_from_pairs, san

MAX_CONFIG_BYTES = 1_000_000

_SECTION = re.compile(r"^\[\s*([^\]]*?)\s*\]\s*$")
_ASSIGN = re.compile(r"^([^=]+?)\s*=\s*(.*)$")
#: The directives OpenSSL knows; another line starting with '.' is named by its line number only.
_DIRECTIVES = (".include", ".pragma")
_VARIABLE = re.compile(r"\$(?:\{([^}]*)\}|\(([^)]*)\)|([A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)?))")

_REQ_KNOWN = {
    "default_bits",
    "default_md",
    "encrypt_key",
    "prompt",
    "string_mask",
    "distinguished_name",
    "req_extensions",
    "x509_extensions",
    "utf8",
}
_REQ_IGNORED = {
    "default_keyfile": "certbench keeps the key in the workspace item (key.pem)",
    "input_password": "passwords are never read from config files",
    "output_password": "passwords are never read from config files",
    "attributes": "CSR attributes (challengePassword) are not added",
    "oid_section": "custom OID names are not read; use dotted OIDs",
    "dirstring_type": "obsolete; certbench writes UTF8String",
}

EKU_BY_NAME: dict[str, ObjectIdentifier] = {
    "serverauth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codesigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailprotection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocspsigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}


@dataclass(frozen=True)
class RequestConfig:
    """What an OpenSSL request config asks for."""

    path: str
    subject: x509.Name
    key_spec: KeySpec | None = None
    hash_name: str | None = None
    encrypt_key: bool | None = None
    ca: bool | None = None
    key_usage: tuple[str, ...] = ()
    key_usage_critical: bool = False
    ext_key_usage: tuple[ObjectIdentifier, ...] = ()
    sans: tuple[x509.GeneralName, ...] = ()
    #: Keys and values read but not used (or not understood): shown to the user, never dropped silently.
    notes: tuple[str, ...] = ()

    def suggested_profile(self) -> Profile | None:
        """The leaf profile matching the requested EKU (tpp when the subject carries eIDAS attributes)."""
        if self.ca:
            return None
        ekus = set(self.ext_key_usage)
        client = ExtendedKeyUsageOID.CLIENT_AUTH in ekus
        server = ExtendedKeyUsageOID.SERVER_AUTH in ekus
        if client and server:
            return Profile.CLIENT_SERVER
        if server:
            return Profile.SERVER
        if client or not ekus:
            eidas = bool(self.subject.get_attributes_for_oid(ORGANIZATION_IDENTIFIER)) or bool(
                self.subject.get_attributes_for_oid(x509.NameOID.BUSINESS_CATEGORY)
            )
            return Profile.TPP if eidas and client else Profile.CLIENT
        return None


class _Config:
    def __init__(self, path: str) -> None:
        self.path = path
        self.sections: dict[str, list[tuple[str, str, int]]] = {"default": []}

    def section(self, name: str, *, required_by: str) -> list[tuple[str, str, int]]:
        if name not in self.sections:
            # The name comes from the file: a newline in it must not split the one-line message.
            raise UsageError(f"section [{terminal_safe(name)}] named by {required_by} does not exist", path=self.path)
        return self.sections[name]

    def get(self, section: str, key: str) -> str | None:
        for name, value, _line in reversed(self.sections.get(section, [])):
            if name == key:
                return value
        return None


def _strip_comment(line: str) -> str:
    out = []
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            out.append(line[index : index + 2])
            index += 2
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        out.append(char)
        index += 1
    return "".join(out).rstrip()


def _unquote(value: str) -> str:
    out = []
    quote = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            nxt = value[index + 1]
            out.append({"n": "\n", "r": "\r", "t": "\t", "b": "\b"}.get(nxt, nxt))
            index += 2
            continue
        if quote:
            if char == quote:
                quote = ""
            else:
                out.append(char)
        elif char in "\"'":
            quote = char
        else:
            out.append(char)
        index += 1
    return "".join(out)


def parse_config_text(text: str, *, path: str) -> _Config:
    config = _Config(path)
    current = "default"
    pending = ""
    pending_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = pending + raw
        if not pending:
            pending_line = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        pending = ""
        stripped = _strip_comment(line).strip()
        if not stripped:
            continue
        header = _SECTION.match(stripped)
        if header:
            current = header.group(1)
            if not current:
                raise UsageError(f"line {pending_line}: empty section name []", path=path)
            config.sections.setdefault(current, [])
            continue
        if stripped.startswith("."):
            config.sections.setdefault("__directives__", []).append((stripped, "", pending_line))
            continue
        match = _ASSIGN.match(stripped)
        if not match:
            # The line itself is not quoted: a file given by mistake (/etc/shadow, a key) must not be echoed.
            raise UsageError(
                f"line {pending_line}: expected 'name = value' or '[section]' (the line is neither)", path=path
            )
        key, value = match.group(1).strip(), match.group(2).strip()
        config.sections[current].append(
            (key, _unquote(_expand(config, current, value, path, pending_line)), pending_line)
        )
    return config


def _expand(config: _Config, section: str, value: str, path: str, line: int) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3) or ""
        target_section, _, key = name.rpartition("::")
        target_section = target_section or section
        if target_section == "ENV":
            raise UsageError(f"line {line}: $ENV::NAME: environment variables in configs are not read", path=path)
        found = config.get(target_section, key)
        if found is None and target_section != "default":
            found = config.get("default", key)
        if found is None:
            raise UsageError(f"line {line}: the value uses a $variable that is not defined", path=path)
        return found

    if "\\$" in value:
        return value
    return _VARIABLE.sub(replace, value)


def _flag(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in ("yes", "y", "true", "1", "on"):
        return True
    if lowered in ("no", "n", "false", "0", "off"):
        return False
    return None


def read_request_config(path: str | Path) -> RequestConfig:
    """Read an OpenSSL request config file (see the module docs)."""
    source = Path(path)
    data = read_bounded(source, MAX_CONFIG_BYTES, what="an OpenSSL config", error=UsageError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError("is not a UTF-8 text file (an OpenSSL config was expected)", path=source) from exc
    return parse_request_config(text, path=str(source))


def parse_request_config(text: str, *, path: str = "<config>") -> RequestConfig:
    config = parse_config_text(text, path=path)
    notes: list[str] = []
    for directive, _value, line in config.sections.get("__directives__", []):
        word = directive.split()[0].split("=")[0]
        name = repr(word) if word in _DIRECTIVES else "a '.' directive"
        notes.append(f"line {line}: {name} is not supported and was ignored")
    if "req" not in config.sections:
        raise UsageError("has no [req] section: is this an OpenSSL request config (openssl req -config)?", path=path)
    req = config.sections["req"]
    values: dict[str, str] = {}
    for key, value, line in req:
        if key in _REQ_KNOWN:
            values[key] = value
        elif key in _REQ_IGNORED:
            notes.append(f"[req] {key} ignored: {_REQ_IGNORED[key]}")
        else:
            notes.append(f"[req] {key} (line {line}) is not a key certbench knows; it was not used")

    key_spec: KeySpec | None = None
    if "default_bits" in values:
        bits = values["default_bits"].strip()
        if bits not in ("2048", "3072", "4096"):
            raise UsageError(
                f"[req] default_bits = {bits}: certbench makes RSA keys of 2048, 3072 or 4096 bits", path=path
            )
        key_spec = KeySpec(f"rsa:{bits}")
    hash_name = values.get("default_md", "").strip().lower() or None
    if hash_name is not None and hash_name not in ("sha256", "sha384", "sha512"):
        raise UsageError(f"[req] default_md = {hash_name}: use sha256, sha384 or sha512", path=path)
    encrypt_key = _flag(values["encrypt_key"]) if "encrypt_key" in values else None
    prompt = _flag(values.get("prompt", "yes"))
    mask = values.get("string_mask", "").strip().lower()
    if mask and mask not in ("utf8only", "default", "nombstr", "pkix"):
        notes.append(f"[req] string_mask = {mask} is unknown; certbench writes UTF8String (as utf8only)")
    elif mask and mask != "utf8only":
        notes.append(f"[req] string_mask = {mask}: certbench writes UTF8String (as utf8only)")
    if "x509_extensions" in values:
        notes.append("[req] x509_extensions is used only by 'openssl req -x509'; certbench applies its own CA profile")

    dn_name = values.get("distinguished_name")
    if not dn_name:
        raise UsageError("[req] has no distinguished_name: certbench needs the subject from the config", path=path)
    pairs = _dn_pairs(
        config.section(dn_name, required_by="[req] distinguished_name"), prompt is not False, notes, dn_name
    )
    try:
        subject = name_from_pairs(pairs)
    except UsageError as exc:
        raise UsageError(f"[{dn_name}]: {exc.message}", path=path) from exc

    ca: bool | None = None
    key_usage: tuple[str, ...] = ()
    ku_critical = False
    ekus: list[ObjectIdentifier] = []
    sans: list[x509.GeneralName] = []
    ext_name = values.get("req_extensions")
    if ext_name:
        for key, value, line in config.section(ext_name, required_by="[req] req_extensions"):
            where = f"[{ext_name}] {key} (line {line})"
            critical, items = _split_extension(value)
            if key == "basicConstraints":
                ca = _basic_constraints(items, where, path)
            elif key == "keyUsage":
                try:
                    key_usage_from_names(items)
                except UsageError as exc:
                    raise UsageError(f"{where}: {exc.message}", path=path) from exc
                key_usage, ku_critical = tuple(items), critical
            elif key == "extendedKeyUsage":
                ekus.extend(_eku(item, where, path) for item in items)
            elif key == "subjectAltName":
                sans.extend(_sans(config, items, where, path, notes))
            elif key in ("subjectKeyIdentifier", "authorityKeyIdentifier"):
                notes.append(f"{where}: certbench always adds SKI and AKI itself")
            else:
                notes.append(f"{where}: extension not supported by certbench; it was not used")
    return RequestConfig(
        path=path,
        subject=subject,
        key_spec=key_spec,
        hash_name=hash_name,
        encrypt_key=encrypt_key,
        ca=ca,
        key_usage=key_usage,
        key_usage_critical=ku_critical,
        ext_key_usage=tuple(ekus),
        sans=tuple(sans),
        notes=tuple(notes),
    )


def _dn_pairs(
    entries: Sequence[tuple[str, str, int]], prompting: bool, notes: list[str], section: str
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if not prompting:
        for key, value, _line in entries:
            pairs.append((_field_name(key), value))
        return pairs
    defaults = {key[: -len("_default")]: value for key, value, _ in entries if key.endswith("_default")}
    for key, _value, _line in entries:
        if key.endswith(("_default", "_min", "_max")):
            continue
        if key in defaults:
            pairs.append((_field_name(key), defaults[key]))
        else:
            notes.append(f"[{section}] {key} has no {key}_default and prompt is not 'no': left out of the subject")
    return pairs


def _field_name(key: str) -> str:
    """openssl drops everything up to the last '.', ':' or ',' (``0.organizationName``); keeps a '+'."""
    plus = key.startswith("+")
    name = key[1:] if plus else key
    for separator in ".:,":
        if separator in name:
            name = name.rsplit(separator, 1)[1]
    return ("+" if plus else "") + name


def _split_extension(value: str) -> tuple[bool, list[str]]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    critical = bool(items) and items[0].lower() == "critical"
    return critical, items[1:] if critical else items


def _basic_constraints(items: Sequence[str], where: str, path: str) -> bool:
    ca: bool | None = None
    for item in items:
        name, _, value = item.partition(":")
        if name.strip().upper() == "CA":
            ca = _flag(value)
            if ca is None:
                raise UsageError(f"{where}: CA:{value} must be TRUE or FALSE", path=path)
        elif name.strip().lower() != "pathlen":
            raise UsageError(f"{where}: {item!r} is not understood (CA:TRUE|FALSE, pathlen:N)", path=path)
    if ca is None:
        raise UsageError(f"{where}: give CA:TRUE or CA:FALSE", path=path)
    return ca


def _eku(item: str, where: str, path: str) -> ObjectIdentifier:
    oid = EKU_BY_NAME.get(item.lower())
    if oid is not None:
        return oid
    if re.fullmatch(r"\d+(\.\d+)+", item):
        return ObjectIdentifier(item)
    raise UsageError(
        f"{where}: extended key usage {item!r} is not known (clientAuth, serverAuth, ... or an OID)", path=path
    )


def _sans(config: _Config, items: Sequence[str], where: str, path: str, notes: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for item in items:
        if item.startswith("@"):
            section = item[1:].strip()
            for key, value, line in config.section(section, required_by=where):
                kind = key.split(".", 1)[0]
                names.append(_one_san(kind, value, f"[{section}] {key} (line {line})", path, notes))
        else:
            kind, sep, value = item.partition(":")
            if not sep:
                raise UsageError(f"{where}: {item!r} is not TYPE:VALUE", path=path)
            names.append(_one_san(kind, value, where, path, notes))
    return names


def _one_san(kind: str, value: str, where: str, path: str, notes: list[str]) -> x509.GeneralName:
    if kind.lower() == "email" and value.strip().lower() in ("copy", "move"):
        raise UsageError(
            f"{where}: email:{value} (copy from the subject) is not supported; write the address", path=path
        )
    try:
        return san(kind, value)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc.message}", path=path) from exc


__all__ = ["EKU_BY_NAME", "RequestConfig", "parse_request_config", "read_request_config"]
