"""Keystore bundles: the gateway keystore JAR, PKCS#12 (modern and legacy), JKS and chain-file exports.

Everything starts from a :class:`BundleSource`: a leaf certificate, its issuer chain completed up to a
root from what was given plus the workspace CAs, and (when the bundle needs it) the private key.
Builders return bytes and a checklist; nothing is written until :func:`write_bundle`, which goes through
:mod:`certbench.core.safe_write` (0600 for anything holding a key) and refuses a failed checklist.

All cryptography is cryptography's (``pkcs12``, ``pkcs7``, ``serialization``) or pyjks for JKS.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from certbench.core.chain import chain_pem
from certbench.core.checks import Check, blocking_failures
from certbench.core.describe import rfc4514
from certbench.core.errors import CertbenchError, KeystoreError, PasswordError, UsageError
from certbench.core.formats.jar import (
    DESCRIPTOR_NAME,
    MANIFEST_NAME,
    load_keystore_jar,
)
from certbench.core.formats.jks import JksPrivateKey, serialize_jks
from certbench.core.formats.material import Format, Material
from certbench.core.gateway import check_keystore_jar, jar_checks, password_problem
from certbench.core.linking import complete_chain, is_issued_by, is_self_signed, same_key
from certbench.core.model import Severity
from certbench.core.rules import run_profile
from certbench.core.safe_write import write_atomic, write_private
from certbench.core.validity import certificate_expired
from certbench.core.workspace import Item, Workspace

#: Every zip entry carries this timestamp, so two builds of the same input are the same bytes.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: The extra field `jar` puts on the first entry (0xCAFE, empty): marks the archive as a JAR.
JAR_MAGIC_EXTRA = b"\xfe\xca\x00\x00"
MANIFEST = b"Manifest-Version: 1.0\r\nCreated-By: certbench\r\n\r\n"
#: PBKDF2 iterations for the modern PKCS#12 and encrypted PKCS#8 keys.
KDF_ROUNDS = 100_000
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BundleKind(StrEnum):
    """What can be built from a source. The value is the CLI's ``--format`` word."""

    KEYSTORE_JAR = "jar"
    PEM_CHAIN = "pem-chain"
    PEM_CERT = "pem-cert"
    DER = "der"
    KEY = "key"
    P12 = "p12"
    JKS = "jks"
    P7B = "p7b"

    @property
    def needs_key(self) -> bool:
        return self in (BundleKind.KEYSTORE_JAR, BundleKind.KEY, BundleKind.P12, BundleKind.JKS)

    @property
    def secret(self) -> bool:
        return self.needs_key


EXPORT_KINDS = tuple(kind for kind in BundleKind if kind is not BundleKind.KEYSTORE_JAR)


