"""The ``tls`` profile: what OpenSSL-based TLS peers accept (``openssl verify -auth_level 2 -purpose ssl*``).

RFC 5280 path validation is pyhanko-certvalidator's: path building by name and key identifier, v1
certificates, signatures, validity, basicConstraints/keyUsage/pathlen of intermediates, name constraints,
certificate policies, unknown critical extensions, and no SHA-1/MD5 signature below the trust anchor.
On top of it, the rules OpenSSL applies that RFC 5280 leaves out (each listed in the README):

1. the trust anchor is checked like any CA: its validity, CA:TRUE (or a v1 self-signed root) with
   keyCertSign when keyUsage is present, its pathlen;
2. security level 2: every RSA/DSA key in the path (the leaf's and the anchor's too) has 2048 bits or more,
   every EC key 224 or more;
3. the purpose: the extendedKeyUsage of every certificate in the path allows it; the leaf's keyUsage allows
   it (a client must be able to sign or agree keys; a server may also encipher);
4. a server name: against the DNS names of the subjectAltName (a wildcard in the left-most label), the
   subject CN only when there is no DNS name; an IP address against the IP addresses only;
5. a DNS name constraint with a leading dot (``.example.com``) means "subdomains of", as OpenSSL reads it
   (pyhanko would require an empty label).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext, name_trees
from pyhanko_certvalidator.errors import PathBuildingError, PathError, ValidationError
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

from certbench.core.describe import EXTENSION_ERRORS, common_name, iso, key_identifiers, names
from certbench.core.linking import is_issued_by, spki_der

MAX_CANDIDATES = 32
MAX_SAME_KEY = 2
MAX_SAME_NAME = 4
MIN_RSA_DSA_BITS = 2048
MIN_EC_BITS = 224
#: extendedKeyUsage values OpenSSL accepts for each purpose (Netscape/Microsoft SGC count for servers).
_PURPOSE_EKUS = {
    "client": {ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string},
    "server": {
        ExtendedKeyUsageOID.SERVER_AUTH.dotted_string,
        "2.16.840.1.113730.4.1",  # nsSGC
        "1.3.6.1.4.1.311.10.3.3",  # msSGC
    },
}
_PURPOSE_WORDS = {
    "client": "TLS client authentication (clientAuth)",
    "server": "TLS server authentication (serverAuth)",
}
#: SHA-1/MD5 signatures are refused below the anchor (OpenSSL at security level 2); key sizes are judged
#: by :func:`_key_problem` for every certificate, the leaf included, with a plainer message.
_ALGORITHMS = DisallowWeakAlgorithmsPolicy(  # type: ignore[no-untyped-call]
    weak_hash_algos=frozenset({"md2", "md4", "md5", "sha1"}), rsa_key_size_threshold=0, dsa_key_size_threshold=0
)
_PREFIX = "The path could not be validated because "


@dataclass(frozen=True)
class Verdict:
    """One profile's answer: ``chain`` is the path built (leaf first), empty when none was."""

    valid: bool
    reason: str
    chain: tuple[x509.Certificate, ...] = ()


def _openssl_dns_tree_contains(base: str, other: str) -> bool:
    """OpenSSL's DNS name-constraint match: a leading dot means proper subdomains only."""
    if base.startswith("."):
        return other.lower().rstrip(".").endswith(base.lower().rstrip("."))
    return bool(_RFC5280_DNS_TREE_CONTAINS(base, other))


_RFC5280_DNS_TREE_CONTAINS = name_trees.dns_tree_contains
name_trees._name_type_checkers[name_trees.GeneralNameType.DNS_NAME] = _openssl_dns_tree_contains

_T = TypeVar("_T")


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run pyhanko's coroutine to completion, also from a thread that already runs an event loop (the TUI)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _ext(certificate: x509.Certificate, kind: type[Any]) -> Any:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except EXTENSION_ERRORS:  # malformed: judged as absent here, reported by the chain doctor
        return None


def _label(certificate: x509.Certificate) -> str:
    return f"'{common_name(certificate)}'"


