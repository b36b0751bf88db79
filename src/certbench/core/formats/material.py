"""What a loaded file holds, whatever its format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certbench.core.formats.container import Container


class Format(StrEnum):
    """Formats detected from content (never from the file extension)."""

    PEM = "pem"
    DER = "der"
    PKCS7 = "pkcs7"
    PKCS12 = "pkcs12"
    JKS = "jks"
    JCEKS = "jceks"
    BKS = "bks"
    KEYSTORE_JAR = "keystore-jar"
    KEY = "key"
    CSR = "csr"
    #: The chain a TLS server presented in its handshake (``certbench probe``), never read from a file.
    TLS = "tls"


@dataclass(frozen=True)
class KeyEntry:
    """A private key with the certificate chain stored beside it (PKCS#12 key bag, JKS key entry, JAR)."""

    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()
    alias: str | None = None


@dataclass(frozen=True)
class Material:
    """Everything read from one input.

    ``certificates`` keeps the order of the input. ``ordered`` says whether that order means something
    (a PEM, DER or PKCS#7 list does; PKCS#12 bags and keystore entries do not). ``aliases`` is parallel
    to ``certificates`` (keystore alias or PKCS#12 friendly name, else None). ``problems`` are
    non-fatal defects found while reading (a truncated later PEM block, an unreadable entry): the
    readable parts are still returned. ``container`` describes a keystore's entries and protection.
    """

    path: str
    format: Format
    certificates: tuple[x509.Certificate, ...] = ()
    keys: tuple[PrivateKeyTypes, ...] = ()
    csrs: tuple[x509.CertificateSigningRequest, ...] = ()
    key_entries: tuple[KeyEntry, ...] = ()
    aliases: tuple[str | None, ...] = ()
    ordered: bool = True
    problems: tuple[str, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    #: Keystore key entries whose private key has its own password (not the store's): their
    #: certificates were read, their key was not.
    locked_key_aliases: tuple[str, ...] = ()
    #: Keystore secret-key entries (a JCEKS SecretKeyEntry): normal in a keystore, not read.
    secret_key_aliases: tuple[str, ...] = ()
    container: Container | None = None
