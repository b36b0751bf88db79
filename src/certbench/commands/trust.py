"""``certbench trust build|list|diff``: assemble, list and compare truststores."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from certbench.commands import Context, add_password_options, echo, print_json, print_table, read_password, window_days
from certbench.core import truststore as ts
from certbench.core.actions.trust import build_truststore
from certbench.core.errors import OutputExistsError, PasswordError, UsageError, WorkspaceError
from certbench.core.formats.load import load_file
from certbench.core.system_bundle import system_bundle_path
from certbench.core.workspace import Workspace, validate_item_name

EXIT_EQUAL = 0
EXIT_DIFFERENT = 1

WORKSPACE_PREFIX = "ws:"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trust = subparsers.add_parser("trust", help="assemble, list and compare truststores (PEM, JKS, PKCS#12)")
    commands = trust.add_subparsers(title="trust commands", metavar="SUBCOMMAND", dest="trust_command")
    trust.set_defaults(handler=lambda args, ctx: _usage(trust))

    build = commands.add_parser(
        "build",
        help="build a truststore from files, workspace CAs and the system bundle",
        description="Deduplicates by SHA-256, gives each certificate an alias from its subject CN, and reports "
        "what was added, skipped as duplicate, or dropped as expired, non-CA or filtered.",
    )
    build.add_argument("inputs", nargs="*", metavar="INPUT", help="a file inspect reads, or a workspace item (ws:NAME)")
    build.add_argument("--out", required=True, metavar="FILE", help="the truststore to write")
    build.add_argument(
        "--format",
        choices=[f.value for f in ts.TrustFormat],
        help="output format (default: from the --out extension: .pem/.crt/.cer, .jks, .p12/.pfx)",
    )
    build.add_argument("--system-trust", action="store_true", help="also add the operating system's CA bundle")
    build.add_argument("--ca-only", action="store_true", help="drop certificates that are not CAs")
    build.add_argument("--drop-expired", action="store_true", help="drop certificates already expired")
    build.add_argument(
        "--include", action="append", default=[], metavar="SUBSTRING", help="keep only subjects containing this"
    )
    build.add_argument(
        "--exclude", action="append", default=[], metavar="SUBSTRING", help="drop subjects containing this"
    )
    build.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    add_password_options(build, what="the truststore password (JKS, PKCS#12)")
    add_password_options(build, dest="input_password", flag="--input-password", what="the inputs' password")
    build.set_defaults(handler=build_store)

    listing = commands.add_parser("list", help="list the certificates of any readable store")
    listing.add_argument("file", metavar="FILE")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--days", type=int, default=ts.DEFAULT_WARN_DAYS, help="flag expiry within N days")
    add_password_options(listing, what="the store's password")
    listing.set_defaults(handler=list_store)

    diff = commands.add_parser("diff", help="compare two stores: added, removed, close to expiry (exit 1 if different)")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--json", action="store_true", help="print a JSON object")
    diff.add_argument(
        "--days", type=int, default=ts.DEFAULT_WARN_DAYS, help="close to expiry: within N days (default 30)"
    )
    add_password_options(diff, what="the stores' password (used for both)")
    diff.set_defaults(handler=diff_stores)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


# -- build ------------------------------------------------------------------------------------------


def collect_sources(inputs: Sequence[str], ctx: Context, *, password: bytes | None, system: bool) -> list[ts.Source]:
    """Files, workspace items and (optionally) the system bundle, in the order given."""
    sources: list[ts.Source] = []
    for value in inputs:
        sources.append(_source_for(value, ctx, password=password))
    if system:
        bundle = system_bundle_path()
        if bundle is None:
            raise UsageError("--system-trust: no system CA bundle found (set SSL_CERT_FILE to its path)")
        sources.append(ts.source_from_material(load_file(bundle), label=f"system:{bundle}"))
    return sources


def _source_for(value: str, ctx: Context, *, password: bytes | None) -> ts.Source:
    if value.startswith(WORKSPACE_PREFIX):
        return _item_source(ctx.workspace, value[len(WORKSPACE_PREFIX) :])
    path = Path(value)
    if path.exists():
        try:
            return ts.source_from_material(load_file(path, password=password))
        except PasswordError as exc:
            hint = "(use --input-password-env VAR or --input-password-file FILE)"
            raise PasswordError(f"{exc.message} {hint}", path=exc.path or path, missing=exc.missing) from exc
    try:
        validate_item_name(value)
    except UsageError:
        raise UsageError(f"{value}: no such file") from None
    workspace = ctx.workspace
    if workspace.has(value):
        return _item_source(workspace, value)
    raise UsageError(f"{value}: no such file, and no workspace item of that name in {workspace.root}")


def _item_source(workspace: Workspace, name: str) -> ts.Source:
    item = workspace.get(name)
    if not item.cert_path.is_file():
        raise WorkspaceError(f"workspace item {name!r} has no certificate (a CSR?)", path=item.cert_path)
    return ts.source_from_item(workspace, item)


def _output_format(args: argparse.Namespace) -> ts.TrustFormat:
    if args.format:
        return ts.TrustFormat(args.format)
    guessed = ts.format_for_path(args.out)
    if guessed is None:
        raise UsageError(f"--out {args.out}: cannot tell the format from the extension; give --format pem|jks|p12")
    return guessed


def build_store(args: argparse.Namespace, ctx: Context) -> int:
    if not args.inputs and not args.system_trust:
        raise UsageError("trust build: give at least one INPUT or --system-trust")
    fmt = _output_format(args)
    if Path(args.out).exists() and not args.force:
        raise OutputExistsError("already exists; use --force to overwrite it", path=args.out)
    now = ctx.now()
    password = None
    if fmt is not ts.TrustFormat.PEM:
        password = read_password(args, prompt="Truststore password", confirm=True)
        if not password:
            raise UsageError(
                f"a {fmt.value.upper()} truststore needs a password: --password-env VAR or --password-file FILE"
            )
    input_password = read_password(args, dest="input_password")
    sources = collect_sources(args.inputs, ctx, password=input_password, system=args.system_trust)
    candidates = ts.collect_candidates(sources)
    filters = ts.Filters(
        ca_only=args.ca_only,
        drop_expired=args.drop_expired,
        include=tuple(args.include),
        exclude=tuple(args.exclude),
    )
    plan = ts.select_entries(candidates, filters, now=now)
    # Recorded when a workspace is already there (never create one just for the audit log).
    workspace = ctx.workspace if (ctx.workspace_path / "items").is_dir() else None
    out = build_truststore(
        args.out,
        plan.entries,
        fmt,
        password=password,
        now=now,
        overwrite=args.force,
        workspace=workspace,
        inputs=args.inputs,
    )
    problems = [f"{s.label}: {p}" for s in sources for p in s.problems]
    if args.json:
        print_json({"out": str(out), "format": fmt.value, **plan.to_json(now), "problems": problems})
        return 0
    for decision in plan.decisions:
        _print_decision(decision, now)
    for problem in problems:
        echo(f"warning   {problem}")
    echo(
        f"wrote {out} ({fmt.value}): {plan.count(ts.Status.ADDED)} added, "
        f"{plan.count(ts.Status.DUPLICATE)} duplicate, {plan.count(ts.Status.EXPIRED)} expired dropped, "
        f"{plan.count(ts.Status.NON_CA)} non-CA dropped, {plan.count(ts.Status.FILTERED)} filtered out"
    )
    return 0


def _print_decision(decision: ts.Decision, now: datetime) -> None:
    candidate = decision.candidate
    label = {
        ts.Status.ADDED: "added",
        ts.Status.DUPLICATE: "duplicate",
        ts.Status.EXPIRED: "expired",
        ts.Status.NON_CA: "non-ca",
        ts.Status.FILTERED: "filtered",
    }[decision.status]
    notes = []
    if decision.status is ts.Status.ADDED:
        if candidate.is_expired(now):
            notes.append("EXPIRED")
        if not candidate.is_ca:
            notes.append("not a CA")
    if decision.reason:
        notes.append(decision.reason)
    suffix = f"  [{'; '.join(notes)}]" if notes else ""
    echo(f"{label:<9} {candidate.alias}  {candidate.subject}  (from {candidate.source}){suffix}")


# -- list -------------------------------------------------------------------------------------------


def _read_store(path: str, password: bytes | None) -> list[ts.Candidate]:
    return ts.store_candidates(load_file(path, password=password))


def list_store(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    window_days(args.days, option="--days")
    password = read_password(args)
    candidates = _read_store(args.file, password)
    if args.json:
        print_json([ts.candidate_json(c, now) for c in candidates])
        return 0
    rows = [("ALIAS", "NOT AFTER", "DAYS", "CA", "SUBJECT")]
    for candidate in candidates:
        days = candidate.days_left(now)
        rows.append(
            (
                candidate.alias,
                candidate.not_after.strftime("%Y-%m-%d"),
                f"{days}" + (" EXPIRED" if days < 0 else " SOON" if days <= args.days else ""),
                "yes" if candidate.is_ca else "no",
                candidate.subject,
            )
        )
    print_table(rows)
    echo(f"{len(candidates)} certificate(s) in {args.file}")
    return 0


# -- diff -------------------------------------------------------------------------------------------


def diff_stores(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    window_days(args.days, option="--days")
    password = read_password(args)
    result = ts.diff_truststores(
        _read_store(args.old, password), _read_store(args.new, password), now=now, warn_days=args.days
    )
    if args.json:
        print_json(result.to_json(now))
        return EXIT_EQUAL if result.equal else EXIT_DIFFERENT
    for candidate in result.added:
        echo(f"+ {candidate.alias}  {candidate.subject}  (expires {candidate.not_after:%Y-%m-%d})")
    for candidate in result.removed:
        echo(f"- {candidate.alias}  {candidate.subject}  (expires {candidate.not_after:%Y-%m-%d})")
    for candidate in result.expired:
        days = -candidate.days_left(now)
        echo(f"! {candidate.alias}  {candidate.subject}  (EXPIRED {days} day(s) ago, {candidate.not_after:%Y-%m-%d})")
    for candidate in result.expiring:
        state = f"expires in {candidate.days_left(now)} day(s)"
        echo(f"! {candidate.alias}  {candidate.subject}  ({state}, {candidate.not_after:%Y-%m-%d})")
    verdict = "same certificates" if result.equal else f"{len(result.added)} added, {len(result.removed)} removed"
    soon = f"{len(result.expiring)} close to expiry (within {args.days} days)"
    echo(f"{verdict}; {result.unchanged} in both; {len(result.expired)} expired; {soon}")
    return EXIT_EQUAL if result.equal else EXIT_DIFFERENT
