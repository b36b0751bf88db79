"""``certbench import``, ``show``, ``rm``, ``restore``, ``trash``, and ``csr complete`` / ``cert renew``
(registered under ``csr``/``cert`` by :mod:`certbench.commands.create`): identities in the workspace.

The workflows are :mod:`certbench.core.actions.identity` and :mod:`certbench.core.actions.items`; this module
parses, asks for passwords and prints.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from certbench.commands import Context, add_password_options, echo, load_asking, print_json, print_table, read_password
from certbench.core.actions import identity as actions
from certbench.core.actions import items
from certbench.core.errors import PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Material
from certbench.core.subject import format_subject
from certbench.core.workspace import Item, Workspace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = subparsers.add_parser(
        "import",
        help="bring an identity (PKCS#12, JKS/JCEKS/BKS entry, PEM/DER cert + key + chain) into the workspace",
        description="The key must match the certificate (else nothing is written); the chain is ordered leaf -> root "
        "and completed from workspace CAs; the key is stored re-encrypted with the key password (or unencrypted with "
        "--no-key-password), mode 0600. A CA certificate with its key becomes a CA item; certificates alone a "
        "'cert' item.",
    )
    imp.add_argument("name", metavar="NAME", help="the new workspace item")
    imp.add_argument("files", nargs="+", metavar="FILE", help="PKCS#12/PFX, JKS/JCEKS/BKS, PEM or DER files")
    imp.add_argument("--alias", metavar="ALIAS", help="the private-key entry to import when there are several")
    add_password_options(imp, dest="in_password", flag="--in-password", what="the input files' password")
    add_key_password_options(imp, what="the password the imported key is stored with")
    imp.add_argument("--force", action="store_true", help="replace an item with the same name")
    imp.add_argument("--json", action="store_true", help="print the new item as JSON")
    imp.set_defaults(handler=run_import)

    show = subparsers.add_parser(
        "show", help="an item's details, files, history and dependents (issued items, bindings, built artifacts)"
    )
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print the details as JSON")
    show.set_defaults(handler=run_show)

    rm = subparsers.add_parser("rm", help="move an item to the workspace's trash (restorable)")
    rm.add_argument("name", metavar="NAME")
    rm.add_argument("--force", action="store_true", help="also a CA that issued other items")
    rm.set_defaults(handler=run_rm)

    restore = subparsers.add_parser("restore", help="bring an item back from the trash")
    restore.add_argument("name", metavar="NAME_OR_TRASH_ID", help="NAME (its latest trashed version) or NAME~N")
    restore.set_defaults(handler=run_restore)

    trash = subparsers.add_parser("trash", help="list the workspace's trash, or empty it")
    trash.add_argument("--empty", action="store_true", help="delete everything in the trash for good")
    trash.add_argument("--json", action="store_true", help="print the trash as JSON")
    trash.set_defaults(handler=run_trash)


def register_csr_complete(csr_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``certbench csr complete``, under the ``csr`` word of :mod:`certbench.commands.create`."""
    complete = csr_commands.add_parser(
        "complete",
        help="attach the certificate a CA signed for a workspace CSR item",
        description="Refused (item unchanged) when the certificate's key is not the CSR's; the chain is completed "
        "from --chain and the workspace CAs.",
    )
    complete.add_argument("name", metavar="NAME", help="the workspace CSR item")
    complete.add_argument("certfile", metavar="CERTFILE", help="the signed certificate (PEM, DER, PKCS#7)")
    complete.add_argument("--chain", metavar="FILE", help="the CA's chain (PEM, DER, PKCS#7)")
    complete.add_argument("--json", action="store_true", help="print the completed item as JSON")
    complete.set_defaults(handler=run_csr_complete)


