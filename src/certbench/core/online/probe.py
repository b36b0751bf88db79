"""Probe a TLS endpoint: the handshake as it happened, the chain as presented, and what is wrong with it.

:func:`~certbench.core.online.handshake.handshake` (in :mod:`certbench.core.online.handshake`, re-exported
here) records what happened on the wire without judging the server. :func:`analyze_handshake` turns that into a
:class:`ProbeReport`: :func:`certbench.core.chain.analyze_chain` on the presented chain, the hostname
check, the anchor among the given trust files, and the mutual-TLS verdict in plain words.
:func:`probe` does both. Connection problems are :class:`NetworkError`; a refused handshake is a result.

Finding codes added to the chain doctor's: ``tls.hostname``, ``tls.refused``, ``tls.client-refused``,
``tls.client-not-requested``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from certbench.core.chain import ChainReport, Finding, analyze_chain
from certbench.core.describe import common_name, iso, rfc4514, subject_alt_names
from certbench.core.errors import NetworkError, UsageError
from certbench.core.fingerprints import sha256_colon
from certbench.core.formats.material import Format, Material
from certbench.core.model import Severity
from certbench.core.online.fetch import Fetched, fetch_missing_issuers
from certbench.core.online.handshake import ALERTS, ClientIdentity, Handshake, Target, handshake
from certbench.core.online.revocation import RevocationStatus, revocation_findings
from certbench.core.online.revocation import check_revocation as check_revocation_status
from certbench.core.online.starttls import DEFAULT_PORTS
from certbench.core.verify import chain_validates, verify_chain
from certbench.core.workspace import Item, Workspace

DEFAULT_PORT = 443
#: The input name of issuer certificates fetched from AIA caIssuers URLs, in the chain doctor's report.
FETCHED_PATH = "fetched (AIA caIssuers)"


def parse_target(text: str, *, servername: str | None = None, starttls: str | None = None) -> Target:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address; the port defaults to 443 (or the
    STARTTLS protocol's usual port). The SNI name is ``servername``, else the host unless it is an IP."""
    value = text.strip()
    default = DEFAULT_PORTS.get(starttls or "", DEFAULT_PORT)
    port_text: str | None = None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"{text!r}: expected [IPv6]:PORT")
            port_text = rest[1:]
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    else:
        host = value  # a name, an IPv4 address or a bare IPv6 address
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise UsageError(f"{text!r} is not HOST[:PORT]")
    port = default
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"{text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    sni = servername if servername is not None else (None if _ip(host) is not None else host)
    return Target(host=host, port=port, servername=sni or None)


@dataclass(frozen=True)
class Anchor:
    """A trust anchor and where it came from (the ``--trust`` file, and its alias in a keystore)."""

    certificate: x509.Certificate
    path: str
    alias: str | None = None


