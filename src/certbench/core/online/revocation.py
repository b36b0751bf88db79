"""Is a certificate of a chain revoked? Local CRLs, a stapled OCSP response, and (when asked) the OCSP
responder and CRL distribution points the certificate names.

Every answer is signature-checked before it counts: a CRL must be signed by the certificate's issuer
(``CertificateRevocationList.is_signature_valid``); an OCSP response by the issuer or by a responder
certificate the issuer signed for OCSP signing. An answer out of its validity window does not count.
What cannot be decided is ``unknown`` with the reasons. Findings: ``cert.revoked`` (error),
``revocation.unknown`` (warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp

from certbench.core.chain import Finding
from certbench.core.describe import common_name, extended_key_usage, iso, names, rfc4514
from certbench.core.errors import FormatError, NetworkError
from certbench.core.linking import is_issued_by
from certbench.core.model import Severity
from certbench.core.online.fetch import Fetcher, crl_urls, http_fetch, ocsp_urls

#: Clock difference tolerated between certbench and the CRL issuer or OCSP responder.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class RevocationStatus:
    """``status`` is good, revoked or unknown; ``source`` says which answer decided; ``reason`` is the
    revocation reason (revoked) or why it could not be decided (unknown)."""

    certificate: x509.Certificate
    status: str
    source: str | None = None
    revoked_at: datetime | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "subject": rfc4514(self.certificate.subject),
            "status": self.status,
            "source": self.source,
            "revoked_at": iso(self.revoked_at) if self.revoked_at else None,
            "reason": self.reason,
        }


def load_crl(data: bytes, *, path: str) -> x509.CertificateRevocationList:
    """A CRL file, DER or PEM."""
    for loader in (x509.load_der_x509_crl, x509.load_pem_x509_crl):
        try:
            return loader(data)
        except ValueError:
            continue
    raise FormatError("not a CRL (DER or PEM)", path=path)


def check_revocation(
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    crls: Sequence[tuple[x509.CertificateRevocationList, str]] = (),
    online: bool = False,
    timeout: float = 10.0,
    stapled: bytes | None = None,
    fetch: Fetcher = http_fetch,
) -> list[RevocationStatus]:
    """The status of each certificate of ``chain`` (leaf first) but a self-signed root.

    ``crls`` are local CRLs with where they came from; ``online`` allows the OCSP responders and CRL
    distribution points the certificates name; ``stapled`` is the OCSP response the server sent with
    the leaf.
    """
    statuses: list[RevocationStatus] = []
    for index, certificate in enumerate(chain):
        subject, issuer_name = names(certificate)
        if subject == issuer_name and is_issued_by(certificate, certificate):
            continue  # a root is trusted (or not) as an anchor; nothing revokes it
        issuer = next((c for c in chain[index + 1 :] if is_issued_by(certificate, c)), None)
        if issuer is None:
            statuses.append(RevocationStatus(certificate, "unknown", reason="its issuer certificate is not available"))
            continue
        statuses.append(
            _status(
                certificate,
                issuer,
                now=now,
                crls=crls,
                online=online,
                timeout=timeout,
                stapled=stapled if index == 0 else None,
                fetch=fetch,
            )
        )
    return statuses


def _status(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    *,
    now: datetime,
    crls: Sequence[tuple[x509.CertificateRevocationList, str]],
    online: bool,
    timeout: float,
    stapled: bytes | None,
    fetch: Fetcher,
) -> RevocationStatus:
    why: list[str] = []
    if stapled:
        decided = _from_ocsp(certificate, issuer, stapled, now, "stapled OCSP response", why)
        if decided is not None:
            return decided
    for crl, where in crls:
        if crl.issuer != certificate.issuer:
            continue
        decided = _from_crl(certificate, issuer, crl, now, f"CRL {where}", why)
        if decided is not None:
            return decided
    if online:
        for url in ocsp_urls(certificate):
            try:
                request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
                body = request.public_bytes(serialization.Encoding.DER)
                data = fetch(url, timeout, body, "application/ocsp-request")
            except NetworkError as exc:
                why.append(f"OCSP {exc.message}")
                continue
            decided = _from_ocsp(certificate, issuer, data, now, f"OCSP {url}", why)
            if decided is not None:
                return decided
        for url in crl_urls(certificate):
            try:
                crl = load_crl(fetch(url, timeout, None, None), path=url)
            except (NetworkError, FormatError) as exc:
                why.append(f"CRL {exc}")
                continue
            decided = _from_crl(certificate, issuer, crl, now, f"CRL {url}", why)
            if decided is not None:
                return decided
        if not ocsp_urls(certificate) and not crl_urls(certificate):
            why.append("the certificate names no OCSP responder and no CRL distribution point")
    elif not why:
        why.append("no CRL of its issuer was given and online checks were not asked for")
    return RevocationStatus(certificate, "unknown", reason="; ".join(why))


def _from_crl(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    crl: x509.CertificateRevocationList,
    now: datetime,
    source: str,
    why: list[str],
) -> RevocationStatus | None:
    try:
        signed = crl.issuer == issuer.subject and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        signed = False
    if not signed:
        why.append(f"{source} is not signed by '{common_name(issuer)}' (ignored)")
        return None
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is not None:
        return RevocationStatus(certificate, "revoked", source, entry.revocation_date_utc, _crl_reason(entry))
    if crl.next_update_utc is not None and now > crl.next_update_utc + CLOCK_SKEW:
        why.append(f"{source} is out of date (next update was due {iso(crl.next_update_utc)})")
        return None
    if crl.last_update_utc > now + CLOCK_SKEW:
        why.append(f"{source} is not valid yet (issued {iso(crl.last_update_utc)})")
        return None
    return RevocationStatus(certificate, "good", source)


def _crl_reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None
    return reason.value  # RFC 5280's names (keyCompromise, superseded...)


def _from_ocsp(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    data: bytes,
    now: datetime,
    source: str,
    why: list[str],
) -> RevocationStatus | None:
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError:
        why.append(f"{source}: not an OCSP response")
        return None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        why.append(f"{source}: the responder answered {response.response_status.name.lower()}")
        return None
    signer = _ocsp_signer(response, certificate, issuer)
    if signer is None or not _signature_ok(
        signer, response.signature, response.tbs_response_bytes, response.signature_hash_algorithm
    ):
        why.append(f"{source}: not signed by '{common_name(issuer)}' or a responder it authorised (ignored)")
        return None
    for single in response.responses:
        if single.serial_number != certificate.serial_number or not _same_issuer(single, certificate, issuer):
            continue
        if single.this_update_utc > now + CLOCK_SKEW or (
            single.next_update_utc is not None and now > single.next_update_utc + CLOCK_SKEW
        ):
            why.append(f"{source}: the answer is outside its validity window")
            return None
        if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason
            return RevocationStatus(
                certificate, "revoked", source, single.revocation_time_utc, reason.value if reason else None
            )
        if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
            return RevocationStatus(certificate, "good", source)
        why.append(f"{source}: the responder does not know the certificate")
        return None
    why.append(f"{source}: no answer about this certificate in the response")
    return None


def _same_issuer(single: ocsp.OCSPSingleResponse, certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """The response's issuer hashes are those of ``issuer`` (cryptography computes them for a request)."""
    expected = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, single.hash_algorithm).build()
    return (single.issuer_key_hash, single.issuer_name_hash) == (expected.issuer_key_hash, expected.issuer_name_hash)


