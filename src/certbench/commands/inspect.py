"""``certbench inspect`` (describe anything, diagnose its chain) and ``certbench verify`` (does it validate?)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from certbench.commands import (
    Context,
    add_password_options,
    echo,
    load_asking,
    parse_timestamp,
    print_json,
    read_password,
)
from certbench.commands.online import add_online_options, fetch_issuers, revocation_of, with_findings
from certbench.core.chain import ChainReport, Finding, analyze_chain, chain_pem
from certbench.core.checks import blocking_failures
from certbench.core.describe import common_name, describe_certificate, is_ca, iso, public_key_info, rfc4514
from certbench.core.errors import CertbenchError, UsageError
from certbench.core.formats.container import PRIVATE_KEY, SECRET_KEY, Container
from certbench.core.formats.jar import check_keystore_jar
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Format, Material
from certbench.core.linking import end_entities
from certbench.core.safe_write import write_atomic
from certbench.core.verify import NOT_CHECKED, PROFILES, verify_chain

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
#: --json is indented for people; above this many certificates it is printed on one line (same content).
COMPACT_JSON_ABOVE = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    inspect = subparsers.add_parser(
        "inspect",
        help="describe certificates, keys and keystores and diagnose their chain",
        description="Reads PEM, DER, PKCS#7, PKCS#12, keys, CSRs and keystores (format detected from content). "
        "Files given together are analysed together. Exit 0: no error finding; 1: error findings; "
        "2: an input could not be read, or a usage error.",
    )
    inspect.add_argument("files", nargs="+", metavar="FILE", help="files to inspect together")
    _trust_options(inspect)
    inspect.add_argument("--at", metavar="ISO8601", help="analyse at this time instead of now (UTC if no offset)")
    inspect.add_argument(
        "--purpose",
        choices=("client", "server"),
        help="also check the TLS role when validating (clientAuth / serverAuth with the certificate's own name)",
    )
    inspect.add_argument("--json", action="store_true", help="print one JSON object (shape in the README)")
    inspect.add_argument(
        "--fix-out", metavar="FILE", help="write the fixed chain (leaf -> intermediates -> root) as PEM to FILE"
    )
    inspect.add_argument("--force", action="store_true", help="overwrite the --fix-out file if it exists")
    add_password_options(inspect, what="the password of protected inputs (PKCS#12, keystores, encrypted keys)")
    add_online_options(inspect)
    inspect.set_defaults(handler=run_inspect)

    verify = subparsers.add_parser(
        "verify",
        help="does this chain validate against these trust anchors, as TLS peers (or browsers) judge it?",
        description="LEAF's file holds the end-entity certificate (and possibly intermediates); MORE files add "
        "untrusted intermediates. Exit 0: valid; 1: not valid (the reason on one line, and the other profile's "
        "verdict when it differs); 2: unreadable input or usage error. Revocation is not checked.",
    )
    verify.add_argument("leaf", metavar="LEAF", help="file with the end-entity certificate (first non-CA one)")
    verify.add_argument("more", nargs="*", metavar="MORE", help="files with untrusted intermediates")
    _trust_options(verify)
    verify.add_argument(
        "--purpose",
        choices=("client", "server"),
        help="server: a TLS server certificate for --name (serverAuth; the default when --name is given); "
        "client: a TLS client certificate (clientAuth, mutual TLS; the default otherwise)",
    )
    verify.add_argument("--name", metavar="HOST_OR_IP", help="the DNS name or IP address a server must hold")
    verify.add_argument("--at", metavar="ISO8601", help="validate at this time instead of now")
    verify.add_argument("--max-depth", type=int, metavar="N", help="longest chain accepted (intermediates)")
    verify.add_argument(
        "--profile",
        choices=PROFILES,
        default="tls",
        help="tls (default): what OpenSSL-based TLS peers accept (openssl verify -auth_level 2 -purpose "
        "sslclient|sslserver); webpki: cryptography's CA/Browser Forum profile (will a browser accept it?)",
    )
    verify.add_argument("--json", action="store_true", help="print one JSON object (shape in the README)")
    add_password_options(verify, what="the password of protected inputs")
    add_online_options(verify)
    verify.set_defaults(handler=run_verify)


def _trust_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust", action="append", default=[], metavar="FILE", help="trust anchors (repeatable; any readable format)"
    )
    parser.add_argument("--system-trust", action="store_true", help="also trust the operating system's CA bundle")


def _load_inputs(
    paths: Sequence[str], args: argparse.Namespace
) -> tuple[list[Material], list[CertbenchError], dict[str, bytes | None]]:
    """The materials read, the errors of those that could not be, and the password that opened each file."""
    materials: list[Material] = []
    errors: list[CertbenchError] = []
    used: dict[str, bytes | None] = {}
    for path in paths:
        try:
            material, used[path] = load_asking(path, args)
            materials.append(material)
        except CertbenchError as exc:
            errors.append(exc.with_path(path))
    return materials, errors, used


def load_trust(args: argparse.Namespace) -> list[x509.Certificate]:
    """Certificates from every ``--trust FILE`` and, with ``--system-trust``, the OS bundle."""
    anchors: dict[x509.Certificate, None] = {}  # each certificate once, in order (a hash lookup, not a list scan)
    paths = list(args.trust)
    if args.system_trust:
        from certbench.core.system_bundle import system_bundle_path

        bundle = system_bundle_path()
        if bundle is None:
            raise UsageError("--system-trust: no system CA bundle found (set SSL_CERT_FILE to its path)")
        paths.append(str(bundle))
    password = read_password(args)
    for path in paths:
        material = load_file(path, password)
        if not material.certificates:
            raise UsageError(f"--trust {path}: holds no certificate")
        anchors.update(dict.fromkeys(material.certificates))
    return list(anchors)


def run_inspect(args: argparse.Namespace, ctx: Context) -> int:
    now = parse_timestamp(args.at) if args.at else ctx.now()
    trust = load_trust(args)
    materials, errors, passwords = _load_inputs(args.files, args)
    if not materials and not args.json:
        raise errors[0]
    online_notes: list[str] = []
    if args.fetch_missing:  # connects to the AIA caIssuers URLs of the certificates
        fetched, online_notes = fetch_issuers([c for m in materials for c in m.certificates], trust)
        materials = [*materials, fetched] if fetched else materials
    report = analyze_chain(materials, now=now, trust=trust, purpose=args.purpose, errors=errors)
    revocation = None
    if args.check_revocation or args.crl:
        revocation, more = revocation_of(report.fixed_chain(), args, now)
        report = dataclasses.replace(report, findings=with_findings(report.findings, more))
    # A keystore JAR read back gets the gateway checklist `jar build` applied before writing it.
    jar_checks = {
        m.path: check_keystore_jar(m, now=now, key_password=passwords.get(m.path))
        for m in materials
        if m.format is Format.KEYSTORE_JAR
    }
    given = {path: number for number, path in enumerate(args.files)}
    inputs = tuple(sorted(report.inputs, key=lambda item: given.get(item.path, len(given))))
    report = dataclasses.replace(report, inputs=inputs)  # listed in the order the files were given
    written: Path | None = None
    if args.fix_out:
        fixed = report.fixed_chain()
        if not fixed:
            raise UsageError("--fix-out: there is no certificate to write")
        written = write_atomic(args.fix_out, chain_pem(fixed), overwrite=args.force)
    if args.json:
        document = report.to_json()
        add_containers(document, report, materials)
        document["at"] = iso(now)
        document["fix_out"] = str(written) if written else None
        document["keystore_jar_checks"] = {path: [c.to_json() for c in checks] for path, checks in jar_checks.items()}
        if args.fetch_missing:
            document["fetched"] = online_notes
        if revocation is not None:
            document["revocation"] = revocation
        if len(report.certificates) > COMPACT_JSON_ABOVE:
            print_json(document, compact=True)  # one line: a big bundle prints fast
        else:
            print_json(document)
    else:
        for line in render_report(report, materials):
            echo(line)
        for path, checks in jar_checks.items():
            echo()
            echo(f"Keystore JAR checklist ({path})")
            for check in checks:
                mark = "ok  " if check.passed else ("FAIL" if check.severity == "error" else "warn")
                echo(f"  {mark} {check.title}: {check.reason}")
        if written:
            echo()
            echo(f"Wrote the fixed chain ({len(report.fixed_chain())} certificates, leaf first) to {written}")
        for note in online_notes:
            echo(f"Fetch: {note}")
        for status in revocation or []:
            echo(f"Revocation: {status['subject']}: {status['status']} ({status['source'] or status['reason']})")
    code = exit_code(report)
    if code == EXIT_OK and any(blocking_failures(checks) for checks in jar_checks.values()):
        return EXIT_FINDINGS
    return code


def exit_code(report: ChainReport) -> int:
    """2 when an input could not be (fully) read, 1 for other error findings, else 0."""
    if any(f.code.startswith("input.") for f in report.findings):
        return EXIT_INPUT
    return EXIT_OK if report.ok else EXIT_FINDINGS


def render_report(report: ChainReport, materials: Sequence[Material]) -> list[str]:
    """The human report's lines: inputs, certificates, the chain as a tree, findings with fixes."""
    now = report.now
    assert now is not None
    lines: list[str] = ["Inputs"]
    counts = {m.path: m for m in materials}
    for item in report.inputs:
        if item.error:
            lines.append(f"  {item.path}: cannot be read: {item.error}")
            continue
        material = counts.get(item.path)
        what = []
        if material is not None:
            if material.certificates:
                what.append(f"{len(material.certificates)} certificate(s)")
            if material.keys:
                what.append(f"{len(material.keys)} private key(s)")
            if material.csrs:
                what.append(f"{len(material.csrs)} CSR(s)")
        lines.append(f"  {item.path}: {item.format}" + (f", {', '.join(what)}" if what else ""))
        if material is not None and material.container is not None:
            lines.extend(render_container(material.container, report))
    if report.certificates:
        lines.append("")
        lines.append("Certificates")
    for entry in report.certificates:
        summary = describe_certificate(entry.certificate, now=now)
        where = f"{entry.path} #{(entry.index or 0) + 1}" if entry.path else "trust anchor"
        lines.append(f"  [{entry.id}] {summary.subject}   ({where})")
        lines.append(f"       issuer      {summary.issuer}")
        lines.append(
            f"       valid       {iso(summary.not_before)} -> {iso(summary.not_after)} ({summary.days_left} days left)"
        )
        key = summary.key_type + (f" {summary.key_size} bits" if summary.key_size else "")
        lines.append(f"       key         {key}, signed with {summary.signature_algorithm}, serial {summary.serial}")
        role = "CA" + (f" (pathlen {summary.path_length})" if summary.path_length is not None else "")
        lines.append(f"       role        {role if summary.is_ca else 'end entity'}")
        if summary.san:
            lines.append(f"       SAN         {', '.join(summary.san)}")
        if summary.key_usage or summary.extended_key_usage:
            lines.append(f"       usage       {', '.join(summary.key_usage + summary.extended_key_usage)}")
        if summary.psd2_roles:
            lines.append(f"       PSD2 roles  {', '.join(summary.psd2_roles)}")
        lines.append(f"       SHA-256     {summary.sha256}")
        lines.append(f"       SHA-1       {summary.sha1}")
        lines.append(f"       x5t#S256    {summary.x5t_s256}")
    for material in materials:
        for csr in material.csrs:
            key_type, key_size = csr_key_info(csr)
            lines.append("")
            lines.append(f"CSR from {material.path}: {rfc4514(csr.subject)}")
            lines.append(f"       key         {key_type}" + (f" {key_size} bits" if key_size else ""))
            lines.append(f"       signature   {'valid' if csr.is_signature_valid else 'INVALID'}")
    for key_info in report.keys:
        lines.append("")
        size = f" {key_info.key_size} bits" if key_info.key_size else ""
        match = ", ".join(key_info.matches) if key_info.matches else "no certificate given"
        lines.append(f"Key [{key_info.id}] {key_info.key_type}{size} from {key_info.path}: matches {match}")
    for number, chain in enumerate(report.chains[:20]):
        lines.append("")
        title = "Chain" if number == 0 else f"Other chain {number}"
        state = ("complete" if chain.complete else "incomplete") + f", as given: {chain.as_given}"
        if chain.trusted is not None:
            state += ", trusted" if chain.trusted else ", NOT trusted"
        lines.append(f"{title} ({state})")
        for depth, cert_id in enumerate(chain.certificates):
            certificate = report.entry(cert_id).certificate
            role = "leaf" if depth == 0 else ("root" if certificate.subject == certificate.issuer else "intermediate")
            if depth == 0 and is_ca(certificate) and len(chain.certificates) == 1:
                role = "root" if certificate.subject == certificate.issuer else "CA"
            prefix = "  " + "    " * (depth - 1) + "└── " if depth else "  "
            lines.append(f"{prefix}[{cert_id}] {common_name(certificate)} ({role})")
        if not chain.complete:
            last = report.entry(chain.certificates[-1]).certificate
            lines.append("  " + "    " * (len(chain.certificates) - 1) + f"└── ? missing: {rfc4514(last.issuer)}")
    if len(report.chains) > 20:
        lines.append(f"... and {len(report.chains) - 20} more chains (use --json for all)")
    lines.append("")
    lines.extend(render_findings(report.findings))
    return lines