@dataclass(frozen=True)
class ClientVerdict:
    """Did the server accept the client certificate, and if not, why (in words) and with which alert."""

    subject: str
    sha256: str
    accepted: bool
    alert: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "sha256": self.sha256,
            "accepted": self.accepted,
            "alert": self.alert,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ProbeReport:
    """One target's answer: the handshake, the chain doctor's report and the verdicts; or ``error``."""

    target: Target
    now: datetime
    handshake: Handshake | None = None
    chain_report: ChainReport | None = None
    findings: tuple[Finding, ...] = ()
    client: ClientVerdict | None = None
    trusted: bool | None = None
    trust_reason: str | None = None
    anchor: Anchor | None = None
    error: str | None = None
    fetched: tuple[Fetched, ...] = ()
    revocation: tuple[RevocationStatus, ...] = ()

    @property
    def exit_code(self) -> int:
        """2: no TLS conversation; 1: error findings, client refused, or not trusted by given anchors; else 0."""
        if self.error is not None or self.handshake is None:
            return 2
        refused = self.client is not None and not self.client.accepted
        if refused or self.trusted is False or any(f.severity == "error" for f in self.findings):
            return 1
        return 0

    @property
    def presented(self) -> tuple[x509.Certificate, ...]:
        return self.handshake.presented if self.handshake else ()

    def summary(self) -> str:
        """One line for a person: the target, ok/FAIL/ERROR and what decided it (the CLI's line per target
        and the Probe screen's status line)."""
        label = self.target.label
        shake = self.handshake
        if self.error is not None or shake is None:
            return f"{label}  ERROR  {self.error or 'no TLS conversation'}"
        parts = [shake.version or "no handshake", f"{len(shake.presented)} certificate(s) presented"]
        errors = sum(f.severity == "error" for f in self.findings)
        warnings = sum(f.severity == "warning" for f in self.findings)
        parts.append(f"{errors} error(s), {warnings} warning(s)")
        if self.client is not None:
            parts.append("client certificate " + ("accepted" if self.client.accepted else "REFUSED"))
        if self.trusted is not None:
            parts.append("trusted" if self.trusted else "NOT trusted")
        verdict = "ok" if self.exit_code == 0 else "FAIL"
        return f"{label}  {verdict}  {', '.join(parts)}"

    def _anchor_json(self) -> dict[str, Any] | None:
        if self.anchor is None:
            return None
        subject = rfc4514(self.anchor.certificate.subject)
        return {"alias": self.anchor.alias, "path": self.anchor.path, "subject": subject}

    def to_json(self) -> dict[str, Any]:
        shake = self.handshake
        doctor = self.chain_report.to_json() if self.chain_report else {"certificates": [], "chains": []}
        return {
            "host": self.target.host,
            "port": self.target.port,
            "servername": self.target.servername,
            "tls": {
                "version": shake.version if shake else None,
                "cipher": shake.cipher if shake else None,
                "alpn": shake.alpn if shake else None,
            },
            "presented": [c for c in doctor["certificates"] if c["path"] == self.target.label],
            "chains": doctor["chains"],
            "findings": [f.to_json() for f in self.findings],
            "client_auth": {
                "requested": bool(shake and shake.client_auth_requested),
                "acceptable_ca_names": [rfc4514(n) for n in shake.acceptable_ca_names] if shake else [],
            },
            "client": self.client.to_json() if self.client else None,
            "trusted": self.trusted,
            "trust_reason": self.trust_reason,
            "anchor": self._anchor_json(),
            "error": self.error,
            "at": iso(self.now),
            "fetched": [{"subject": rfc4514(f.certificate.subject), "url": f.url} for f in self.fetched],
            "revocation": [r.to_json() for r in self.revocation],
        }


def probe(
    target: Target,
    *,
    now: datetime,
    timeout: float,
    anchors: Sequence[Anchor] = (),
    client: ClientIdentity | None = None,
    starttls: str | None = None,
    fetch_missing: bool = False,
    check_revocation: bool = False,
    crls: Sequence[tuple[x509.CertificateRevocationList, str]] = (),
) -> ProbeReport:
    """Connect to ``target`` and report; a connection problem becomes the report's ``error``.

    ``fetch_missing`` follows the AIA caIssuers URLs of the presented chain for missing intermediates;
    ``check_revocation`` asks the OCSP responders and CRL distribution points the certificates name;
    ``crls`` are local CRLs (with where they came from). The stapled OCSP response is always used.
    """
    try:
        shake = handshake(target, timeout=timeout, client=client, starttls=starttls)
    except NetworkError as exc:
        return ProbeReport(target=target, now=now, error=exc.message)
    fetched: tuple[Fetched, ...] = ()
    notes: tuple[str, ...] = ()
    if fetch_missing and shake.presented:
        found = fetch_missing_issuers(shake.presented, timeout=timeout, known=[a.certificate for a in anchors])
        fetched, notes = found.fetched, found.problems
    report = analyze_handshake(target, shake, now=now, anchors=anchors, client=client, fetched=fetched)
    fix = "the server should send its intermediates itself (add them to its certificate chain file)"
    extra = [Finding("fetch.problem", Severity.INFO, note, fix, path=target.label) for note in notes]
    if shake.presented and (check_revocation or crls or shake.stapled_ocsp):
        chain = _leaf_first(report)
        if report.anchor is not None and report.anchor.certificate not in chain:
            chain.append(report.anchor.certificate)
        statuses = check_revocation_status(
            chain, now=now, crls=crls, online=check_revocation, timeout=timeout, stapled=shake.stapled_ocsp
        )
        if check_revocation or crls:
            extra.extend(revocation_findings(statuses, path=target.label))
        else:  # only a staple: what it says about the leaf, nothing about the rest
            statuses = statuses[:1]
            extra.extend(revocation_findings([s for s in statuses if s.status == "revoked"], path=target.label))
        report = dataclasses.replace(report, revocation=tuple(statuses))
    if extra:
        report = dataclasses.replace(report, findings=_sorted(list(report.findings) + extra))
    return report