@dataclass(frozen=True)
class BundleSource:
    """A leaf, its issuers towards the root (without the leaf), and optionally its key."""

    name: str
    certificate: x509.Certificate
    issuers: tuple[x509.Certificate, ...] = ()
    key: PrivateKeyTypes | None = None

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Leaf first, then intermediates, then the root (when known)."""
        return (self.certificate, *self.issuers)

    @property
    def ends_at_root(self) -> bool:
        return is_self_signed(self.chain[-1])

    def without_root(self) -> tuple[x509.Certificate, ...]:
        """The chain without a trailing self-signed root (the leaf always stays)."""
        chain = self.chain
        if len(chain) > 1 and is_self_signed(chain[-1]):
            return chain[:-1]
        return chain


@dataclass(frozen=True)
class Bundle:
    """A built artifact (not yet written) and the checklist it was built against."""

    kind: BundleKind
    data: bytes
    checks: tuple[Check, ...]
    suggested_suffix: str

    @property
    def ok(self) -> bool:
        return not blocking_failures(self.checks)

    @property
    def failures(self) -> list[Check]:
        return blocking_failures(self.checks)


# -- sources --------------------------------------------------------------------------------------


def workspace_ca_pool(workspace: Workspace) -> list[x509.Certificate]:
    """Every CA certificate the workspace holds (CA items and the chains stored beside items)."""
    pool: list[x509.Certificate] = []
    for item in workspace.list_items():
        try:
            if item.cert_path.is_file() and str(item.kind) == "ca":
                pool.append(workspace.load_certificate(item))
            pool.extend(workspace.load_chain(item))
        except CertbenchError:
            continue  # a damaged neighbour item must not block this build
    unique: list[x509.Certificate] = []
    for certificate in pool:
        if certificate not in unique:
            unique.append(certificate)
    return unique


def complete_issuers(
    leaf: x509.Certificate, given: Sequence[x509.Certificate], pool: Sequence[x509.Certificate] = ()
) -> tuple[x509.Certificate, ...]:
    """The leaf's issuers towards the root, from ``given`` first and then ``pool`` (linked by signature).

    When ``given`` does not link (wrong order, unrelated certificates), only the linking part is kept
    and the rest is searched in the pool; what cannot be linked is left out.
    """
    given_chain, given_complete = complete_chain(leaf, [c for c in given if c != leaf])
    if given_complete:
        return tuple(given_chain[1:])
    chain, _complete = complete_chain(given_chain[-1], [c for c in [*given, *pool] if c not in given_chain[:-1]])
    return tuple([*given_chain[1:], *chain[1:]])


def source_from_item(
    workspace: Workspace,
    item: Item,
    *,
    key_password: bytes | None = None,
    need_key: bool = True,
) -> BundleSource:
    """A workspace item as a bundle source; its chain is completed from the workspace CAs."""
    certificate = workspace.load_certificate(item)
    issuers = complete_issuers(certificate, workspace.load_chain(item), workspace_ca_pool(workspace))
    key = None
    if need_key:
        if not item.has_key:
            raise KeystoreError(f"item {item.name!r} has no private key; this bundle needs one", path=item.directory)
        key = workspace.load_private_key(item, key_password)
    return BundleSource(name=item.name, certificate=certificate, issuers=issuers, key=key)


def source_from_materials(
    name: str,
    certificates: Material,
    *,
    key: Material | None = None,
    chain: Material | None = None,
    pool: Sequence[x509.Certificate] = (),
) -> BundleSource:
    """A source from loaded files: the first certificate of ``certificates`` is the leaf."""
    if not certificates.certificates:
        raise KeystoreError("holds no certificate", path=certificates.path)
    leaf = certificates.certificates[0]
    given = [*certificates.certificates[1:], *(chain.certificates if chain else ())]
    private_key = None
    if key is not None:
        keys = [*key.keys, *(entry.key for entry in key.key_entries)]
        if not keys:
            raise KeystoreError("holds no private key", path=key.path)
        private_key = keys[0]
    return BundleSource(name=name, certificate=leaf, issuers=complete_issuers(leaf, given, pool), key=private_key)


# -- checks shared by every bundle ----------------------------------------------------------------


def key_matches(source: BundleSource) -> bool:
    return source.key is not None and same_key(source.key, source.certificate)


def export_checks(
    source: BundleSource, kind: BundleKind, *, now: datetime, password: bytes | None = None, no_root: bool = False
) -> list[Check]:
    """Checks for a chain-file/PKCS#12/JKS export: a wrong key blocks; the rest is advice (warnings)."""
    checks: list[Check] = []
    subject = rfc4514(source.certificate.subject)
    if kind.needs_key:
        matches = key_matches(source)
        checks.append(
            Check(
                "export.key-matches",
                "Key matches the certificate",
                matches,
                f"the private key belongs to {subject}"
                if matches
                else f"the private key does not belong to the certificate {subject}",
            )
        )
    expired = [
        f"{rfc4514(c.subject)} expired {c.not_valid_after_utc:%Y-%m-%d}"
        for c in source.chain
        if certificate_expired(c, now)
    ]
    checks.append(
        Check(
            "export.not-expired",
            "Nothing in the chain is expired",
            not expired,
            "; ".join(expired) if expired else "every certificate is valid now",
            severity=Severity.WARNING,
        )
    )
    if kind not in (BundleKind.PEM_CERT, BundleKind.DER, BundleKind.KEY):
        root = source.ends_at_root
        checks.append(
            Check(
                "export.chain",
                "Chain reaches a root",
                root,
                (f"{len(source.chain)} certificates, leaf to root" + (" (root left out)" if no_root else ""))
                if root
                else f"the chain ends at {rfc4514(source.chain[-1].subject)}: its issuer is not known",
                severity=Severity.WARNING,
            )
        )
    if password:
        problem = password_problem(password)
        checks.append(
            Check(
                "export.password-characters",
                "Password has no restricted characters",
                problem is None,
                problem or "no restricted characters",
                severity=Severity.WARNING,
            )
        )
    return checks


