"""``certbench list``: what the workspace holds."""

from __future__ import annotations

import argparse

from certbench.commands import Context, echo, print_json, print_table, print_warning
from certbench.core.workspace import DamagedItem


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "list", help="list workspace items (name, kind, subject, expiry); exit 1 when an item is damaged"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=list_items)


def list_items(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    now = ctx.now()
    items, damaged = workspace.scan_items()
    status = 1 if damaged else 0  # a damaged item is reported by name; the others still list
    if args.json:
        entries = [(item.name, item.to_json(now)) for item in items] + [(bad.name, bad.to_json()) for bad in damaged]
        print_json([entry for _, entry in sorted(entries, key=lambda pair: pair[0])])
        return status
    if not items:
        if not damaged:
            echo(f"workspace {workspace.root} is empty (try: certbench demo)")
        _warn_damaged(damaged)
        return status
    rows = [("NAME", "KIND", "NOT AFTER", "DAYS", "SUBJECT")]
    for item in items:
        days = item.days_left(now)
        rows.append(
            (
                item.name,
                str(item.kind),
                item.not_after.strftime("%Y-%m-%d") if item.not_after else "-",
                "-" if days is None else str(days),
                item.subject,
            )
        )
    print_table(rows)
    _warn_damaged(damaged)
    return status


def _warn_damaged(damaged: list[DamagedItem]) -> None:
    for bad in damaged:
        print_warning(f"item {bad.name!r} not listed: {bad.directory / 'item.json'}: {bad.reason}")
