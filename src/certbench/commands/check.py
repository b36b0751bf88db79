"""``certbench expiring``: what expires soon (cron-friendly exit codes)."""

from __future__ import annotations

import argparse

from certbench.commands import Context, print_json
from certbench.core.bindings import Registry
from certbench.core.errors import UsageError
from certbench.core.expiry import expiring


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("expiring", help="list workspace items and bindings expiring soon (exit 1 if any)")
    parser.add_argument("--within", type=int, default=30, metavar="DAYS", help="look DAYS ahead (default 30)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=expiring_command)


def expiring_command(args: argparse.Namespace, ctx: Context) -> int:
    if args.within < 0:
        raise UsageError("--within: DAYS must be 0 or more")
    now = ctx.now()
    registry = Registry.load(ctx.workspace.bindings_path)
    found = expiring(ctx.workspace.list_items(), registry.bindings, now=now, within_days=args.within)
    if args.json:
        print_json([entry.to_json() for entry in found])
    elif not found:
        print(f"nothing expires within {args.within} days")
    else:
        for entry in found:
            when = "EXPIRED" if entry.expired else f"{entry.days_left:>4}d"
            print(f"{when:>8}  {entry.not_after:%Y-%m-%d}  {entry.source:<7}  {entry.name}  {entry.subject}")
    return 1 if found else 0