# -- the keystore JAR -----------------------------------------------------------------------------


def default_jar_name(source_name: str) -> str:
    """The entry base name for a source: its name without anything but letters and digits."""
    return re.sub(r"[^A-Za-z0-9]", "", source_name) or "keystore"


def key_pem(key: PrivateKeyTypes, password: bytes | None) -> bytes:
    """PKCS#8 PEM, encrypted (PBES2, AES-256-CBC, PBKDF2-SHA256) when ``password`` is given."""
    if password is not None and not password:
        raise PasswordError("the key password is empty: give one, or ask for an unencrypted key explicitly")
    encryption: serialization.KeySerializationEncryption
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    try:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    except (ValueError, TypeError) as exc:
        raise KeystoreError(f"cannot serialize the private key as PKCS#8: {exc}") from exc


def _zip_entry(name: str, *, first: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    if first:
        info.extra = JAR_MAGIC_EXTRA
    return info


def jar_entry_names(name: str) -> tuple[str, str]:
    """(certificate entry, key entry) for a base name."""
    return f"{name}.pem", f"{name}Key.pem"


def build_keystore_jar(
    source: BundleSource,
    *,
    now: datetime,
    name: str | None = None,
    key_password: bytes | None = None,
) -> Bundle:
    """Build the gateway keystore JAR in memory and run the gateway checklist on the result.

    ``key_password=None`` means an unencrypted key (the caller asked for it explicitly). The archive
    holds exactly: ``META-INF/MANIFEST.MF`` (first), ``META-INF/descriptor.properties``, the chain
    PEM and the key PEM, with fixed timestamps.
    """
    if source.key is None:
        raise KeystoreError("a keystore JAR needs the private key")
    base = name if name is not None else default_jar_name(source.name)
    if not _SAFE_NAME.fullmatch(base) or base.startswith("."):
        raise UsageError(f"--name {base!r}: use letters and digits only (at most 64)")
    cert_file, key_file = jar_entry_names(base)
    descriptor = f"certFile={cert_file}\nkeyFile={key_file}\n".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_zip_entry(MANIFEST_NAME, first=True), MANIFEST, compresslevel=9)
        archive.writestr(_zip_entry(DESCRIPTOR_NAME), descriptor, compresslevel=9)
        archive.writestr(_zip_entry(cert_file), chain_pem(source.chain), compresslevel=9)
        archive.writestr(_zip_entry(key_file), key_pem(source.key, key_password), compresslevel=9)
    data = buffer.getvalue()
    material = load_keystore_jar(data, path=f"{base}.jar", password=key_password)
    checks = check_keystore_jar(material, now=now, key_password=key_password)
    return Bundle(BundleKind.KEYSTORE_JAR, data, tuple(checks), ".jar")


# -- exports --------------------------------------------------------------------------------------


def p12_encryption(password: bytes, *, legacy: bool) -> serialization.KeySerializationEncryption:
    """Modern: PBES2 AES-256-CBC + PBKDF2, MAC SHA-256. Legacy: PBE-SHA1-3DES, MAC SHA-1 (old Windows/macOS/Java 8)."""
    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if legacy:
        builder = builder.kdf_rounds(2048).key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        builder = builder.hmac_hash(hashes.SHA1())
    else:
        builder = builder.kdf_rounds(KDF_ROUNDS).key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        builder = builder.hmac_hash(hashes.SHA256())
    return builder.build(password)


def _require_password(password: bytes | None, what: str) -> bytes:
    if not password:
        raise PasswordError(f"{what} needs a password", missing=True)
    return password


def _require_key(source: BundleSource) -> PrivateKeyTypes:
    if source.key is None:
        raise KeystoreError(f"{source.name}: this bundle needs the private key")
    return source.key


def _serialize_p12(source: BundleSource, chain: Sequence[x509.Certificate], password: bytes, legacy: bool) -> bytes:
    key = _require_key(source)
    return serialize_p12_keystore(source.name, key, chain, password, legacy=legacy)


