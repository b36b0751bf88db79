"""The API gateway's policy (SAP API Management, seed 001), in one place.

What the gateway refuses: key passwords with any of its restricted characters, keystore JAR entry
names that are not letters and digits, JARs of 50 KB or more. The JAR builder, ``jar check`` and
``inspect`` (the checklist below), the ``sap-apim`` rule profile and the Keystore screen all ask here.

Messages say how many restricted characters a password holds and show the whole forbidden set, never
which ones it holds: that would disclose part of the secret (on screen, in a terminal log, a screenshot).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.checks import Check
from certbench.core.describe import rfc4514
from certbench.core.formats.jar import entry_stem
from certbench.core.formats.material import Material
from certbench.core.linking import is_issued_by, is_self_signed, same_key
from certbench.core.model import Severity
from certbench.core.validity import certificate_expired

RESTRICTED_PASSWORD_CHARACTERS = frozenset("!%^&#:/?[]@$'()*+,;=")
#: The forbidden set as the partner lists it, for messages.
RESTRICTED_PASSWORD_CHARACTERS_TEXT = "! % ^ & # : / ? [ ] @ $ ' ( ) * + , ; ="
#: The gateway's upload limit for a keystore JAR (50 KB): a JAR must be strictly smaller.
MAX_GATEWAY_JAR_BYTES = 50 * 1024
#: What the gateway accepts as the base name of a JAR's certificate and key entries.
ENTRY_NAME_PATTERN = re.compile(r"[A-Za-z0-9]+")


def count_restricted_characters(password: str | bytes) -> int:
    """How many characters of ``password`` are restricted (each occurrence counts)."""
    text = password.decode("utf-8", "replace") if isinstance(password, bytes) else password
    return sum(char in RESTRICTED_PASSWORD_CHARACTERS for char in text)


def restricted_characters_message(count: int) -> str:
    """The one message for a password holding ``count`` restricted characters (never which ones)."""
    plural = "character" if count == 1 else "characters"
    return (
        f"the password contains {count} restricted {plural}; "
        f"SAP gateways refuse any of {RESTRICTED_PASSWORD_CHARACTERS_TEXT}"
    )


def password_problem(password: str | bytes) -> str | None:
    """Why the gateway would refuse ``password``, or None when it has no restricted character."""
    found = count_restricted_characters(password)
    return restricted_characters_message(found) if found else None


def bad_entry_names(entry_names: Sequence[str]) -> list[str]:
    """The entry base names (``main`` of ``main.pem``) the gateway refuses."""
    return [stem for stem in map(entry_stem, entry_names) if not ENTRY_NAME_PATTERN.fullmatch(stem)]


def size_accepted(size: int) -> bool:
    """True when a JAR of ``size`` bytes is under the gateway's upload limit."""
    return size < MAX_GATEWAY_JAR_BYTES


# -- the keystore JAR checklist --------------------------------------------------------------------


def check_keystore_jar(
    material: Material,
    *,
    now: datetime,
    key_password: bytes | str | None = None,
) -> list[Check]:
    """The gateway checklist for a keystore JAR (as loaded by ``load_keystore_jar``), one Check per rule."""
    size_text = material.details.get("size", "")
    manifest = material.details.get("manifestFirst")
    return jar_checks(
        material.certificates,
        material.keys[0] if material.keys else None,
        now=now,
        key_password=key_password,
        entry_names=(material.details.get("certFile", ""), material.details.get("keyFile", "")),
        size=int(size_text) if size_text.isdigit() else None,
        manifest_first=None if manifest is None else manifest == "yes",
    )


def jar_checks(
    certificates: Sequence[x509.Certificate],
    key: PrivateKeyTypes | None,
    *,
    now: datetime,
    key_password: bytes | str | None,
    entry_names: tuple[str, str],
    size: int | None,
    manifest_first: bool | None = True,
    missing_key_reason: str = "no key or no certificate",
) -> list[Check]:
    """The gateway checklist from its parts (usable before the archive exists: ``size=None``, no key yet)."""
    chain = list(certificates)
    checks = [
        _key_check(chain, key, missing_key_reason),
        _validity_check(chain, now),
        _chain_check(chain),
        _password_check(key_password),
        _names_check(entry_names),
        _size_check(size),
    ]
    if manifest_first is not None:
        checks.append(_manifest_check(manifest_first))
    return checks


