"""``certbench bind add|check|list|remove|export``: the client_id <-> certificate registry."""

from __future__ import annotations

import argparse

from cryptography import x509

from certbench.commands import Context, add_password_options, echo, load_asking, print_json, print_table
from certbench.core.actions import bindings as actions
from certbench.core.bindings import Registry, leaf_of, validate_client_id
from certbench.core.errors import BindingError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("bind", help="record and check which certificate belongs to which client_id")
    sub = parser.add_subparsers(dest="bind_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="bind the leaf certificate of CERTFILE to CLIENT_ID")
    add.add_argument("client_id", metavar="CLIENT_ID")
    add.add_argument("certfile", metavar="CERTFILE", help="any file certbench reads (PEM, DER, PKCS#7, PKCS#12...)")
    add.add_argument("--note", default="", help="free text kept with the binding")
    add.add_argument("--json", action="store_true", help="print the new binding as JSON")
    add_password_options(add, what="CERTFILE's password (PKCS#12, keystores)")
    add.set_defaults(handler=bind_add)

    check = sub.add_parser("check", help="exit 0 when CERTFILE is bound to CLIENT_ID, 1 otherwise")
    check.add_argument("client_id", metavar="CLIENT_ID")
    check.add_argument("certfile", metavar="CERTFILE")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    add_password_options(check, what="CERTFILE's password (PKCS#12, keystores)")
    check.set_defaults(handler=bind_check)

    listing = sub.add_parser("list", help="list the bindings (newer/older during a rotation)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=bind_list)

    remove = sub.add_parser("remove", help="remove the bindings of CLIENT_ID (or one of them)")
    remove.add_argument("client_id", metavar="CLIENT_ID")
    remove.add_argument(
        "--fingerprint",
        metavar="FP",
        help="only this certificate (SHA-256 hex or x5t#S256; write --fingerprint=FP when FP starts with '-')",
    )
    remove.set_defaults(handler=bind_remove)

    export = sub.add_parser("export", help="write the registry as JSON a gateway can load")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(handler=bind_export)


def load_leaf(path: str, args: argparse.Namespace) -> x509.Certificate:
    material, _password = load_asking(path, args)
    return leaf_of(material.certificates, path=path)


def _registry(ctx: Context) -> Registry:
    return actions.registry(ctx.workspace)


def bind_add(args: argparse.Namespace, ctx: Context) -> int:
    validate_client_id(args.client_id)  # first: an empty client_id is not CERTFILE's fault (nor worth a prompt)
    certificate = load_leaf(args.certfile, args)
    try:
        binding = actions.bind_add(ctx.workspace, args.client_id, certificate, now=ctx.now(), note=args.note)
    except BindingError as exc:
        raise exc.with_path(args.certfile) from None
    if args.json:
        print_json(binding.to_json())
    else:
        echo(f"bound {binding.sha256} to {binding.client_id} (x5t#S256 {binding.x5t_s256})")
    return 0


def bind_check(args: argparse.Namespace, ctx: Context) -> int:
    registry = _registry(ctx)
    certificate = load_leaf(args.certfile, args)
    result = registry.check(args.client_id, certificate, now=ctx.now())
    if args.json:
        print_json(result.to_json())
    else:
        echo(result.reason)
    return 0 if result.matched else 1


def bind_list(args: argparse.Namespace, ctx: Context) -> int:
    registry = _registry(ctx)
    now = ctx.now()
    bindings = registry.bindings
    if args.json:
        rows = []
        for binding in bindings:
            entry = binding.to_json()
            entry["newer"] = registry.is_newer(binding)
            entry["rotation"] = len(registry.for_client(binding.client_id)) > 1
            entry["expired"] = binding.expired(now)
            rows.append(entry)
        print_json(rows)
        return 0
    if not bindings:
        echo("no bindings (try: certbench bind add CLIENT_ID CERTFILE)")
        return 0
    table = [("CLIENT_ID", "NOT AFTER", "ROLE", "SHA-256", "SUBJECT")]
    for binding in bindings:
        rotating = len(registry.for_client(binding.client_id)) > 1
        role = ("newer" if registry.is_newer(binding) else "older") if rotating else "-"
        if binding.expired(now):
            role += " (expired)"
        table.append((binding.client_id, binding.not_after.strftime("%Y-%m-%d"), role, binding.sha256, binding.subject))
    print_table(table)
    return 0


def bind_remove(args: argparse.Namespace, ctx: Context) -> int:
    for binding in actions.bind_remove(ctx.workspace, args.client_id, args.fingerprint, now=ctx.now()):
        echo(f"removed {binding.sha256} from {binding.client_id}")
    return 0


def bind_export(args: argparse.Namespace, ctx: Context) -> int:
    if args.output:
        actions.bind_export(ctx.workspace, args.output, now=ctx.now(), overwrite=args.force)
        echo(f"wrote {args.output}")
    else:
        print_json(actions.export_document(ctx.workspace, now=ctx.now()))
    return 0