def serialize_p12_keystore(
    name: str, key: PrivateKeyTypes, chain: Sequence[x509.Certificate], password: bytes, *, legacy: bool = False
) -> bytes:
    """One private key entry (friendly name ``name``) with its chain, leaf first."""
    try:
        return pkcs12.serialize_key_and_certificates(
            name.encode("utf-8"),
            key,  # type: ignore[arg-type]
            chain[0],
            list(chain[1:]) or None,
            p12_encryption(password, legacy=legacy),
        )
    except (ValueError, TypeError) as exc:
        raise KeystoreError(f"cannot build the PKCS#12 file: {exc}") from exc


def _serialize_jks(
    source: BundleSource, chain: Sequence[x509.Certificate], store_password: bytes, key_password: bytes, now: datetime
) -> bytes:
    entry = JksPrivateKey(source.name.lower(), _require_key(source), tuple(chain))
    return serialize_jks(private_keys=[entry], store_password=store_password, key_password=key_password, now=now)


SUFFIXES = {
    BundleKind.PEM_CHAIN: ".pem",
    BundleKind.PEM_CERT: ".pem",
    BundleKind.DER: ".cer",
    BundleKind.KEY: ".key.pem",
    BundleKind.P12: ".p12",
    BundleKind.JKS: ".jks",
    BundleKind.P7B: ".p7b",
    BundleKind.KEYSTORE_JAR: ".jar",
}


def build_export(
    source: BundleSource,
    kind: BundleKind,
    *,
    now: datetime,
    password: bytes | None = None,
    key_password: bytes | None = None,
    legacy: bool = False,
    no_root: bool = False,
    encrypt_key: bool = True,
) -> Bundle:
    """Build one export in memory. ``password``: the key's (KEY), the store's (P12, JKS).

    ``key_password`` is the JKS key entry's password (defaults to ``password``). ``encrypt_key=False``
    writes a KEY export unencrypted (only when the user asked for it).
    """
    if kind is BundleKind.KEYSTORE_JAR:
        raise UsageError("build keystore JARs with build_keystore_jar (certbench jar build)")
    if kind.needs_key and source.key is None:
        raise KeystoreError(f"a {kind} export needs the private key")
    checks = export_checks(source, kind, now=now, password=password, no_root=no_root)
    chain = source.without_root() if no_root else source.chain
    data = b""
    if not blocking_failures(checks):
        if kind is BundleKind.PEM_CHAIN:
            data = chain_pem(chain)
        elif kind is BundleKind.PEM_CERT:
            data = source.certificate.public_bytes(serialization.Encoding.PEM)
        elif kind is BundleKind.DER:
            data = source.certificate.public_bytes(serialization.Encoding.DER)
        elif kind is BundleKind.KEY:
            encryption = _require_password(password, "an encrypted key") if encrypt_key else None
            data = key_pem(_require_key(source), encryption)
        elif kind is BundleKind.P12:
            data = _serialize_p12(source, chain, _require_password(password, "a PKCS#12 file"), legacy)
        elif kind is BundleKind.JKS:
            store_password = _require_password(password, "a JKS keystore")
            data = _serialize_jks(source, chain, store_password, key_password or store_password, now)
        elif kind is BundleKind.P7B:
            try:
                data = pkcs7.serialize_certificates(list(chain), serialization.Encoding.DER)
            except (ValueError, TypeError) as exc:
                raise KeystoreError(f"cannot build the PKCS#7 file: {exc}") from exc
    return Bundle(kind, data, tuple(checks), SUFFIXES[kind])


def write_bundle(path: str | Path, bundle: Bundle, *, overwrite: bool = False) -> Path:
    """Write a built bundle (0600 when it holds a key); refuses a bundle whose checklist failed."""
    failures = bundle.failures
    if failures:
        reasons = "; ".join(f"{check.title}: {check.reason}" for check in failures)
        raise KeystoreError(f"refusing to write the {bundle.kind} bundle: {reasons}", path=path)
    if bundle.kind.secret:
        return write_private(path, bundle.data, overwrite=overwrite)
    return write_atomic(path, bundle.data, overwrite=overwrite)


def issuer_linked(chain: Sequence[x509.Certificate]) -> bool:
    """Each certificate signed by the next one."""
    return all(is_issued_by(chain[i], chain[i + 1]) for i in range(len(chain) - 1))