def _certificate_ids(report: ChainReport) -> dict[x509.Certificate, str]:
    return {entry.certificate: entry.id for entry in report.certificates}


def add_containers(document: dict[str, Any], report: ChainReport, materials: Sequence[Material]) -> None:
    """``inputs[].container``: a keystore's type, entries (certificates by id) and PKCS#12 protection."""
    ids = _certificate_ids(report)
    by_path = {m.path: m for m in materials}
    for entry in document["inputs"]:
        material = by_path.get(entry["path"]) if entry.get("error") is None else None
        container = material.container if material is not None else None
        entry["container"] = container.to_json(ids.get) if container is not None else None


def render_container(container: Container, report: ChainReport) -> list[str]:
    """The container lines under an input: protection, who can open it, each entry and its certificates."""
    ids = _certificate_ids(report)
    lines: list[str] = []
    facts = container.pkcs12
    if facts is not None:
        certificates = facts.certificates_encryption or "nothing (no certificate bag)"
        lines.append(f"      certificates encrypted with {certificates}")
        lines.append(f"      keys encrypted with         {facts.keys_encryption or 'nothing (no key bag)'}")
        lines.append(f"      MAC                         {facts.mac or 'none'}")
    lines.extend(f"      note: {note}" for note in container.notes())
    for entry in container.entries:
        alias = repr(entry.alias) if entry.alias is not None else "(no alias)"
        named = [f"[{ids[c]}] {common_name(c)}" for c in entry.certificates if c in ids]
        if entry.type == PRIVATE_KEY:
            holder = named[0] if named else "no certificate"
            text = f"private key, held by {holder}"
            if len(named) > 1:
                text += f"; chain {' -> '.join(n.split(' ', 1)[0] for n in named)}"
        elif entry.type == SECRET_KEY:
            text = "secret key (no certificate)"
        else:
            text = f"{entry.type}: {', '.join(named) or 'unreadable'}"
        lines.append(f"      entry {alias}: {text}")
    return lines


