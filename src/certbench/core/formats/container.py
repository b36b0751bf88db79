"""What a keystore is made of: its entries and, for PKCS#12, the ciphers and MAC that protect it.

These facts decide who can open a file: OpenSSL 3 needs ``-legacy`` for RC2/RC4-protected PKCS#12, and
older Java releases cannot read AES-256 (PBES2) PKCS#12. cryptography does not expose the algorithms, so
the PKCS#12 structure is read with asn1crypto (its ``Pfx``/``SafeContents`` definitions); nothing here is
decrypted, and names follow ``openssl pkcs12 -info`` so the two outputs can be compared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

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
) -> Container:
    """The container of a PKCS#12 file cryptography has already read (its key's chain and the other
    certificates with their friendly names); the protection is read from ``data`` with asn1crypto."""
    entries = []
    if key_chain or key_alias is not None:
        entries.append(ContainerEntry(key_alias, PRIVATE_KEY, tuple(key_chain)))
    entries.extend(ContainerEntry(alias, CERTIFICATE, (certificate,)) for alias, certificate in others)
    return Container("pkcs12", tuple(entries), pkcs12_facts(data))


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