# -- planning (the Keystore screen's live checklist) ----------------------------------------------


@dataclass(frozen=True)
class BundlePlan:
    """What a build would produce right now: the chain, every check, and the bytes when buildable."""

    kind: BundleKind
    source: BundleSource
    checks: tuple[Check, ...]
    bundle: Bundle | None

    @property
    def ok(self) -> bool:
        return self.bundle is not None and not blocking_failures(self.checks)

    @property
    def failures(self) -> list[Check]:
        return blocking_failures(self.checks)


_PROFILE_FORMATS = {
    BundleKind.KEYSTORE_JAR: Format.PEM,  # the chain file inside the JAR is what the gateway parses
    BundleKind.PEM_CHAIN: Format.PEM,
    BundleKind.P12: Format.PKCS12,
    BundleKind.JKS: Format.JKS,
}


def plan_item_bundle(
    workspace: Workspace,
    item_name: str,
    kind: BundleKind,
    *,
    now: datetime,
    item_password: bytes | None = None,
    password: bytes | None = None,
    legacy: bool = False,
    encrypt_key: bool = True,
    name: str | None = None,
    profile: str | None = None,
) -> BundlePlan:
    """Everything the Keystore screen shows for ``item_name``: never raises for a missing/wrong password
    or a refused rule (those become failed checks); raises only for a missing or damaged item."""
    item = workspace.get(item_name)
    source = source_from_item(workspace, item, need_key=False)
    checks: list[Check] = []
    key_reason = ""
    if kind.needs_key:
        try:
            source = with_key(source, workspace.load_private_key(item, item_password) if item.has_key else None)
            if source.key is None:
                key_reason = f"item {item.name!r} has no private key"
        except PasswordError as error:
            key_reason = "type the password of the item's private key" if error.missing else "wrong item key password"
        # Listed whether it passes or not: a row that vanished once fixed read as "not checked any more".
        checks.append(Check("plan.item-key", "Item key unlocked", not key_reason, key_reason or "the key is unlocked"))
    needs_password = kind in (BundleKind.P12, BundleKind.JKS) or (kind is BundleKind.KEYSTORE_JAR and encrypt_key)
    if needs_password:
        reason = "given" if password else "type the password for the new file"
        checks.append(Check("plan.password", "Output password given", bool(password), reason))
    bundle: Bundle | None = None
    if not blocking_failures(checks):
        try:
            if kind is BundleKind.KEYSTORE_JAR:
                bundle = build_keystore_jar(source, now=now, name=name, key_password=password if encrypt_key else None)
            else:
                bundle = build_export(source, kind, now=now, password=password, legacy=legacy)
            checks.extend(bundle.checks)
        except CertbenchError as error:
            checks.append(Check("plan.build", "Bundle can be built", False, error.message))
    elif kind is BundleKind.KEYSTORE_JAR:
        base = name if name is not None else default_jar_name(source.name)
        checks.extend(
            jar_checks(
                source.chain,
                source.key,
                now=now,
                key_password=password if encrypt_key else None,
                entry_names=jar_entry_names(base),
                size=None,
                manifest_first=None,
                missing_key_reason="known once the item key is unlocked",
            )
        )
    else:
        checks.extend(
            c for c in export_checks(source, kind, now=now, password=password) if c.code != "export.key-matches"
        )
    if needs_password and not password:
        # "no restricted characters" of a password not typed yet read as a pass (issue 14): not judged yet.
        checks = [
            Check(check.code, check.title, False, "judged once the password is typed", severity=Severity.PENDING)
            if check.code == "jar.password-characters"
            else check
            for check in checks
        ]
    if profile:
        material = Material(
            path=item.name,
            format=_PROFILE_FORMATS.get(kind, Format.PEM),
            certificates=source.chain,
            keys=(source.key,) if source.key is not None else (),
        )
        checks.extend(run_profile(profile, [material], now=now, key_password=password))
    return BundlePlan(kind, source, tuple(checks), bundle)


def with_key(source: BundleSource, key: PrivateKeyTypes | None) -> BundleSource:
    return BundleSource(name=source.name, certificate=source.certificate, issuers=source.issuers, key=key)