def _subject(certificate: x509.Certificate) -> str:
    return rfc4514(certificate.subject) or "(empty subject)"


def _key_check(chain: list[x509.Certificate], key: PrivateKeyTypes | None, missing_reason: str) -> Check:
    """1. The key matches the leaf."""
    if key is None or not chain:
        return Check("jar.key-matches", "Key matches the certificate", False, missing_reason)
    leaf = chain[0]
    matches = same_key(key, leaf)
    reason = (
        f"the private key belongs to {_subject(leaf)}"
        if matches
        else f"the private key does not belong to the leaf certificate {_subject(leaf)}"
    )
    return Check("jar.key-matches", "Key matches the certificate", matches, reason)


def _validity_check(chain: list[x509.Certificate], now: datetime) -> Check:
    """2. Nothing in the chain is expired (or not yet valid)."""
    bad = []
    for certificate in chain:
        if certificate_expired(certificate, now):
            bad.append(f"{_subject(certificate)} expired {certificate.not_valid_after_utc:%Y-%m-%d}")
        elif certificate.not_valid_before_utc > now:
            bad.append(f"{_subject(certificate)} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d}")
    if bad:
        reason = "; ".join(bad)
    elif not chain:
        reason = "no certificate"
    else:
        reason = "the certificate is valid now" if len(chain) == 1 else f"all {len(chain)} certificates are valid now"
    return Check("jar.not-expired", "Nothing in the chain is expired", bool(chain) and not bad, reason)


def _chain_check(chain: list[x509.Certificate]) -> Check:
    """3. The chain links by signature, leaf first, and ends at a root."""
    title = "Chain links leaf to root"
    if not chain:
        return Check("jar.chain", title, False, "no certificate")
    for index in range(len(chain) - 1):
        if not is_issued_by(chain[index], chain[index + 1]):
            reason = (
                f"certificate {index + 1} ({_subject(chain[index])}) is not signed by the next one "
                f"({_subject(chain[index + 1])}): order leaf, intermediates, root"
            )
            return Check("jar.chain", title, False, reason)
    if not is_self_signed(chain[-1]):
        reason = f"the chain ends at {_subject(chain[-1])}, not at a root: add its issuer up to the root"
        return Check("jar.chain", title, False, reason)
    if len(chain) > 1:
        return Check("jar.chain", title, True, f"{len(chain)} certificates, leaf to root, each signed by the next")
    return Check("jar.chain", title, True, "a single self-signed certificate")


def _password_check(key_password: bytes | str | None) -> Check:
    """4. The password has none of the restricted characters."""
    title = "Password has no restricted characters"
    if not key_password:
        return Check("jar.password-characters", title, True, "no key password")
    problem = password_problem(key_password)
    return Check("jar.password-characters", title, problem is None, problem or "no restricted characters")


def _names_check(entry_names: tuple[str, str]) -> Check:
    """5. Names are alphanumeric."""
    bad = bad_entry_names(entry_names)
    reason = (
        "names may only use letters and digits: " + ", ".join(repr(n) for n in bad)
        if bad
        else "entry names " + ", ".join(map(entry_stem, entry_names)) + " are alphanumeric"
    )
    return Check("jar.names", "Names are alphanumeric", not bad, reason)


def _size_check(size: int | None) -> Check:
    """6. The archive is under the gateway's size limit (pending before the archive exists)."""
    return Check(
        "jar.size",
        "JAR is under 50 KB",
        size is not None and size_accepted(size),
        f"{size} bytes (limit {MAX_GATEWAY_JAR_BYTES})" if size is not None else "known once the JAR is built",
        # Before the archive exists nobody can fix this rule; the build checks it on its own output.
        severity=Severity.ERROR if size is not None else Severity.PENDING,
    )


def _manifest_check(manifest_first: bool) -> Check:
    """Layout (warning only): the manifest first, as ``jar`` writes it."""
    reason = (
        "META-INF/MANIFEST.MF comes first"
        if manifest_first
        else "META-INF/MANIFEST.MF is missing or not first (as `jar` writes it)"
    )
    return Check("jar.manifest", "Manifest is the first entry", manifest_first, reason, severity=Severity.WARNING)