def register_cert_renew(cert_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``certbench cert renew``, under the ``cert`` word of :mod:`certbench.commands.create`."""
    renew = cert_commands.add_parser(
        "renew",
        help="issue a successor of a leaf item from the same workspace CA (same subject, SANs, profile)",
        description="The previous certificate (and key with --new-key) is kept in the item's history (see "
        "'certbench show'). Without --new-key the key stays as it is and needs no password.",
    )
    renew.add_argument("name", metavar="NAME", help="the workspace leaf item")
    renew.add_argument("--days", type=int, metavar="N", help="validity (default: the previous certificate's)")
    renew.add_argument("--new-key", action="store_true", help="generate a new key of the same type")
    add_key_password_options(renew, what="the password for the new private key (with --new-key)")
    add_password_options(
        renew, dest="issuer_key_password", flag="--issuer-key-password", what="the issuing CA key's password"
    )
    renew.add_argument(
        "--rebind", action="store_true", help="bind the successor to the client_ids of the previous certificate"
    )
    renew.add_argument("--json", action="store_true", help="print the result as JSON")
    renew.set_defaults(handler=run_cert_renew)


def add_key_password_options(parser: argparse.ArgumentParser, *, what: str) -> None:
    add_password_options(parser, dest="key_password", flag="--key-password", what=what)
    parser.add_argument("--no-key-password", action="store_true", help="store the key unencrypted (mode 0600 still)")


def _key_password_given(args: argparse.Namespace) -> bool:
    return bool(args.key_password_env or args.key_password_file or args.no_key_password)


def _stored_key_password(args: argparse.Namespace) -> bytes | None:
    """The password a key is stored with (None: unencrypted by explicit choice)."""
    if args.no_key_password:
        if args.key_password_env or args.key_password_file:
            raise UsageError("give either a key password or --no-key-password, not both")
        return None
    password = read_password(args, dest="key_password", prompt="Password for the stored private key", confirm=True)
    if password is None:
        raise UsageError(
            "the private key needs a password to be stored with: --key-password-env VAR, --key-password-file FILE, "
            "a terminal prompt, or --no-key-password to store it unencrypted"
        )
    if not password:
        raise UsageError("the key password is empty: give one, or use --no-key-password")
    return password


def _item_lines(item: Item, now: datetime) -> None:
    if item.not_after is not None:
        echo(f"  valid until {item.not_after:%Y-%m-%d} ({item.days_left(now)} days)  sha256 {item.sha256}")
    for label, path in items.item_files(item).items():
        state = ""
        if label == "key":
            state = " (encrypted)" if item.key_encrypted else " (NOT encrypted)"
        echo(f"  {label}: {path}{state}")


# -- import ---------------------------------------------------------------------------------------


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    materials = [load_asking(path, args, dest="in_password", flag="--in-password")[0] for path in args.files]
    has_key = bool(actions.key_choices(materials)) or any(m.locked_key_aliases for m in materials)
    key_password = _stored_key_password(args) if has_key else None
    if not has_key and _key_password_given(args):
        echo("certbench: note: the inputs hold no private key: the key password options are not used", err=True)
    now = ctx.now()
    imported = actions.import_identity(
        workspace, args.name, materials, now=now, key_password=key_password, alias=args.alias, overwrite=args.force
    )
    for warning in imported.warnings:
        echo(f"certbench: warning: {warning}", err=True)
    item = imported.item
    if args.json:
        data = item.to_json(now)
        data.update(
            files=items.item_files(item),
            alias=imported.alias,
            chain=[format_subject(c.subject) for c in imported.chain],
            chain_from_workspace=imported.completed,
            warnings=list(imported.warnings),
        )
        print_json(data)
        return 0
    echo(f"imported {item.kind.value} {item.name!r}: {item.subject}")
    if imported.has_key:
        source = f"entry {imported.alias!r}" if imported.alias else "the key file"
        echo(f"  key: {source}, matches the certificate, stored {'encrypted' if item.key_encrypted else 'unencrypted'}")
    else:
        echo("  no private key: a certificate item")
    if imported.chain:
        completed = f" ({imported.completed} from workspace CAs)" if imported.completed else ""
        top = format_subject(imported.chain[-1].subject)
        echo(f"  chain: {len(imported.chain)} certificate(s){completed}, up to {top}")
    _item_lines(item, now)
    return 0


# -- csr complete ---------------------------------------------------------------------------------


def run_csr_complete(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    certificate = load_file(args.certfile)
    chain: list[Material] = [load_file(args.chain)] if args.chain else []
    now = ctx.now()
    item = actions.complete_csr(workspace, args.name, [certificate], chain_materials=chain, now=now)
    if args.json:
        data = item.to_json(now)
        data["files"] = items.item_files(item)
        print_json(data)
        return 0
    echo(f"completed CSR item {item.name!r}: it is now a leaf with its certificate, {item.subject}")
    _item_lines(item, now)
    return 0


# -- cert renew -----------------------------------------------------------------------------------


def _issuer_password(args: argparse.Namespace, workspace: Workspace, name: str) -> bytes | None:
    item = workspace.get(name)
    issuer = item.issuer
    if not issuer or not workspace.has(issuer) or not workspace.get(issuer).key_encrypted:
        return None
    password = read_password(args, dest="issuer_key_password", prompt=f"Password of the key of CA {issuer!r}")
    if password is None:
        raise PasswordError(
            f"the key of CA {issuer!r} is encrypted: give its password with --issuer-key-password-env VAR or "
            "--issuer-key-password-file FILE (or run in a terminal to be asked)",
            missing=True,
        )
    return password


def run_cert_renew(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    if not args.new_key and _key_password_given(args):
        raise UsageError("without --new-key the item's key stays as it is: no key password option is needed")
    issuer_password = _issuer_password(args, workspace, args.name)
    key_password = _stored_key_password(args) if args.new_key else None
    now = ctx.now()
    renewed = actions.renew_certificate(
        workspace,
        args.name,
        now=now,
        issuer_password=issuer_password,
        days=args.days,
        new_key=args.new_key,
        key_password=key_password,
        rebind=args.rebind,
    )
    for warning in renewed.warnings:
        echo(f"certbench: note: {warning}", err=True)
    item = renewed.item
    waiting = [c for c in renewed.bindings if c not in renewed.rebound]
    if args.json:
        data = item.to_json(now)
        data.update(
            files=items.item_files(item),
            serial=f"{renewed.certificate.serial_number:x}",
            previous_serial=f"{renewed.previous.serial_number:x}",
            history=renewed.history_number,
            new_key=renewed.new_key,
            bound_client_ids=list(renewed.bindings),
            rebound=list(renewed.rebound),
        )
        print_json(data)
        return 0
    echo(
        f"renewed {item.name!r}: serial {renewed.certificate.serial_number:x} "
        f"(was {renewed.previous.serial_number:x}){', new key' if renewed.new_key else ', same key'}"
    )
    echo(f"  previous certificate{' and key' if renewed.new_key else ''} kept in {item.directory / 'history'}"
         f"/{renewed.history_number}")  # fmt: skip
    _item_lines(item, now)
    for client_id in renewed.rebound:
        echo(f"  bound the successor to client_id {client_id} (the previous certificate stays bound for the rotation)")
    for client_id in waiting:
        echo(f"  the previous certificate is bound to client_id {client_id}: add the successor for the rotation with")
        echo(f"    certbench bind add {client_id} {item.cert_path}")
    return 0


# -- show -----------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    details = items.item_details(ctx.workspace, args.name)
    if args.json:
        print_json(details.to_json(now))
        return 0
    item = details.item
    echo(f"{item.name} ({item.kind.value}): {item.subject}")
    if item.issuer:
        echo(f"  issued by workspace item {item.issuer!r}")
    for key in ("profile", "sans", "serial", "alias", "sources"):
        value = details.extra.get(key)
        if value:
            echo(f"  {key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    _item_lines(item, now)
    if details.history:
        echo("history:")
        rows = [["#", "serial", "not after", "replaced", "files"]]
        for entry in details.history:
            rows.append(
                [
                    str(entry.get("number", "")),
                    str(entry.get("serial", "")),
                    str(entry.get("not_after", ""))[:10],
                    str(entry.get("replaced", ""))[:10],
                    ", ".join(entry.get("files", {})),
                ]
            )
        print_table(rows)
    echo(f"issued items: {', '.join(details.issued) if details.issued else 'none'}")
    bound = [f"{b['client_id']}{'' if b['current'] else ' (previous certificate)'}" for b in details.bindings]
    echo(f"bindings: {', '.join(bound) if bound else 'none'}")
    if details.artifacts:
        echo("built from it (audit log):")
        for record in details.artifacts:
            echo(f"  {str(record['time'])[:19]}  {record['action']}  {record['out']}")
    return 0


# -- trash ----------------------------------------------------------------------------------------


def run_rm(args: argparse.Namespace, ctx: Context) -> int:
    trash_id = items.remove_item(ctx.workspace, args.name, now=ctx.now(), force=args.force)
    echo(f"moved {args.name!r} to the trash as {trash_id} ('certbench restore {trash_id}' brings it back)")
    return 0


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    name, trash_id = items.restore_item(ctx.workspace, args.name, now=ctx.now())
    echo(f"restored {name!r} from {trash_id}")
    return 0


def run_trash(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    if args.empty:
        gone = items.empty_trash(workspace, now=ctx.now())
        if args.json:
            print_json({"deleted": [entry.trash_id for entry in gone]})
        else:
            echo(f"deleted {len(gone)} trashed item(s) for good")
        return 0
    entries = workspace.list_trash()
    listing: list[dict[str, Any]] = [
        {
            "trash_id": entry.trash_id,
            "name": entry.name,
            "kind": entry.item.kind.value if entry.item else None,
            "subject": entry.item.subject if entry.item else None,
        }
        for entry in entries
    ]
    if args.json:
        print_json(listing)
        return 0
    if not entries:
        echo("the trash is empty")
        return 0
    rows = [["TRASH ID", "KIND", "SUBJECT"]]
    rows += [[e["trash_id"], e["kind"] or "?", e["subject"] or "(damaged metadata)"] for e in listing]
    print_table(rows)
    return 0
