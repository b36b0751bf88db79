"""CSRs: create one, read what it asks for, and sign it with a workspace CA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.describe import format_san
from certbench.core.errors import IssuanceError
from certbench.core.issue.builders import _issue_intermediate, _issue_leaf
from certbench.core.issue.keys import _spec_of_public
from certbench.core.issue.plans import DEFAULT_LEAF_DAYS
from certbench.core.issue.primitives import Issued, Issuer, _hash_for, _leaf_key_usage
from certbench.core.issue.profiles import LEAF_PROFILES, Profile, ekus_for
from certbench.core.key_usage import key_usage_from_names
from certbench.core.oid_names import extended_key_usage_name, extension_name
from certbench.core.subject import format_subject


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
