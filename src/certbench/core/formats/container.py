"""What a keystore is made of: its entries and, for PKCS#12, the ciphers and MAC that protect it.

These facts decide who can open a file: OpenSSL 3 needs ``-legacy`` for RC2/RC4-protected PKCS#12, and
older Java releases cannot read AES-256 (PBES2) PKCS#12. cryptography does not expose the algorithms, so
the PKCS#12 structure is read with asn1crypto (its ``Pfx``/``SafeContents`` definitions), and names follow
``openssl pkcs12 -info`` so the two outputs can be compared. Only PBES2 certificate bags are decrypted
(with cryptography's PBKDF2 and AES), to find Java's trusted-certificate attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

#: Entry types, as in keytool's listing (``certificate``: a PKCS#12 certificate bag without a key).
PRIVATE_KEY = "private-key"
TRUSTED_CERT = "trusted-cert"
SECRET_KEY = "secret-key"
CERTIFICATE = "certificate"

#: asn1crypto's names of the PKCS#12 PBE algorithms -> OpenSSL's (``openssl pkcs12 -info``).
_PBE_NAMES = {
    "pkcs12_sha1_rc4_128": "pbeWithSHA1And128BitRC4",
    "pkcs12_sha1_rc4_40": "pbeWithSHA1And40BitRC4",
    "pkcs12_sha1_tripledes_3key": "pbeWithSHA1And3-KeyTripleDES-CBC",
    "pkcs12_sha1_tripledes_2key": "pbeWithSHA1And2-KeyTripleDES-CBC",
    "pkcs12_sha1_rc2_128": "pbeWithSHA1And128BitRC2-CBC",
    "pkcs12_sha1_rc2_40": "pbeWithSHA1And40BitRC2-CBC",
    "pbes1_md5_des": "pbeWithMD5AndDES-CBC",
    "pbes1_sha1_des": "pbeWithSHA1AndDES-CBC",
    "pbes1_md5_rc2": "pbeWithMD5AndRC2-CBC",
    "pbes1_sha1_rc2": "pbeWithSHA1AndRC2-CBC",
}
#: Ciphers OpenSSL 3 keeps in its legacy provider (``openssl pkcs12 -legacy``).
_LEGACY_PROVIDER_WORDS = ("RC2", "RC4", "DES-CBC")


@dataclass(frozen=True)
class ContainerEntry:
    """One entry: its alias (JKS alias, PKCS#12 friendly name) and its certificates, leaf first."""

    alias: str | None
    type: str
    certificates: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Pkcs12Facts:
    """How a PKCS#12 file is protected, in ``openssl pkcs12 -info`` words (None: not present)."""

    certificates_encryption: str | None
    keys_encryption: str | None
    mac: str | None

    @property
    def legacy(self) -> bool:
        """RC2/3DES/RC4 era PKCS#12 PBE (pbeWithSHA1And...) rather than PBES2."""
        texts = (self.certificates_encryption, self.keys_encryption)
        return any(text is not None and "pbeWith" in text for text in texts)

    @property
    def needs_openssl_legacy(self) -> bool:
        """OpenSSL 3 opens it only with ``-legacy`` (RC2, RC4 or single DES)."""
        texts = (self.certificates_encryption or "", self.keys_encryption or "")
        return any(word in text for text in texts for word in _LEGACY_PROVIDER_WORDS)

    @property
    def aes(self) -> bool:
        return any("AES" in (text or "") for text in (self.certificates_encryption, self.keys_encryption))

    def to_json(self) -> dict[str, Any]:
        return {
            "certificates_encryption": self.certificates_encryption,
            "keys_encryption": self.keys_encryption,
            "mac": self.mac,
            "legacy": self.legacy,
        }


@dataclass(frozen=True)
class Container:
    """A keystore's type (``pkcs12``, ``jks``, ``jceks``, ``bks``, ``uber``, ``keystore-jar``) and entries."""

    type: str
    entries: tuple[ContainerEntry, ...]
    pkcs12: Pkcs12Facts | None = None

    def to_json(self, certificate_id: Callable[[x509.Certificate], str | None]) -> dict[str, Any]:
        """The JSON form; certificates are named by ``certificate_id`` (inspect's ``c1``...)."""
        return {
            "type": self.type,
            "entries": [
                {
                    "alias": entry.alias,
                    "type": entry.type,
                    "certificates": [i for i in (certificate_id(c) for c in entry.certificates) if i is not None],
                }
                for entry in self.entries
            ],
            "pkcs12": self.pkcs12.to_json() if self.pkcs12 is not None else None,
        }

    def notes(self) -> list[str]:
        """Who can open this file, in words (empty when nothing is worth saying)."""
        facts = self.pkcs12
        if facts is None:
            return []
        notes = []
        if facts.needs_openssl_legacy:
            notes.append("legacy RC2/RC4 encryption: OpenSSL 3 opens it only with -legacy")
        elif facts.legacy:
            notes.append("legacy (pbeWithSHA1And...) encryption: readable by old Java and Windows")
        if facts.aes:
            notes.append("AES-256 (PBES2) encryption: older Java releases cannot read it (export --legacy for them)")
        if facts.mac is None:
            notes.append("no MAC: the file's integrity is not protected by its password")
        return notes


def pkcs12_container(
    data: bytes,
    *,
    key_alias: str | None,
    key_chain: Sequence[x509.Certificate],
    others: Sequence[tuple[str | None, x509.Certificate]],
    password: bytes | None = None,
) -> Container:
    """The container of a PKCS#12 file cryptography has already read (its key's chain and the other
    certificates with their friendly names); the protection is read from ``data`` with asn1crypto.

    A certificate bag carrying Java's trusted-certificate attribute is a ``trusted-cert`` entry (as keytool
    lists it), any other one a ``certificate``. Finding the attribute means decrypting the certificate
    bags: done for PBES2 (what OpenSSL 3 and current Java write) with ``password``; with the legacy PBE
    algorithms the entries stay ``certificate``."""
    trusted = java_trusted_certificates(data, password)
    entries = []
    if key_chain or key_alias is not None:
        entries.append(ContainerEntry(key_alias, PRIVATE_KEY, tuple(key_chain)))
    for alias, certificate in others:
        der = certificate.public_bytes(serialization.Encoding.DER)
        entries.append(ContainerEntry(alias, TRUSTED_CERT if der in trusted else CERTIFICATE, (certificate,)))
    return Container("pkcs12", tuple(entries), pkcs12_facts(data))


#: Oracle's attribute on a PKCS#12 certificate bag that makes it a trustedCertEntry for Java.
JAVA_TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1"
_PBKDF2_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha1": hashes.SHA1(),
    "sha224": hashes.SHA224(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def java_trusted_certificates(data: bytes, password: bytes | None) -> set[bytes]:
    """The DER of every certificate bag that carries :data:`JAVA_TRUSTED_KEY_USAGE` (those readable
    without the legacy PBE algorithms); an empty set when none is found or the structure is unexpected."""
    from asn1crypto import pkcs12

    found: set[bytes] = set()
    try:
        for info in pkcs12.Pfx.load(data).authenticated_safe:
            kind = info["content_type"].native
            if kind == "data":
                contents = info["content"].native
            elif kind == "encrypted_data":
                contents = _decrypt_pbes2(info["content"]["encrypted_content_info"], password or b"")
            else:
                continue
            if contents is None:
                continue
            for bag in pkcs12.SafeContents.load(contents):
                if bag["bag_id"].native != "cert_bag":
                    continue
                attributes = {attribute["type"].dotted for attribute in bag["bag_attributes"]}
                if JAVA_TRUSTED_KEY_USAGE in attributes:
                    found.add(bytes(bag["bag_value"]["cert_value"].parsed.dump()))
    except (ValueError, TypeError, KeyError, AttributeError):  # asn1crypto on an unexpected structure
        return found
    return found


def _decrypt_pbes2(encrypted: Any, password: bytes) -> bytes | None:
    """The plaintext of a PBES2 (PBKDF2 + AES-CBC) EncryptedContentInfo; None for any other algorithm or
    a failed decryption (cryptography has already opened the file, so that would mean another layout)."""
    algorithm = encrypted["content_encryption_algorithm"]
    if algorithm["algorithm"].native != "pbes2" or algorithm.kdf != "pbkdf2":
        return None
    digest = _PBKDF2_HASHES.get(algorithm.kdf_hmac)
    if digest is None or algorithm.encryption_cipher != "aes" or algorithm.encryption_mode != "cbc":
        return None
    key = PBKDF2HMAC(
        algorithm=digest, length=algorithm.key_length, salt=algorithm.kdf_salt, iterations=algorithm.kdf_iterations
    ).derive(password)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(algorithm.encryption_iv)).decryptor()
    padded = decryptor.update(encrypted["encrypted_content"].native) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return None


def pkcs12_facts(data: bytes) -> Pkcs12Facts | None:
    """The encryption of the certificate and key bags and the MAC; None when asn1crypto cannot read the
    structure (cryptography could: the file is still described, without these facts)."""
    from asn1crypto import pkcs12  # pure Python; only PKCS#12 files need it

    try:
        pfx = pkcs12.Pfx.load(data)
        certificates: list[str] = []
        keys: list[str] = []
        for info in pfx.authenticated_safe:
            kind = info["content_type"].native
            if kind == "encrypted_data":
                algorithm = info["content"]["encrypted_content_info"]["content_encryption_algorithm"]
                _add(certificates, _algorithm_text(algorithm))
            elif kind == "data":
                for bag in pkcs12.SafeContents.load(info["content"].native):
                    bag_id = bag["bag_id"].native
                    if bag_id == "pkcs8_shrouded_key_bag":
                        _add(keys, _algorithm_text(bag["bag_value"]["encryption_algorithm"]))
                    elif bag_id == "key_bag":
                        _add(keys, "none (unencrypted key bag)")
                    elif bag_id == "cert_bag":
                        _add(certificates, "none (unencrypted certificate bag)")
        mac_data = pfx["mac_data"]
        mac = None
        if mac_data.native is not None:
            digest = mac_data["mac"]["digest_algorithm"]["algorithm"].native
            mac = f"{digest}, Iteration {mac_data['iterations'].native}"
    except (ValueError, TypeError, KeyError, AttributeError):  # asn1crypto's errors on unexpected structure
        return None
    return Pkcs12Facts(
        certificates_encryption="; ".join(certificates) or None,
        keys_encryption="; ".join(keys) or None,
        mac=mac,
    )


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _algorithm_text(algorithm: Any) -> str:
    """``PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256`` or ``pbeWithSHA1And3-KeyTripleDES-CBC,
    Iteration 2048``, as ``openssl pkcs12 -info`` prints them."""
    name = algorithm["algorithm"].native
    if name == "pbes2":
        cipher = algorithm.encryption_cipher.upper()
        if cipher == "AES":
            cipher = f"AES-{algorithm.key_length * 8}"
        elif cipher == "TRIPLEDES":
            cipher = "DES-EDE3"
        mode = algorithm.encryption_mode.upper()
        text = f"PBES2, {algorithm.kdf.upper()}, {cipher}-{mode}"
        if algorithm.kdf == "pbkdf2":
            text += f", Iteration {algorithm.kdf_iterations}, PRF hmacWith{algorithm.kdf_hmac.upper()}"
        return text
    label = _PBE_NAMES.get(name, algorithm["algorithm"].dotted)
    try:
        return f"{label}, Iteration {algorithm.kdf_iterations}"
    except (ValueError, KeyError):
        return str(label)