def presented_chain(report: ProbeReport) -> tuple[x509.Certificate, ...]:
    """The presented certificates leaf first, in the chain doctor's order (strays dropped): what
    ``--save-chain`` writes and ``--import`` stores."""
    presented = list(report.presented)
    if report.chain_report is None:
        return tuple(presented)
    ordered = [c for c in report.chain_report.fixed_chain() if c in presented]
    return tuple(ordered or presented)


def client_identity_from_item(workspace: Workspace, item: Item, password: bytes | None) -> ClientIdentity:
    """A workspace item's certificate, chain and key as a client identity (PasswordError if the key needs one)."""
    key = workspace.load_private_key(item, password)
    return ClientIdentity(workspace.load_certificate(item), key, tuple(workspace.load_chain(item)))


def collect_anchors(materials: Sequence[tuple[str, Material]]) -> list[Anchor]:
    """Every certificate of the trust files ``(path as given, material)`` as an anchor with its alias;
    a certificate in several files counts once (its first file)."""
    anchors: list[Anchor] = []
    for path, material in materials:
        if not material.certificates:
            raise UsageError(f"{path}: holds no certificate to trust")
        aliases = list(material.aliases) + [None] * (len(material.certificates) - len(material.aliases))
        for certificate, alias in zip(material.certificates, aliases, strict=True):
            if all(a.certificate != certificate for a in anchors):
                anchors.append(Anchor(certificate, path, alias))
    return anchors


def _leaf_first(report: ProbeReport) -> list[x509.Certificate]:
    """The chain doctor's best chain (leaf first, fetched issuers and a known root included)."""
    if report.chain_report is None:
        return list(report.presented)
    return list(report.chain_report.fixed_chain()) or list(report.presented)


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order.get(f.severity, 3)))


# -- the analysis ----------------------------------------------------------------------------------------


def analyze_handshake(
    target: Target,
    shake: Handshake,
    *,
    now: datetime,
    anchors: Sequence[Anchor] = (),
    client: ClientIdentity | None = None,
    fetched: Sequence[Fetched] = (),
) -> ProbeReport:
    """The chain doctor on the presented chain (with ``fetched`` issuers), the hostname check, trust, and the
    mutual-TLS verdict."""
    findings: list[Finding] = []
    report: ChainReport | None = None
    trusted: bool | None = None
    trust_reason: str | None = None
    anchor: Anchor | None = None
    trust = [a.certificate for a in anchors]
    if shake.presented:
        materials = [Material(path=target.label, format=Format.TLS, certificates=shake.presented, ordered=True)]
        if fetched:
            extra = tuple(f.certificate for f in fetched)
            materials.append(Material(path=FETCHED_PATH, format=Format.DER, certificates=extra, ordered=False))
        report = analyze_chain(materials, now=now, trust=trust)
        findings.extend(report.findings)
        leaf = shake.presented[0]
        intermediates = list(shake.presented[1:]) + [f.certificate for f in fetched]
        if not _name_matches(leaf, target.expected_name):
            held = ", ".join(n for n in subject_alt_names(leaf) if n.startswith(("DNS:", "IP:"))) or "no DNS/IP name"
            findings.append(
                Finding(
                    "tls.hostname",
                    Severity.ERROR,
                    f"'{common_name(leaf)}' is not valid for {target.expected_name} (it holds {held})",
                    f"connect with a name the certificate holds, or have it re-issued with DNS:{target.expected_name}"
                    " in its subjectAltName (a server with several names may select by SNI: try --servername)",
                    subject=rfc4514(leaf.subject),
                    certificates=("c1",),
                    path=target.label,
                )
            )
        if trust:
            result = verify_chain(
                leaf, intermediates, trust, at=now, purpose="server", name=target.expected_name.strip("[]")
            )
            trusted, trust_reason = result.valid, result.reason
            _, _, built = chain_validates(leaf, intermediates, trust, at=now)
            anchored = (result.chain or built)[-1:] or ()
            anchor = next((a for a in anchors for c in anchored if a.certificate == c), None)
    client_verdict = _client_verdict(shake, client, now) if client is not None else None
    if client_verdict is not None and not client_verdict.accepted:
        findings.append(
            Finding(
                "tls.client-refused",
                Severity.ERROR,
                client_verdict.reason,
                _client_fix(shake, client_verdict),
                subject=client_verdict.subject,
                path=target.label,
            )
        )
    elif client_verdict is not None and not shake.client_auth_requested:
        findings.append(
            Finding(
                "tls.client-not-requested",
                Severity.WARNING,
                "the server did not ask for a client certificate, so none was sent (no mutual TLS here)",
                "check the host and port of the mutual-TLS endpoint (gateways often use a separate port or name)",
                path=target.label,
            )
        )
    elif client is None and not shake.completed:
        findings.append(
            Finding(
                "tls.refused",
                Severity.ERROR,
                f"the server refused the handshake with the alert {shake.alert}"
                + (": it requires a client certificate" if shake.client_auth_requested else ""),
                "probe again with a client identity (--client ITEM, or --client-cert FILE --client-key FILE)"
                if shake.client_auth_requested
                else "check the TLS versions and ciphers the server allows, and the name sent (--servername)",
                path=target.label,
            )
        )
    return ProbeReport(
        target=target,
        now=now,
        handshake=shake,
        chain_report=report,
        findings=_sorted(findings),
        client=client_verdict,
        trusted=trusted,
        trust_reason=trust_reason,
        anchor=anchor,
        fetched=tuple(fetched),
    )


