"""``certbench jar build`` and ``certbench export``: keystore JARs, PKCS#12, JKS and chain files.

Exit codes: 0 written; 1 refused by the checklist (each failed check on its own line on stderr);
2 usage, unreadable input, wrong password, or an existing output without ``--force``.
``certbench jar check FILE.jar`` prints the same checklist for an existing JAR (exit 1 when a rule fails).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from certbench.commands import Context, add_password_options, echo, print_json, read_password
from certbench.core import keystore as ks
from certbench.core.actions import bundles
from certbench.core.checks import Check, blocking_failures
from certbench.core.describe import rfc4514
from certbench.core.errors import OutputExistsError, PasswordError, UsageError
from certbench.core.formats.jar import MAX_ARCHIVE_BYTES, load_keystore_jar
from certbench.core.formats.load import load_file
from certbench.core.gateway import check_keystore_jar
from certbench.core.reading import read_bounded
from certbench.core.workspace import validate_item_name

EXIT_OK = 0
EXIT_REFUSED = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jar = subparsers.add_parser("jar", help="build gateway keystore JARs (descriptor.properties, chain PEM, key PEM)")
    commands = jar.add_subparsers(title="jar commands", metavar="SUBCOMMAND", dest="jar_command")
    jar.set_defaults(handler=lambda args, ctx: _usage(jar))

    build = commands.add_parser(
        "build",
        help="build a keystore JAR from a workspace item or from --cert/--key files",
        description="Writes META-INF/MANIFEST.MF, META-INF/descriptor.properties, NAME.pem (the chain, leaf to "
        "root, completed from the workspace CAs) and NAMEKey.pem (PKCS#8). The gateway checklist must pass, "
        "or nothing is written and each failed check is printed (exit 1).",
    )
    _add_source_options(build)
    build.add_argument("--out", required=True, metavar="FILE.jar", help="the keystore JAR to write")
    build.add_argument(
        "--name", metavar="BASENAME", help="entry base name, letters and digits (default: the item name, alphanumeric)"
    )
    add_password_options(build, dest="key_password", flag="--key-password", what="the password to encrypt the key")
    build.add_argument(
        "--no-key-password", action="store_true", help="store the key unencrypted (only when the gateway wants it)"
    )
    build.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    build.add_argument("--json", action="store_true", help="print the checklist and result as JSON")
    build.set_defaults(handler=build_jar)

    check = commands.add_parser(
        "check",
        help="run the gateway checklist on an existing keystore JAR",
        description="Reads FILE.jar as the gateway would (descriptor, chain PEM, key PEM) and prints the checklist. "
        "Exit 1 when a rule fails.",
    )
    check.add_argument("jar", metavar="FILE.jar", help="the keystore JAR to check")
    add_password_options(check, dest="key_password", flag="--key-password", what="the password of the key in the JAR")
    check.add_argument("--json", action="store_true", help="print the checklist as JSON")
    check.set_defaults(handler=check_jar)

    export = subparsers.add_parser(
        "export",
        help="export an item as pem-chain, pem-cert, der, key, p12, jks or p7b",
        description="pem-chain: leaf to root, an empty line between blocks. key: PKCS#8, encrypted unless "
        "--no-key-password. p12: key + chain, friendly name = item name, AES-256/PBKDF2 (or --legacy "
        "PBE-SHA1-3DES), always with a MAC. jks: one PrivateKeyEntry with its chain. p7b: certificates only.",
    )
    _add_source_options(export)
    export.add_argument("--format", required=True, choices=[k.value for k in ks.EXPORT_KINDS], help="what to write")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    add_password_options(export, what="the output password (key, PKCS#12, JKS store)")
    add_password_options(
        export, dest="key_password", flag="--key-password", what="the JKS key entry password (default: the store's)"
    )
    export.add_argument("--legacy", action="store_true", help="p12: PBE-SHA1-3DES + SHA-1 MAC for old consumers")
    export.add_argument("--no-root", action="store_true", help="leave the self-signed root out of the chain")
    export.add_argument("--no-key-password", action="store_true", help="key: write the key unencrypted")
    export.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.set_defaults(handler=export_bundle)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("item", nargs="?", metavar="ITEM", help="the workspace item")
    parser.add_argument("--cert", metavar="FILE", help="instead of ITEM: the certificate (first one is the leaf)")
    parser.add_argument("--key", metavar="FILE", help="with --cert: the private key")
    parser.add_argument("--chain", metavar="FILE", help="with --cert: the issuer certificates")
    add_password_options(
        parser,
        dest="in_password",
        flag="--in-password",
        what="the password of the item's key or of --key (default: the output password)",
    )


def _source(args: argparse.Namespace, ctx: Context, *, need_key: bool, out_password: bytes | None) -> ks.BundleSource:
    in_password = read_password(args, dest="in_password") or out_password
    if args.item and args.cert:
        raise UsageError("give either ITEM or --cert FILE, not both")
    if args.item:
        if args.key or args.chain:
            raise UsageError("--key and --chain go with --cert FILE, not with ITEM")
        workspace = ctx.workspace
        item = workspace.get(validate_item_name(args.item))
        try:
            return ks.source_from_item(workspace, item, key_password=in_password, need_key=need_key)
        except PasswordError as error:
            if not error.missing:
                raise
            hint = "give it with --in-password-env VAR or --in-password-file FILE"
            raise PasswordError(f"{error.message}: {hint}", path=error.path, missing=True) from error
    if not args.cert:
        raise UsageError("give a workspace ITEM or --cert FILE")
    if need_key and not args.key:
        raise UsageError("this bundle needs the private key: add --key FILE")
    certificates = load_file(args.cert, password=in_password)
    chain = load_file(args.chain, password=in_password) if args.chain else None
    key = load_file(args.key, password=in_password) if need_key and args.key else None
    name = Path(args.cert).name.split(".")[0] or "certificate"
    return ks.source_from_materials(name, certificates, key=key, chain=chain, pool=ks.workspace_ca_pool(ctx.workspace))


def _refuse_existing(out: str, force: bool) -> None:
    if Path(out).exists() and not force:
        raise OutputExistsError("already exists; use --force to overwrite it", path=out)


def _check_line(check: Check) -> str:
    mark = "ok  " if check.passed else ("FAIL" if check.severity == "error" else "warn")
    return f"  [{mark}] {check.title}: {check.reason}"


def _report(
    args: argparse.Namespace, bundle: ks.Bundle, source: ks.BundleSource, written: Path | None
) -> dict[str, Any]:
    return {
        "ok": bundle.ok,
        "kind": str(bundle.kind),
        "out": str(written) if written else None,
        "bytes": len(bundle.data) if written else None,
        "item": source.name,
        "chain": [rfc4514(c.subject) for c in source.chain],
        "checks": [check.to_json() for check in bundle.checks],
    }


def _finish(args: argparse.Namespace, ctx: Context, bundle: ks.Bundle, source: ks.BundleSource) -> int:
    if not bundle.ok:
        if args.json:
            print_json(_report(args, bundle, source, None))
        for check in bundle.failures:
            echo(f"certbench: refused: {check.title}: {check.reason}", err=True)
        return EXIT_REFUSED
    written = bundles.write_bundle(ctx.workspace, source.name, bundle, args.out, now=ctx.now(), overwrite=args.force)
    if args.json:
        print_json(_report(args, bundle, source, written))
        return EXIT_OK
    for check in bundle.checks:
        if check.severity == "warning" and not check.passed:
            echo(f"certbench: warning: {check.title}: {check.reason}", err=True)
    echo(f"wrote {written} ({bundle.kind}, {len(bundle.data)} bytes)")
    for check in bundle.checks:
        echo(_check_line(check))
    return EXIT_OK


def build_jar(args: argparse.Namespace, ctx: Context) -> int:
    _refuse_existing(args.out, args.force)
    if args.no_key_password and (args.key_password_env or args.key_password_file):
        raise UsageError("give a key password or --no-key-password, not both")
    key_password = None
    if not args.no_key_password:
        key_password = read_password(args, dest="key_password", prompt="Password for the key in the JAR", confirm=True)
        if not key_password:
            raise PasswordError(
                "the key in the JAR is encrypted: give --key-password-env VAR or --key-password-file FILE "
                "(or --no-key-password for an unencrypted key)",
                missing=True,
            )
    source = _source(args, ctx, need_key=True, out_password=key_password)
    bundle = ks.build_keystore_jar(source, now=ctx.now(), name=args.name, key_password=key_password)
    return _finish(args, ctx, bundle, source)


def export_bundle(args: argparse.Namespace, ctx: Context) -> int:
    kind = ks.BundleKind(args.format)
    _refuse_existing(args.out, args.force)
    if args.legacy and kind is not ks.BundleKind.P12:
        raise UsageError("--legacy applies to --format p12 only")
    if args.no_key_password and kind is not ks.BundleKind.KEY:
        raise UsageError("--no-key-password applies to --format key only (PKCS#12 and JKS always have a password)")
    if (args.key_password_env or args.key_password_file) and kind is not ks.BundleKind.JKS:
        raise UsageError("--key-password-env/--key-password-file apply to --format jks only")
    password = None
    key_password = None
    if kind in (ks.BundleKind.P12, ks.BundleKind.JKS) or (kind is ks.BundleKind.KEY and not args.no_key_password):
        password = read_password(args, prompt=f"Password for the {kind} file", confirm=True)
        if not password:
            raise PasswordError(
                f"a {kind} export needs a password: give --password-env VAR or --password-file FILE"
                + (" (or --no-key-password)" if kind is ks.BundleKind.KEY else ""),
                missing=True,
            )
        if kind is ks.BundleKind.JKS:
            key_password = read_password(args, dest="key_password")
    source = _source(args, ctx, need_key=kind.needs_key, out_password=password)
    bundle = ks.build_export(
        source,
        kind,
        now=ctx.now(),
        password=password,
        key_password=key_password,
        legacy=args.legacy,
        no_root=args.no_root,
        encrypt_key=not args.no_key_password,
    )
    return _finish(args, ctx, bundle, source)


def check_jar(args: argparse.Namespace, ctx: Context) -> int:
    path = Path(args.jar)
    data = read_bounded(path, MAX_ARCHIVE_BYTES, what="a keystore JAR")
    password = read_password(args, dest="key_password", prompt="Password of the key in the JAR")
    material = load_keystore_jar(data, path=str(path), password=password)
    checks = check_keystore_jar(material, now=ctx.now(), key_password=password)
    failures = blocking_failures(checks)
    if args.json:
        print_json(
            {
                "ok": not failures,
                "path": str(path),
                "certFile": material.details.get("certFile"),
                "keyFile": material.details.get("keyFile"),
                "chain": [rfc4514(c.subject) for c in material.certificates],
                "checks": [check.to_json() for check in checks],
            }
        )
    else:
        echo(f"{path}: {len(material.certificates)} certificate(s), key {material.details.get('keyFile')}")
        for check in checks:
            echo(_check_line(check))
    return EXIT_REFUSED if failures else EXIT_OK