def _key_hash(certificate: x509.Certificate, holder: x509.Certificate) -> bytes:
    """SHA-1 of ``holder``'s public key as OCSP names a responder by key (computed by cryptography)."""
    return ocsp.OCSPRequestBuilder().add_certificate(certificate, holder, hashes.SHA1()).build().issuer_key_hash


def _ocsp_signer(
    response: ocsp.OCSPResponse, certificate: x509.Certificate, issuer: x509.Certificate
) -> x509.Certificate | None:
    """The issuer itself, or a delegated responder certificate it signed with the OCSPSigning usage."""

    def names_it(candidate: x509.Certificate) -> bool:
        if response.responder_name is not None:
            return response.responder_name == candidate.subject
        return response.responder_key_hash == _key_hash(certificate, candidate)

    if names_it(issuer):
        return issuer
    for candidate in response.certificates:
        delegated = is_issued_by(candidate, issuer) and "OCSPSigning" in extended_key_usage(candidate)
        if delegated and names_it(candidate):
            return candidate
    return None


def _signature_ok(
    signer: x509.Certificate, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> bool:
    try:
        key = signer.public_key()
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey) and algorithm is not None:
            key.verify(signature, data, algorithm)
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except Exception:  # noqa: BLE001 - a bad signature, odd parameters or an unsupported key all mean "not verified"
        return False
    return True


def revocation_findings(statuses: Sequence[RevocationStatus], *, path: str | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for status in statuses:
        label = f"'{common_name(status.certificate)}'"
        subject = rfc4514(status.certificate.subject)
        if status.status == "revoked":
            when = iso(status.revoked_at) if status.revoked_at else "an unknown date"
            findings.append(
                Finding(
                    "cert.revoked",
                    Severity.ERROR,
                    f"{label} was revoked on {when} (reason: {status.reason or 'unspecified'}; {status.source})",
                    "replace it: have a new certificate issued and installed; a revoked certificate must not be used",
                    subject=subject,
                    path=path,
                )
            )
        elif status.status == "unknown":
            findings.append(
                Finding(
                    "revocation.unknown",
                    Severity.WARNING,
                    f"the revocation status of {label} could not be checked: {status.reason}",
                    "give the issuer's CRL with --crl FILE, or use --check-revocation where the OCSP responder "
                    "and CRL URLs in the certificate can be reached",
                    subject=subject,
                    path=path,
                )
            )
    return findings


__all__ = ["RevocationStatus", "check_revocation", "load_crl", "revocation_findings"]