def _client_verdict(shake: Handshake, client: ClientIdentity, now: datetime) -> ClientVerdict:
    certificate = client.certificate
    subject, sha256 = rfc4514(certificate.subject), sha256_colon(certificate)
    if shake.completed:
        if shake.client_auth_requested:
            reason = "the server accepted the client certificate"
        else:
            reason = "the server did not ask for a client certificate"
        return ClientVerdict(subject, sha256, True, None, reason)
    alert = shake.alert
    reason = f"the server refused the client certificate (alert {alert})"
    yours = rfc4514(certificate.issuer)
    ours = {certificate.issuer} | {c.issuer for c in client.chain} | {c.subject for c in client.chain}
    accepted_names = [rfc4514(n) for n in shake.acceptable_ca_names]
    if not shake.client_auth_requested:
        reason += " although it never asked for one"
    elif shake.acceptable_ca_names and not ours.intersection(shake.acceptable_ca_names):
        reason = (
            f"the server accepts client certificates issued by {'; '.join(accepted_names)}; yours is issued by {yours}"
            f" (alert {alert})"
        )
    elif not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        expired = now > certificate.not_valid_after_utc
        state = "expired on" if expired else "is not valid before"
        when = certificate.not_valid_after_utc if expired else certificate.not_valid_before_utc
        reason = f"your client certificate {state} {iso(when)} (alert {alert})"
    elif shake.acceptable_ca_names:
        reason = (
            f"the server knows your issuer {yours} but refused the certificate (alert {alert}): it may not "
            "validate there (missing intermediate, no clientAuth usage, revoked) or is not the one registered"
        )
    return ClientVerdict(subject, sha256, False, alert, reason)


def _client_fix(shake: Handshake, verdict: ClientVerdict) -> str:
    if shake.acceptable_ca_names and "yours is issued by" in verdict.reason:
        return (
            "use a client certificate issued by one of the CAs the server names, or ask its operator to trust "
            "your issuer (send them the CA certificate)"
        )
    if "expired" in verdict.reason or "not valid before" in verdict.reason:
        return "renew the client certificate and register the new one with the server's operator"
    return (
        "check the client certificate with `certbench inspect --purpose client` against the server's CA, send "
        "the full chain (intermediates) with it, and confirm with the operator which certificate is registered"
    )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _name_matches(certificate: x509.Certificate, name: str) -> bool:
    """RFC 6125 matching against the subjectAltName (no CN fallback): DNS names case-insensitively with a
    wildcard allowed only as the whole left-most label; IP addresses against IP entries."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    address = _ip(name)
    if address is not None:
        return address in san.get_values_for_type(x509.IPAddress)
    wanted = name.rstrip(".").lower().split(".")
    for pattern in san.get_values_for_type(x509.DNSName):
        labels = pattern.rstrip(".").lower().split(".")
        if len(labels) != len(wanted):
            continue
        head_ok = labels[0] == wanted[0] or (labels[0] == "*" and len(labels) > 2)
        if head_ok and labels[1:] == wanted[1:]:
            return True
    return False


__all__ = [
    "ALERTS",
    "DEFAULT_PORT",
    "Anchor",
    "ClientIdentity",
    "ClientVerdict",
    "Handshake",
    "ProbeReport",
    "Target",
    "analyze_handshake",
    "client_identity_from_item",
    "collect_anchors",
    "handshake",
    "parse_target",
    "presented_chain",
    "probe",
]