def validate(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    *,
    at: datetime,
    purpose: str | None,
    name: str | None,
    max_depth: int | None = None,
) -> Verdict:
    """The tls profile's verdict. ``purpose`` None checks the path only (CA path, signatures, validity,
    CA keyUsage, key sizes): the trust verdict of ``inspect`` and ``check``."""
    try:
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(_der(c)) for c in trust],
            moment=at,
            allow_fetching=False,
            revocation_mode="soft-fail",
            algorithm_usage_policy=_ALGORITHMS,
            time_tolerance=timedelta(0),
        )
        others = [asn1_x509.Certificate.load(_der(c)) for c in _candidates(leaf, intermediates)]
        validator = CertificateValidator(asn1_x509.Certificate.load(_der(leaf)), others, validation_context=context)
        path = _run(validator.async_validate_path())
    except PathBuildingError:
        return Verdict(False, _no_path_reason(leaf, intermediates, trust))
    except (PathError, ValidationError) as exc:
        return Verdict(False, _pyhanko_reason(exc))
    except Exception as exc:  # noqa: BLE001 - asn1crypto/pyhanko raise ValueError, RecursionError... on odd DER
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Verdict(False, f"cannot validate: a certificate cannot be parsed for path validation ({first})")
    known = {_der(c): c for c in (leaf, *intermediates, *trust)}
    chain = tuple(known[c.dump()] for c in reversed(list(path.iter_certs(include_root=True))))
    problem = (
        _depth_problem(chain, max_depth)
        or _anchor_problem(chain, at)
        or next((p for p in map(_key_problem, chain, range(len(chain))) if p), None)
        or (_purpose_problem(chain, purpose) if purpose else None)
        or (_name_problem(chain[0], name) if purpose == "server" and name else None)
    )
    if problem:
        return Verdict(False, problem, chain)
    return Verdict(True, valid_reason(purpose, name), chain)


def valid_reason(purpose: str | None, name: str | None) -> str:
    """How a valid verdict reads, in both profiles."""
    if purpose is None:
        return "valid"
    return f"valid for {purpose} authentication" + (f" as {name}" if name else "")


def _candidates(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The intermediates a path from ``leaf`` can use: reached by issuer name with compatible key
    identifiers, preferring those whose key verifies the signature; at most :data:`MAX_SAME_KEY` per subject
    and key, :data:`MAX_SAME_NAME` per subject, :data:`MAX_CANDIDATES` in all. pyhanko tries every
    combination of same-named issuers, so x509-limbo's pathological bundles (100 CAs sharing one name) would
    otherwise take hours; OpenSSL bounds its search too."""
    by_subject: dict[x509.Name, list[x509.Certificate]] = {}
    per_key: dict[tuple[x509.Name, bytes | None], int] = {}
    for certificate in intermediates:
        subject = names(certificate)[0]
        group = (subject, spki_der(certificate))
        if per_key.get(group, 0) >= MAX_SAME_KEY:
            continue
        per_key[group] = per_key.get(group, 0) + 1
        by_subject.setdefault(subject, []).append(certificate)
    kept: list[x509.Certificate] = []
    queue = [leaf]
    while queue and len(kept) < MAX_CANDIDATES:
        current = queue.pop(0)
        _, aki = key_identifiers(current)
        named = [
            c
            for c in by_subject.get(names(current)[1], [])
            if c is not current and c not in kept and (aki is None or key_identifiers(c)[0] in (aki, None))
        ]
        # A weak or odd signature is left for pyhanko to name: then every named candidate is kept.
        verified = [c for c in named if is_issued_by(current, c)] or named
        room = min(MAX_CANDIDATES - len(kept), MAX_SAME_NAME - sum(names(c)[0] == names(current)[1] for c in kept))
        for candidate in verified[: max(room, 0)]:
            kept.append(candidate)
            queue.append(candidate)
    return kept


def _pyhanko_reason(exc: Exception) -> str:
    """pyhanko's message without its preamble and internals, with what OpenSSL says where it helps."""
    text = " ".join(str(exc).split())
    if text.startswith(_PREFIX):
        text = text[len(_PREFIX) :]
    text = text.partition(". Reason: ")[0]
    if "disallowed signature mechanism" in text:
        text += " (SHA-1 and MD5 signatures are refused below the trust anchor at OpenSSL's security level 2)"
    elif text == "it exceeds the maximum path length":
        text = "the path is longer than a CA's pathlen constraint allows (OpenSSL: path length constraint exceeded)"
    return text or "validation failed"


def _no_path_reason(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], trust: Sequence[x509.Certificate]
) -> str:
    """Why no path was built: the issuer is missing, or an AKI names another key than the issuer's."""
    pool = [*intermediates, *trust]
    current = leaf
    seen = [leaf]
    while True:
        subject, issuer_name = names(current)
        if subject == issuer_name and current in trust:
            break
        candidates = [c for c in pool if names(c)[0] == issuer_name and c not in seen]
        _, aki = key_identifiers(current)
        keyed = [c for c in candidates if aki is None or key_identifiers(c)[0] in (aki, None)]
        if not candidates:
            where = "the trust anchors" if current is not leaf or not intermediates else "the intermediates or anchors"
            return (
                f"no path to a trust anchor: the issuer of {_label(current)} ({issuer_name.rfc4514_string()}) "
                f"is not among {where}"
            )
        if not keyed:
            issuer = candidates[0]
            return (
                f"the authorityKeyIdentifier of {_label(current)} ({aki}) names another key than its issuer "
                f"{_label(issuer)} has ({key_identifiers(issuer)[0]}): OpenSSL-based peers find no issuer "
                "(unable to get local issuer certificate); Java ignores the mismatch"
            )
        current = keyed[0]
        seen.append(current)
        if current in trust or len(seen) > len(pool) + 1:
            break
    return f"no path from {_label(leaf)} to a trust anchor"


