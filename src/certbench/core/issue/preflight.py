"""Checks before writing: the key matches, and a new certificate validates for its purpose."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

from certbench.core.errors import IssuanceError
from certbench.core.issue.primitives import Issued, _aki, _hash_for, _start, random_serial
from certbench.core.issue.profiles import Profile, Role
from certbench.core.linking import same_key
from certbench.core.oid_names import extension_name
from certbench.core.subject import format_subject


def check_key_matches(certificate: x509.Certificate, key: PrivateKeyTypes, *, what: str = "the certificate") -> None:
    """Refuse a private key that does not belong to ``certificate`` (the tpp2.crt-from-tpp1.csr mistake)."""
    if not same_key(key, certificate):
        raise IssuanceError(
            f"the private key does not belong to {what} ({format_subject(certificate.subject)}): the certificate "
            "was made from another key's CSR; sign the CSR made with this key"
        )


def _probe_leaf(ca: Issued, now: datetime) -> tuple[x509.Certificate, list[x509.Certificate]]:
    probe_key = ec.generate_private_key(ec.SECP256R1())
    ca_key = ca.key
    if ca_key is None:
        raise IssuanceError("internal: a CA check needs the CA key")
    start = _start(now)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certbench probe")]))
        .issuer_name(ca.certificate.subject)
        .public_key(probe_key.public_key())
        .serial_number(random_serial())
        .not_valid_before(start)
        .not_valid_after(min(start + timedelta(days=1), ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("probe.invalid")]), critical=False)
        .add_extension(_aki(ca.certificate, ca_key.public_key()), critical=False)
    )
    return builder.sign(ca_key, _hash_for(ca_key)), [ca.certificate, *ca.chain[:-1]] if ca.chain else []


def check_issued(issued: Issued, *, role: Role, now: datetime, profile: Profile | None = None) -> tuple[str, ...]:
    """Check a new certificate before anything is written; return the chain doctor's warnings.

    1. structure (CA never with a TLS EKU, leaf never CA:TRUE, SKI/AKI present, basic constraints
       critical, the key is the certificate's);
    2. ``cryptography.x509.verification`` for its purpose with its CA as the only anchor (a CA through a
       throw-away probe leaf);
    3. the chain doctor :func:`certbench.core.chain.analyze_chain` (the same as ``certbench inspect``):
       any error finding refuses the certificate.

    Raises :class:`IssuanceError`.
    """
    _verify_for_purpose(issued, role=role, now=now, profile=profile)
    return _chain_doctor(issued, role=role, now=now, profile=profile)


def _chain_doctor(issued: Issued, *, role: Role, now: datetime, profile: Profile | None) -> tuple[str, ...]:
    from certbench.core.chain import analyze_chain  # the inspect slice's doctor (imports describe/verify)
    from certbench.core.formats.material import Format, Material

    certificate = issued.certificate
    purpose: str | None = None
    if role is Role.LEAF and profile is not None:
        has_san = any(e.oid == x509.OID_SUBJECT_ALTERNATIVE_NAME for e in certificate.extensions)
        if profile in (Profile.SERVER, Profile.CLIENT_SERVER):
            purpose = "server"
        elif has_san:
            purpose = "client"  # a SAN-less client (ConnectPay's recipe) is checked purpose-neutral here
    material = Material(
        path="new certificate",
        format=Format.PEM,
        certificates=(certificate, *issued.chain),
        # The key goes in for a leaf (key.mismatch); with a CA the doctor would read key + CA as "CA used as leaf".
        keys=(issued.key,) if issued.key is not None and role is Role.LEAF else (),
    )
    report = analyze_chain([material], now=_start(now), trust=[issued.anchor], purpose=purpose)
    errors = [f for f in report.findings if f.severity == "error"]
    if errors:
        raise IssuanceError(
            "the chain doctor refuses the new certificate: " + "; ".join(f"{f.code}: {f.message}" for f in errors)
        )
    return tuple(f.message for f in report.findings if f.severity == "warning")


def _verify_for_purpose(issued: Issued, *, role: Role, now: datetime, profile: Profile | None) -> None:
    """Validate a new certificate with ``cryptography.x509.verification`` for its purpose, its CA as anchor.

    Structural rules are checked first (CA never with TLS EKU, leaf never CA:TRUE, SKI/AKI present,
    basic constraints critical); then the Web PKI validation. Raises :class:`IssuanceError`.
    """
    certificate = issued.certificate
    ext = certificate.extensions
    try:
        bc = ext.get_extension_for_class(x509.BasicConstraints)
        ext.get_extension_for_class(x509.SubjectKeyIdentifier)
        ext.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound as exc:
        raise IssuanceError(f"internal check failed: missing {extension_name(exc.oid)}") from exc
    if not bc.critical:
        raise IssuanceError("internal check failed: basic constraints not critical")
    is_ca = role in (Role.ROOT, Role.INTERMEDIATE)
    if bc.value.ca != is_ca:
        raise IssuanceError("internal check failed: CA flag does not match the role")
    try:
        eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if is_ca and eku is not None:
        raise IssuanceError("internal check failed: a CA certificate must not carry an extended key usage")
    if issued.key is not None:
        check_key_matches(certificate, issued.key)
    moment = _start(now)
    anchor = issued.anchor
    try:
        store = Store([anchor])
        builder = PolicyBuilder().store(store).time(moment)
        if is_ca:
            probe, intermediates = _probe_leaf(issued, now)
            builder.extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
            ).build_client_verifier().verify(probe, intermediates)
            return
        intermediates = list(issued.chain[:-1])
        if profile is None:
            raise IssuanceError("a leaf is checked for its profile's purpose: no profile given")
        if profile in (Profile.CLIENT, Profile.TPP, Profile.CLIENT_SERVER):
            client_builder = builder
            if profile is Profile.CLIENT:
                # A client certificate may identify itself by its subject alone (ConnectPay's recipe has no SAN);
                # everything else stays the Web PKI end-entity profile.
                client_builder = builder.extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                    ee_policy=ExtensionPolicy.webpki_defaults_ee().may_be_present(
                        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
                    ),
                )
            client_builder.build_client_verifier().verify(certificate, intermediates)
        if profile in (Profile.SERVER, Profile.CLIENT_SERVER):
            names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            first = next(iter(names))
            if not isinstance(first, (x509.DNSName, x509.IPAddress)):
                raise IssuanceError("a server certificate needs a DNS or IP SAN first")
            subject: x509.DNSName | x509.IPAddress = first
            if isinstance(first, x509.DNSName) and first.value.startswith("*."):
                subject = x509.DNSName("certbench-check" + first.value[1:])
            builder.build_server_verifier(subject).verify(certificate, intermediates)
    except VerificationError as exc:
        raise IssuanceError(
            f"the new certificate does not validate against its CA: {' '.join(str(exc).split())}"
        ) from exc
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm) as exc:
        raise IssuanceError(f"the new certificate cannot be validated: {exc}") from exc
