"""``certbench check --profile NAME FILE...`` (partner rules) and ``certbench expiring`` (expiry watch)."""

from __future__ import annotations

import argparse

from cryptography import x509

from certbench.commands import (
    Context,
    add_password_options,
    echo,
    load_asking,
    print_json,
    print_warning,
    read_password,
    window_days,
)
from certbench.core.bindings import Registry
from certbench.core.checks import blocking_failures
from certbench.core.errors import CertbenchError
from certbench.core.expiry import expiring
from certbench.core.rules import list_profiles, run_profile
from certbench.core.workspace import DamagedItem


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    names = ", ".join(p.name for p in list_profiles())
    check = subparsers.add_parser("check", help=f"check files against a partner's rules ({names})")
    check.add_argument("--profile", required=True, metavar="NAME", help=f"the partner profile: {names}")
    check.add_argument("files", nargs="+", metavar="FILE", help="certificate files (any format certbench reads)")
    check.add_argument("--company", metavar="NAME", help="company name the CNs must include (connectpay)")
    check.add_argument("--json", action="store_true", help="print a JSON object with every check")
    add_password_options(check, what="the input files' password (PKCS#12, keystores)")
    add_password_options(check, dest="key_password", flag="--key-password", what="the key password to vet (sap-apim)")
    check.set_defaults(handler=check_command)

    parser = subparsers.add_parser("expiring", help="list workspace items and bindings expiring soon (exit 1 if any)")
    parser.add_argument("--within", type=int, default=30, metavar="DAYS", help="look DAYS ahead (default 30)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.add_argument(
        "--endpoints",
        metavar="FILE",
        help="watch these live TLS endpoints instead (one HOST[:PORT] per line; connects to them)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per endpoint (--endpoints)")
    parser.set_defaults(handler=expiring_command)


def expiring_command(args: argparse.Namespace, ctx: Context) -> int:
    window_days(args.within, option="--within")
    now = ctx.now()
    unreachable = 0
    damaged: list[DamagedItem] = []
    if args.endpoints:
        from certbench.commands.online import expiring_endpoints

        found, unreachable = expiring_endpoints(args.endpoints, now=now, within_days=args.within, timeout=args.timeout)
    else:
        registry = Registry.load(ctx.workspace.bindings_path)
        items, damaged = ctx.workspace.scan_items()
        found = expiring(items, registry.bindings, now=now, within_days=args.within)
    if args.json:
        print_json([entry.to_json() for entry in found])
    elif not found:
        echo(f"nothing expires within {args.within} days")
    else:
        for entry in found:
            when = "EXPIRED" if entry.expired else f"{entry.days_left:>4}d"
            bound = f"  (bound to {', '.join(entry.client_ids)})" if entry.source == "item" and entry.client_ids else ""
            echo(f"{when:>8}  {entry.not_after:%Y-%m-%d}  {entry.source:<7}  {entry.name}  {entry.subject}{bound}")
    for bad in damaged:  # its expiry is unknown: say so rather than pass it over
        print_warning(f"item {bad.name!r} not checked: {bad.directory / 'item.json'}: {bad.reason}")
    return 2 if unreachable else 1 if found or damaged else 0


def check_command(args: argparse.Namespace, ctx: Context) -> int:
    materials = [load_asking(path, args)[0] for path in args.files]
    workspace_certificates: dict[str, x509.Certificate] = {}
    for item in ctx.workspace.list_items():
        if item.not_after is None:
            continue
        try:
            workspace_certificates[item.name] = ctx.workspace.load_certificate(item)
        except CertbenchError:
            continue  # a damaged item is reported by `certbench list`, not by a partner profile
    checks = run_profile(
        args.profile,
        materials,
        now=ctx.now(),
        company=args.company,
        key_password=read_password(args, dest="key_password"),
        workspace_certificates=workspace_certificates,
    )
    failed = blocking_failures(checks)
    if args.json:
        print_json({"profile": args.profile, "passed": not failed, "checks": [c.to_json() for c in checks]})
    else:
        for check in checks:
            mark = "PASS" if check.passed else ("FAIL" if check.severity == "error" else "WARN")
            echo(f"{mark}  {check.title}: {check.reason}")
        echo(f"{args.profile}: {'all rules pass' if not failed else f'{len(failed)} rule(s) fail'}")
    return 1 if failed else 0