def _depth_problem(chain: Sequence[x509.Certificate], max_depth: int | None) -> str | None:
    intermediates = max(len(chain) - 2, 0)
    if max_depth is not None and intermediates > max_depth:
        return f"the path has {intermediates} intermediate(s), more than --max-depth {max_depth}"
    return None


def _openssl_ca(certificate: x509.Certificate) -> bool:
    """OpenSSL's check_ca: basicConstraints CA:TRUE, or (no basicConstraints) a v1 self-signed root or a
    keyUsage with keyCertSign; and keyCertSign whenever keyUsage is present."""
    usage = _ext(certificate, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        return False
    constraints = _ext(certificate, x509.BasicConstraints)
    if constraints is not None:
        return bool(constraints.ca)
    subject, issuer = names(certificate)
    return (certificate.version is x509.Version.v1 and subject == issuer) or usage is not None


def _anchor_problem(chain: Sequence[x509.Certificate], at: datetime) -> str | None:
    """OpenSSL checks the trust anchor like the CAs under it (RFC 5280 does not)."""
    if len(chain) < 2:
        return None
    anchor = chain[-1]
    label = _label(anchor)
    if at > anchor.not_valid_after_utc:
        return f"the trust anchor {label} expired on {iso(anchor.not_valid_after_utc)}"
    if at < anchor.not_valid_before_utc:
        return f"the trust anchor {label} is not valid before {iso(anchor.not_valid_before_utc)}"
    if not _openssl_ca(anchor):
        usage = _ext(anchor, x509.KeyUsage)
        why = (
            "its keyUsage lacks keyCertSign"
            if usage is not None and not usage.key_cert_sign
            else "it is not a CA (no basicConstraints CA:TRUE)"
        )
        return f"the trust anchor {label} is not a valid CA certificate: {why} (OpenSSL: invalid CA certificate)"
    constraints = _ext(anchor, x509.BasicConstraints)
    below = sum(1 for c in chain[1:-1] if names(c)[0] != names(c)[1])
    if constraints is not None and constraints.path_length is not None and below > constraints.path_length:
        return (
            f"the trust anchor {label} allows {constraints.path_length} intermediate(s) below it (pathlen), "
            f"the path has {below}"
        )
    return None


def _key_problem(certificate: x509.Certificate, depth: int) -> str | None:
    try:
        key = certificate.public_key()
    except Exception:  # noqa: BLE001 - an unsupported key is left to the signature checks
        return None
    who = "the leaf" if depth == 0 else "the CA"
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey) and key.key_size < MIN_RSA_DSA_BITS:
        kind = "an RSA" if isinstance(key, rsa.RSAPublicKey) else "a DSA"
        return (
            f"{who} {_label(certificate)} has {kind} {key.key_size}-bit key: TLS peers at OpenSSL's default "
            f"security level 2 refuse keys under {MIN_RSA_DSA_BITS} bits"
        )
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
        return f"{who} {_label(certificate)} has a {key.curve.key_size}-bit EC key (under {MIN_EC_BITS} bits)"
    return None


