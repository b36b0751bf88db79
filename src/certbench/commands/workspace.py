"""``certbench list``: what the workspace holds."""

from __future__ import annotations

import argparse

from certbench.commands import Context, echo, print_json, print_table


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("list", help="list workspace items (name, kind, subject, expiry)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=list_items)


def list_items(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    now = ctx.now()
    items = workspace.list_items()
    if args.json:
        print_json([item.to_json(now) for item in items])
        return 0
    if not items:
        echo(f"workspace {workspace.root} is empty (try: certbench demo)")
        return 0
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
    return 0