def csr_key_info(csr: x509.CertificateSigningRequest) -> tuple[str, int | None]:
    try:
        return public_key_info(csr.public_key())
    except Exception:  # noqa: BLE001 - an unsupported key algorithm is described as such
        return "unsupported", None


def render_findings(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["Findings: none"]
    lines = ["Findings"]
    for finding in findings:
        lines.append(f"  {finding.severity.upper():7} {finding.code}: {finding.message}")
        lines.append(f"          fix: {finding.fix}")
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return lines


def run_verify(args: argparse.Namespace, ctx: Context) -> int:
    at = parse_timestamp(args.at) if args.at else ctx.now()
    if not args.trust and not args.system_trust:
        raise UsageError("no trust anchors were given: use --trust FILE (repeatable) or --system-trust")
    purpose = args.purpose or ("server" if args.name else "client")
    trust = load_trust(args)
    password = read_password(args)
    leaf_material = load_file(args.leaf, password)
    if not leaf_material.certificates:
        raise UsageError(f"{args.leaf}: holds no certificate")
    # The leaf: a certificate that issued none of the others, preferring a non-CA one (a file may also
    # carry an intermediate whose issuer it lacks).
    leaves = end_entities(leaf_material.certificates) or list(leaf_material.certificates)  # a cross-signed loop
    leaf = next((c for c in leaves if not is_ca(c)), leaves[0])
    intermediates = [c for c in leaf_material.certificates if c != leaf]
    known = set(intermediates)
    for path in args.more:
        more = load_file(path, password)
        added = [c for c in dict.fromkeys(more.certificates) if c not in known]
        intermediates.extend(added)
        known.update(added)
    notes: list[str] = []
    if args.fetch_missing:  # connects to the AIA caIssuers URLs of the certificates
        fetched, notes = fetch_issuers([leaf, *intermediates], trust)
        intermediates.extend(c for c in (fetched.certificates if fetched else ()) if c not in known)
    result = verify_chain(
        leaf,
        intermediates,
        trust,
        at=at,
        purpose=purpose,
        name=args.name,
        max_depth=args.max_depth,
        profile=args.profile,
    )
    revocation, not_checked = None, NOT_CHECKED
    if result.valid and (args.check_revocation or args.crl):
        revocation, findings = revocation_of(result.chain, args, at)
        revoked = [f.message for f in findings if f.code == "cert.revoked"]
        result = dataclasses.replace(result, valid=False, reason=revoked[0]) if revoked else result
        unknown = [f.message for f in findings if f.code == "revocation.unknown"]
        not_checked = "; ".join(unknown) if unknown else ""
    other = result.other_profile()
    if args.json:
        document = result.to_json()
        document["not_checked"] = [not_checked] if not_checked else []
        if args.fetch_missing:
            document["fetched"] = notes
        if revocation is not None:
            document["revocation"] = revocation
        print_json(document)
    elif result.valid:
        echo(f"valid: {result.reason} at {iso(at)} ({args.profile} profile)")
        for depth, certificate in enumerate(result.chain):
            echo(f"  {'  ' * depth}{rfc4514(certificate.subject)}")
        if other:
            echo(other)
    else:
        echo(f"not valid: {result.reason}")
        if other:
            echo(other)
    for note in notes if not args.json else ():
        echo(f"fetch: {note}")
    if not_checked and not args.json:
        echo(f"not checked: {not_checked}", err=not result.valid)
    return EXIT_OK if result.valid else EXIT_FINDINGS