def _purpose_problem(chain: Sequence[x509.Certificate], purpose: str) -> str | None:
    """OpenSSL's ssl_client/ssl_server purpose: EKU on every certificate, keyUsage on the leaf."""
    wanted = _PURPOSE_EKUS[purpose]
    for depth, certificate in enumerate(chain):
        eku = _ext(certificate, x509.ExtendedKeyUsage)
        if eku is not None and not wanted.intersection(oid.dotted_string for oid in eku):
            who = "the leaf" if depth == 0 else ("the trust anchor" if depth == len(chain) - 1 else "the intermediate")
            return (
                f"{who} {_label(certificate)} has an extendedKeyUsage without {_PURPOSE_WORDS[purpose]} "
                "(OpenSSL: unsupported certificate purpose)"
            )
    usage = _ext(chain[0], x509.KeyUsage)
    if usage is not None:
        allowed = usage.digital_signature or usage.key_agreement
        if purpose == "server":
            allowed = allowed or usage.key_encipherment
        if not allowed:
            needs = "digitalSignature or keyAgreement" + (" or keyEncipherment" if purpose == "server" else "")
            return (
                f"the leaf {_label(chain[0])} has a keyUsage without {needs}: its key cannot do "
                f"{_PURPOSE_WORDS[purpose]} (OpenSSL: unsupported certificate purpose)"
            )
    return None


def _name_problem(leaf: x509.Certificate, name: str) -> str | None:
    san = _ext(leaf, x509.SubjectAlternativeName)
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        held = san.get_values_for_type(x509.IPAddress) if san is not None else []
        if address in held:
            return None
        return f"the leaf {_label(leaf)} does not hold the IP address {address} in its subjectAltName"
    dns = san.get_values_for_type(x509.DNSName) if san is not None else []
    if dns:
        if any(dns_name_matches(pattern, name) for pattern in dns):
            return None
        return f"the leaf is for {', '.join(dns)}, not {name} (subjectAltName DNS names)"
    cns = [str(a.value) for a in names(leaf)[0].get_attributes_for_oid(NameOID.COMMON_NAME)]
    if any(dns_name_matches(cn, name) for cn in cns):
        return None
    held_text = f"its subject CN is {', '.join(cns)}" if cns else "it has no subject CN"
    return f"the leaf has no DNS name in a subjectAltName and {held_text}, not {name}"


def dns_name_matches(pattern: str, host: str) -> bool:
    """OpenSSL's host check: case-insensitive; one ``*`` in the left-most label only (``*.example.com``,
    ``f*.example.com``), never across a dot, and at least two labels after it."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if pattern == host:
        return True
    first, _, rest = pattern.partition(".")
    if "*" not in first or "*" in rest or rest.count(".") < 1 or first.count("*") > 1:
        return False
    if first != "*" and first.startswith("xn--"):
        return False
    host_first, _, host_rest = host.partition(".")
    if host_rest != rest or not host_first:
        return False
    prefix, _, suffix = first.partition("*")
    return (
        len(host_first) >= len(prefix) + len(suffix) and host_first.startswith(prefix) and host_first.endswith(suffix)
    )


__all__ = ["Verdict", "dns_name_matches", "valid_reason", "validate"]
