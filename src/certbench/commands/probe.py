"""``certbench probe HOST[:PORT]...``: the only command that opens network connections (to the hosts named).

Targets are probed concurrently (at most :data:`MAX_PARALLEL` at once); the output is one summary line
per target, then each target's details (the chain doctor's report on the presented chain, client
authentication, trust). The exit code is the worst of the targets'.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from certbench.commands import (
    Context,
    add_password_options,
    echo,
    load_asking,
    parse_timestamp,
    print_json,
    read_password,
)
from certbench.commands.online import add_online_options, load_crls
from certbench.core.chain import chain_pem
from certbench.core.describe import is_ca, iso, rfc4514
from certbench.core.errors import UsageError
from certbench.core.formats.load import load_file
from certbench.core.linking import spki_der
from certbench.core.safe_write import write_atomic

if TYPE_CHECKING:  # imported when probing only: `certbench --help` does not load pyOpenSSL
    from certbench.core.formats.material import Material
    from certbench.core.online.probe import Anchor, ClientIdentity, ProbeReport

#: Targets probed at the same time.
MAX_PARALLEL = 8
DEFAULT_TIMEOUT = 10.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from certbench.core.online.starttls import PROTOCOLS

    probe = subparsers.add_parser(
        "probe",
        help="connect to TLS endpoints: the presented chain diagnosed, client certificates, mutual TLS",
        description="Connects to each HOST[:PORT] (port 443 by default), runs the TLS handshake and reports the "
        "version, cipher and ALPN, the chain exactly as presented through the chain doctor, the hostname check, "
        "whether the server asked for a client certificate (and from which CAs), and with a client identity "
        "whether mutual TLS was accepted and why not. This command connects to the hosts given and nowhere "
        "else. Exit 0: handshake done, no error finding; 1: error findings, client certificate refused, or not "
        "trusted by the given anchors; 2: could not connect (refused, DNS, timeout, not TLS) or usage error.",
    )
    probe.add_argument("targets", nargs="+", metavar="HOST[:PORT]", help="endpoints ([IPv6]:PORT for IPv6)")
    probe.add_argument("--servername", metavar="SNI", help="the name sent as SNI and checked (default: HOST)")
    identity = probe.add_argument_group("client identity (mutual TLS)")
    identity.add_argument("--client", metavar="ITEM", help="a workspace item with a certificate and key")
    identity.add_argument("--client-cert", metavar="FILE", help="client certificate file (PEM, DER, PKCS#12...)")
    identity.add_argument("--client-key", metavar="FILE", help="its private key (not needed if FILE holds it)")
    add_password_options(
        probe, dest="client_password", flag="--client-password", what="the password of the client key or item"
    )
    probe.add_argument(
        "--trust", action="append", default=[], metavar="FILE", help="trust anchors (repeatable; any readable format)"
    )
    probe.add_argument("--system-trust", action="store_true", help="also trust the operating system's CA bundle")
    add_password_options(
        probe, dest="trust_password", flag="--trust-password", what="the password of --trust keystores"
    )
    probe.add_argument("--starttls", choices=PROTOCOLS, help="speak this protocol's STARTTLS first")
    probe.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"for each target, connection and handshake together (default {DEFAULT_TIMEOUT:g})",
    )
    probe.add_argument("--at", metavar="ISO8601", help="analyse the chain at this time instead of now")
    probe.add_argument("--save-chain", metavar="FILE", help="write the presented chain, leaf first, as PEM")
    probe.add_argument("--import", dest="import_name", metavar="NAME", help="store the chain as a workspace item")
    probe.add_argument("--force", action="store_true", help="overwrite the --save-chain file or --import item")
    probe.add_argument("--json", action="store_true", help="print one JSON object (shape in the README)")
    add_online_options(probe)
    probe.set_defaults(handler=run_probe)


def run_probe(args: argparse.Namespace, ctx: Context) -> int:
    from certbench.core.online.probe import parse_target, probe

    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if (args.save_chain or args.import_name) and len(args.targets) != 1:
        raise UsageError("--save-chain and --import take one target")
    now = parse_timestamp(args.at) if args.at else ctx.now()
    targets = [parse_target(t, servername=args.servername, starttls=args.starttls) for t in args.targets]
    anchors = _anchors(args)
    client = _client_identity(args, ctx)
    crls = load_crls(args)
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(targets)), thread_name_prefix="probe") as pool:
        futures = [
            pool.submit(
                probe,
                target,
                now=now,
                timeout=args.timeout,
                anchors=anchors,
                client=client,
                starttls=args.starttls,
                fetch_missing=args.fetch_missing,
                check_revocation=args.check_revocation,
                crls=crls,
            )
            for target in targets
        ]
        reports = [future.result() for future in futures]
    notes = _save(reports[0], args, ctx, now) if len(reports) == 1 else []
    if args.json:
        print_json({"targets": [r.to_json() for r in reports]})
        for note in notes:
            echo(f"certbench: {note}", err=True)
    else:
        for report in reports:
            echo(report.summary())
        for report in reports:
            if report.error is None:
                echo()
                for line in _details(report):
                    echo(line)
        for note in notes:
            echo(note)
    for report in reports:
        if report.error is not None:
            echo(f"certbench: error: {report.target.label}: {report.error}", err=True)
    return max(r.exit_code for r in reports)


def _anchors(args: argparse.Namespace) -> list[Anchor]:
    from certbench.core.online.probe import collect_anchors

    paths = list(args.trust)
    if args.system_trust:
        from certbench.core.system_bundle import system_bundle_path

        bundle = system_bundle_path()
        if bundle is None:
            raise UsageError("--system-trust: no system CA bundle found (set SSL_CERT_FILE to its path)")
        paths.append(str(bundle))
    password = read_password(args, dest="trust_password") if paths else None
    return collect_anchors([(path, load_file(path, password)) for path in paths])


def _client_identity(args: argparse.Namespace, ctx: Context) -> ClientIdentity | None:
    from certbench.core.online.probe import ClientIdentity, client_identity_from_item

    if args.client and (args.client_cert or args.client_key):
        raise UsageError("give the client identity once: --client ITEM, or --client-cert FILE with --client-key FILE")
    if args.client:
        item = ctx.workspace.get(args.client)
        password = None
        if item.key_encrypted:
            password = read_password(args, dest="client_password", prompt=f"Password for the key of {item.name}")
        return client_identity_from_item(ctx.workspace, item, password)
    if args.client_key and not args.client_cert:
        raise UsageError("--client-key needs --client-cert FILE")
    if not args.client_cert:
        return None
    material, password = load_asking(args.client_cert, args, dest="client_password", flag="--client-password")
    keys = [e.key for e in material.key_entries] + list(material.keys)
    if args.client_key:
        key_material, _ = load_asking(args.client_key, args, dest="client_password", flag="--client-password")
        keys = [e.key for e in key_material.key_entries] + list(key_material.keys)
        if not keys:
            raise UsageError(f"--client-key {args.client_key}: holds no private key")
    if not keys:
        raise UsageError(f"--client-cert {args.client_cert}: holds no private key; give it with --client-key FILE")
    certificates = list(material.certificates)
    for entry in material.key_entries:
        certificates.extend(c for c in entry.chain if c not in certificates)
    key = keys[0]
    leaf = next((c for c in certificates if spki_der(c) == spki_der(key)), None)
    if leaf is None:
        raise UsageError(f"--client-cert {args.client_cert}: no certificate in it matches the client key")
    chain = tuple(c for c in certificates if c != leaf and is_ca(c))
    return ClientIdentity(leaf, key, chain)


def _save(report: ProbeReport, args: argparse.Namespace, ctx: Context, now: datetime) -> list[str]:
    from certbench.core.actions.probe import import_presented
    from certbench.core.online.probe import presented_chain

    notes: list[str] = []
    if not (args.save_chain or args.import_name):
        return notes
    chain = presented_chain(report)
    if not chain:
        raise UsageError(f"{report.target.label}: no certificate was presented: nothing to save or import")
    if args.save_chain:
        written = write_atomic(args.save_chain, chain_pem(chain), overwrite=args.force)
        notes.append(f"Wrote the presented chain ({len(chain)} certificate(s), leaf first) to {written}")
    if args.import_name:
        item = import_presented(ctx.workspace, args.import_name, report, now=now, overwrite=args.force)
        notes.append(f"Imported {item.name} into the workspace ({len(chain) - 1} chain certificate(s), no key)")
    return notes


def _details(report: ProbeReport) -> list[str]:
    from certbench.commands.inspect import render_report

    shake = report.handshake
    if shake is None:
        raise RuntimeError("details are printed for reports without an error only")
    target = report.target
    sni = f"SNI {target.servername}" if target.servername else "no SNI"
    lines = [f"== {target.label} ({sni}) at {iso(report.now)} =="]
    if shake.version:
        lines.append(f"TLS         {shake.version}, {shake.cipher or 'no cipher'}, ALPN {shake.alpn or 'none'}")
    if not shake.completed:
        lines.append(f"Refused     alert {shake.alert} ({shake.failure})")
    if shake.client_auth_requested:
        names: Sequence[str] = [rfc4514(n) for n in shake.acceptable_ca_names]
        lines.append("Client auth requested by the server; acceptable client CA names:")
        lines.extend(f"              {name}" for name in names or ["(none sent: the server did not name its CAs)"])
    else:
        lines.append("Client auth not requested by the server")
    if report.client is not None:
        verdict = "accepted" if report.client.accepted else "REFUSED"
        lines.append(f"Client      {report.client.subject}: {verdict}: {report.client.reason}")
    if report.trusted is None:
        lines.append("Trust       not checked (no --trust or --system-trust)")
    elif report.trusted:
        lines.append(f"Trust       trusted: {report.trust_reason}")
    else:
        lines.append(f"Trust       NOT trusted: {report.trust_reason}")
    if report.anchor is not None:
        where = report.anchor.path + (f", alias {report.anchor.alias}" if report.anchor.alias else "")
        lines.append(f"Anchor      {rfc4514(report.anchor.certificate.subject)} ({where})")
    for fetched in report.fetched:
        lines.append(f"Fetched     {rfc4514(fetched.certificate.subject)} from {fetched.url}")
    for status in report.revocation:
        detail = f" ({status.source})" if status.source else ""
        lines.append(f"Revocation  {rfc4514(status.certificate.subject)}: {status.status}{detail}")
    if report.chain_report is None:
        return [*lines, "Presented   no certificate"]
    doctor = dataclasses.replace(report.chain_report, findings=report.findings)
    materials = [_presented_material(report)]
    if report.fetched:
        from certbench.core.formats.material import Format, Material
        from certbench.core.online.probe import FETCHED_PATH

        issuers = tuple(f.certificate for f in report.fetched)
        materials.append(Material(path=FETCHED_PATH, format=Format.DER, certificates=issuers, ordered=False))
    return [*lines, "", *render_report(doctor, materials)]


def _presented_material(report: ProbeReport) -> Material:
    from certbench.core.formats.material import Format, Material

    return Material(path=report.target.label, format=Format.TLS, certificates=report.presented)
