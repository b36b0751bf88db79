"""``certbench store list|add|remove|rename|passwd|convert``: edit an existing JKS, PKCS#12 or PEM store.

Edits rewrite the whole store atomically and keep the previous file as ``FILE.bak`` (refused when it
exists, unless ``--force``). Passwords come from ``--password-env``/``--password-file`` (never argv).
Exit codes: 0 done; 2 usage, unreadable store, wrong password, or an existing ``.bak``/``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cryptography import x509

from certbench.commands import Context, add_password_options, echo, print_json, print_table, read_password
from certbench.core import store_edit as se
from certbench.core.errors import PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.workspace import validate_item_name

WORKSPACE_PREFIX = "ws:"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    store = subparsers.add_parser("store", help="edit an existing keystore or truststore (JKS, PKCS#12, PEM)")
    commands = store.add_subparsers(title="store commands", metavar="SUBCOMMAND", dest="store_command")
    store.set_defaults(handler=lambda args, ctx: _usage(store))

    listing = commands.add_parser("list", help="list the entries: alias, type, subject, expiry, days left")
    _common(listing)
    listing.set_defaults(handler=list_entries)

    add = commands.add_parser(
        "add",
        help="add trusted certificates from files, or a private key entry from a workspace item (ws:NAME)",
    )
    _common(add)
    add.add_argument("inputs", nargs="+", metavar="INPUT", help="certificate files, or ws:NAME for a key entry")
    add.add_argument("--alias", metavar="ALIAS", help="the new entry's alias (default: from the subject or item)")
    add_password_options(add, dest="key_password", flag="--key-password", what="the workspace item's key password")
    _edit_options(add)
    add.set_defaults(handler=add_entries)

    remove = commands.add_parser("remove", help="remove entries by alias")
    _common(remove)
    remove.add_argument("aliases", nargs="+", metavar="ALIAS")
    _edit_options(remove)
    remove.set_defaults(handler=remove_entries)

    rename = commands.add_parser("rename", help="rename an entry")
    _common(rename)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    _edit_options(rename)
    rename.set_defaults(handler=rename_entry)

    passwd = commands.add_parser(
        "passwd", help="change the store password (and, for JKS, the key entries' passwords with it)"
    )
    _common(passwd)
    add_password_options(passwd, dest="new_password", flag="--new-password", what="the new store password")
    _edit_options(passwd)
    passwd.set_defaults(handler=change_password)

    convert = commands.add_parser("convert", help="write the store in another format (jks, p12, pem)")
    _common(convert)
    convert.add_argument("--out", required=True, metavar="OUT", help="the new file")
    convert.add_argument("--format", choices=("jks", "p12", "pem"), help="default: from the --out extension")
    add_password_options(
        convert, dest="out_password", flag="--out-password", what="the new file's password (default: the store's)"
    )
    convert.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    convert.set_defaults(handler=convert_store)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the store")
    add_password_options(parser, what="the store password")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _edit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace an existing FILE.bak")


def _open(args: argparse.Namespace) -> tuple[se.Store, bytes | None]:
    password = read_password(args, prompt=f"Password of {args.file}")
    try:
        return se.read_store(args.file, password), password
    except PasswordError as error:
        if error.missing:
            hint = "give the store password with --password-env VAR or --password-file FILE"
            raise PasswordError(f"{error.message}: {hint}", path=error.path, missing=True) from error
        raise


def _entries_json(store: se.Store, ctx: Context) -> list[dict[str, Any]]:
    now = ctx.now()
    return [entry.to_json(now) for entry in store.entries]


def list_entries(args: argparse.Namespace, ctx: Context) -> int:
    store, _password = _open(args)
    if args.json:
        print_json(
            {
                "file": store.path,
                "format": store.format.value,
                "entries": _entries_json(store, ctx),
                "problems": list(store.problems),
            }
        )
        return 0
    rows = [("ALIAS", "TYPE", "NOT AFTER", "DAYS", "SUBJECT")]
    for entry in _entries_json(store, ctx):
        rows.append(
            (
                entry["alias"],
                entry["type"],
                (entry["not_after"] or "-")[:10],
                str(entry["days_left"]) if entry["days_left"] is not None else "-",
                entry["subject"] or "-",
            )
        )
    print_table(rows)
    for problem in store.problems:
        echo(f"warning   {problem}")
    echo(f"{len(store.entries)} entr{'y' if len(store.entries) == 1 else 'ies'} in {store.path} ({store.format.value})")
    return 0


def _save(args: argparse.Namespace, ctx: Context, before: se.Store, after: se.Store, password: bytes | None,
          action: str, **details: Any) -> int:  # fmt: skip
    written = se.save_edit(before, after, password=password, now=ctx.now(), force=args.force)
    _audit(ctx, action, file=str(written), backup=str(se.backup_path(written)), **details)
    if args.json:
        print_json(
            {
                "file": str(written),
                "backup": str(se.backup_path(written)),
                "format": before.format.value,
                "action": action.removeprefix("store."),
                **details,
                "entries": _entries_json(after, ctx),
            }
        )
    else:
        echo(
            f"{action.removeprefix('store.')}: wrote {written} ({len(after.entries)} entries); "
            f"the previous version is {se.backup_path(written)}"
        )
    return 0


def _audit(ctx: Context, action: str, **details: Any) -> None:
    """Record the edit in the workspace audit log when a workspace is already there (never create one)."""
    if not (ctx.workspace_path / "items").is_dir():
        return
    ctx.workspace.audit(action, ctx.now(), **details)


def add_entries(args: argparse.Namespace, ctx: Context) -> int:
    store, password = _open(args)
    items = [value for value in args.inputs if value.startswith(WORKSPACE_PREFIX)]
    files = [value for value in args.inputs if not value.startswith(WORKSPACE_PREFIX)]
    if items and (files or len(items) > 1):
        raise UsageError("add one workspace item (ws:NAME) at a time, without certificate files")
    if items:
        name = validate_item_name(items[0][len(WORKSPACE_PREFIX) :])
        from certbench.core.keystore import source_from_item  # the workspace and chain completion

        workspace = ctx.workspace
        key_password = read_password(args, dest="key_password", prompt=f"Password of the key of {name}")
        source = source_from_item(workspace, workspace.get(name), key_password=key_password)
        assert source.key is not None
        after = se.add_private_key(store, args.alias or name, source.key, source.chain)
        added = [after.entries[-1].alias]
    else:
        certificates: list[x509.Certificate] = []
        for path in files:
            material = load_file(path)
            if not material.certificates:
                raise UsageError(f"{path}: holds no certificate")
            certificates.extend(c for c in material.certificates if c not in certificates)
        after = se.add_certificates(store, certificates, alias=args.alias)
        added = [entry.alias for entry in after.entries[len(store.entries) :]]
    return _save(args, ctx, store, after, password, "store.add", added=added)


def remove_entries(args: argparse.Namespace, ctx: Context) -> int:
    store, password = _open(args)
    after = se.remove_entries(store, args.aliases)
    removed = [alias for alias in store.aliases() if alias not in after.aliases()]
    return _save(args, ctx, store, after, password, "store.remove", removed=removed)


def rename_entry(args: argparse.Namespace, ctx: Context) -> int:
    store, password = _open(args)
    after = se.rename_entry(store, args.old, args.new)
    return _save(args, ctx, store, after, password, "store.rename", old=store.entry(args.old).alias, new=args.new)


def change_password(args: argparse.Namespace, ctx: Context) -> int:
    store, _password = _open(args)
    if store.format is se.StoreFormat.PEM:
        raise UsageError("a PEM bundle has no store password")
    new = read_password(args, dest="new_password", prompt="New store password", confirm=True)
    if not new:
        raise PasswordError(
            "give the new password with --new-password-env VAR or --new-password-file FILE", missing=True
        )
    return _save(args, ctx, store, store, new, "store.passwd")


def convert_store(args: argparse.Namespace, ctx: Context) -> int:
    store, password = _open(args)
    fmt = se.StoreFormat(args.format) if args.format else se.format_for(args.out)
    if fmt is None:
        raise UsageError(f"--out {args.out}: cannot tell the format from the extension; give --format jks|p12|pem")
    if Path(args.out).resolve() == Path(args.file).resolve():
        raise UsageError("--out is the store itself: give another file")
    out_password = read_password(args, dest="out_password") or password
    data = se.serialize_store(store, fmt, password=out_password, now=ctx.now())
    written = se.write_new_store(args.out, data, force=args.force)
    _audit(ctx, "store.convert", file=store.path, out=str(written), format=fmt.value)
    if args.json:
        print_json({"file": store.path, "out": str(written), "format": fmt.value, "entries": _entries_json(store, ctx)})
    else:
        echo(f"convert: wrote {written} ({fmt.value}, {len(store.entries)} entries)")
    return 0
