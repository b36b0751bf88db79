"""``certbench ca create|sign``, ``cert create``, ``csr create`` and ``demo``: make pairs correctly."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.commands import Context, add_password_options, echo, identity, print_json, read_password
from certbench.core import issue
from certbench.core.actions import issuing
from certbench.core.actions.issuing import Created
from certbench.core.actions.items import item_files
from certbench.core.cnf import MergedRequest, RequestConfig, merge_request, read_request_config
from certbench.core.demo import DEMO_KEY_PASSWORD, build_demo
from certbench.core.describe import format_san, rfc4514
from certbench.core.errors import OutputExistsError, PasswordError, UsageError
from certbench.core.issue import Issuer, KeySpec, Plan, Profile, Role
from certbench.core.reading import read_bounded
from certbench.core.safe_write import write_atomic
from certbench.core.subject import parse_san, parse_subject
from certbench.core.validity import validity_days
from certbench.core.workspace import Workspace, validate_item_name

KEY_CHOICES = [spec.value for spec in KeySpec]
LEAF_PROFILE_CHOICES = [p.value for p in issue.LEAF_PROFILES]
MAX_CSR_BYTES = 1_000_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_ca(subparsers)
    _register_cert(subparsers)
    _register_csr(subparsers)
    _register_demo(subparsers)


def _register_ca(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ca create`` and ``ca sign``."""
    ca = subparsers.add_parser("ca", help="create a root or intermediate CA; sign a CSR with a workspace CA")
    ca_commands = ca.add_subparsers(title="ca commands", metavar="SUBCOMMAND", dest="ca_command")
    ca.set_defaults(handler=lambda args, ctx: _usage(ca))

    ca_create = ca_commands.add_parser(
        "create",
        help="create a root CA (or an intermediate with --issuer)",
        description="Critical CA:TRUE, keyCertSign + cRLSign, SKI/AKI, random 128-bit serial, never a TLS EKU.",
    )
    ca_create.add_argument("name", metavar="NAME", help="workspace item name")
    ca_create.add_argument(
        "--subject", required=True, metavar="SUBJ", help="/CN=Local Root CA/O=MyCompany or CN=...,O=..."
    )
    _key_option(ca_create)
    ca_create.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="validity in days (default 3650, capped to the issuing CA's remaining validity)",
    )
    ca_create.add_argument("--issuer", metavar="CA", help="make an intermediate CA signed by this workspace CA")
    ca_create.add_argument(
        "--path-length",
        type=int,
        metavar="N",
        help="basic constraints pathlen (default: none for a root, 0 for an intermediate)",
    )
    _issuer_password(ca_create)
    _key_password(ca_create)
    _common(ca_create)
    ca_create.set_defaults(handler=create_ca)

    ca_sign = ca_commands.add_parser(
        "sign",
        help="sign an external CSR with a workspace CA",
        description="Shows what the CSR asks for, then issues what the profile allows: the CA decides the "
        "extensions; the CSR's SANs are copied, a requested CA:TRUE/keyUsage/EKU is not.",
    )
    ca_sign.add_argument("ca", metavar="CA", help="the signing workspace CA")
    ca_sign.add_argument("csr", metavar="CSRFILE", help="the CSR (PEM or DER)")
    ca_sign.add_argument("--out", metavar="FILE", help="write the certificate here (PEM)")
    ca_sign.add_argument(
        "--into",
        metavar="ITEM",
        help="store the certificate in this workspace CSR item (refused unless the CSR was made with that item's key)",
    )
    ca_sign.add_argument(
        "--profile",
        default=Profile.CLIENT.value,
        choices=[*LEAF_PROFILE_CHOICES, Profile.INTERMEDIATE.value],
        help="what to issue (default client)",
    )
    ca_sign.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="validity in days (default 825, capped to the issuing CA's remaining validity)",
    )
    ca_sign.add_argument("--chain", action="store_true", help="--out gets the certificate followed by the CA chain")
    _issuer_password(ca_sign)
    ca_sign.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    ca_sign.add_argument("--json", action="store_true", help="print the result as JSON")
    ca_sign.set_defaults(handler=sign_csr)


def _register_cert(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``cert create`` (and ``cert renew`` from the identity commands)."""
    cert = subparsers.add_parser("cert", help="create leaf certificates signed by a workspace CA")
    cert_commands = cert.add_subparsers(title="cert commands", metavar="SUBCOMMAND", dest="cert_command")
    cert.set_defaults(handler=lambda args, ctx: _usage(cert))
    cert_create = cert_commands.add_parser(
        "create",
        help="create a key and a leaf certificate (client, server, client-server, tpp)",
        description="Critical CA:FALSE, key usage per key type, EKU per profile, SKI/AKI, random 128-bit serial; "
        "checked against its CA before anything is written.",
    )
    cert_create.add_argument("name", metavar="NAME", help="workspace item name")
    cert_create.add_argument("--issuer", required=True, metavar="CA", help="the signing workspace CA")
    cert_create.add_argument("--profile", choices=LEAF_PROFILE_CHOICES, help="default: from --from-cnf, else client")
    cert_create.add_argument("--subject", metavar="SUBJ", help="/CN=.../O=... or CN=...,O=... (or from --from-cnf)")
    cert_create.add_argument(
        "--san", action="append", default=[], metavar="TYPE:VALUE", help="DNS:, IP:, email:, URI: (repeat)"
    )
    cert_create.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="validity in days (default 825, capped to the issuing CA's remaining validity)",
    )
    _key_option(cert_create)
    cert_create.add_argument(
        "--from-cnf", metavar="FILE", help="take subject, key size, SANs and EKU from an OpenSSL request config"
    )
    _issuer_password(cert_create)
    _key_password(cert_create)
    _common(cert_create)
    cert_create.set_defaults(handler=create_cert)
    identity.register_cert_renew(cert_commands)


def _register_csr(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``csr create`` (and ``csr complete`` from the identity commands)."""
    csr = subparsers.add_parser("csr", help="create a key and a CSR (the key stays in the workspace)")
    csr_commands = csr.add_subparsers(title="csr commands", metavar="SUBCOMMAND", dest="csr_command")
    csr.set_defaults(handler=lambda args, ctx: _usage(csr))
    identity.register_csr_complete(csr_commands)
    csr_create = csr_commands.add_parser("create", help="create a key and a CSR")
    csr_create.add_argument("name", metavar="NAME", help="workspace item name")
    source = csr_create.add_mutually_exclusive_group(required=True)
    source.add_argument("--subject", metavar="SUBJ", help="/CN=.../O=... or CN=...,O=...")
    source.add_argument("--from-cnf", metavar="FILE", help="an OpenSSL request config (subject, key size, extensions)")
    csr_create.add_argument(
        "--san", action="append", default=[], metavar="TYPE:VALUE", help="DNS:, IP:, email:, URI: (repeat)"
    )
    csr_create.add_argument("--profile", choices=LEAF_PROFILE_CHOICES, help="also request this profile's EKU")
    _key_option(csr_create)
    csr_create.add_argument("--out", metavar="FILE", help="also write the CSR here (PEM)")
    _key_password(csr_create)
    _common(csr_create)
    csr_create.set_defaults(handler=create_csr)


def _register_demo(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="fill the workspace with demo CAs and certificates",
        description="Axway root CA, two TPP client certificates (tpp1, tpp2), a localhost server certificate, "
        "an expired client certificate, and a ConnectPay-style CA + client pair. Demo keys are public and "
        f"encrypted with the password {DEMO_KEY_PASSWORD.decode()!r}.",
    )
    demo.add_argument("--force", action="store_true", help="recreate demo items that exist")
    demo.add_argument("--json", action="store_true", help="print the created items as JSON")
    demo.set_defaults(handler=run_demo)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key", choices=KEY_CHOICES, metavar="TYPE", help=f"key type: {', '.join(KEY_CHOICES)} (default rsa:2048)"
    )


def _issuer_password(parser: argparse.ArgumentParser) -> None:
    add_password_options(
        parser, dest="issuer_key_password", flag="--issuer-key-password", what="the issuing CA key's password"
    )


def _key_password(parser: argparse.ArgumentParser) -> None:
    add_password_options(
        parser, dest="key_password", flag="--key-password", what="the password for the new private key"
    )
    parser.add_argument(
        "--no-key-password", action="store_true", help="store the new private key unencrypted (mode 0600 still)"
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace an item with the same name")
    parser.add_argument("--json", action="store_true", help="print the created item as JSON")


def _note(message: str) -> None:
    echo(f"certbench: note: {' '.join(message.split())}", err=True)


def _new_key_password(args: argparse.Namespace) -> bytes | None:
    given = bool(getattr(args, "key_password_env", None) or getattr(args, "key_password_file", None))
    if args.no_key_password:
        if given:
            raise UsageError("give either a key password or --no-key-password, not both")
        return None
    password = read_password(args, dest="key_password", prompt="Password for the new private key", confirm=True)
    if password is None:
        raise UsageError(
            "the new private key needs a password: --key-password-env VAR, --key-password-file FILE, "
            "a terminal prompt, or --no-key-password to store it unencrypted"
        )
    if not password:
        raise UsageError("the key password is empty: give one, or use --no-key-password")
    return password


def _days(requested: int | None, default: int, issuer: Issuer | None, now: datetime) -> int:
    """The explicit --days, else the default capped to what the issuing CA has left (with a note)."""
    not_after = issuer.certificate.not_valid_after_utc if issuer is not None else None
    days, note = validity_days(requested, default, not_after, now)
    if note:
        _note(note)
    return days


def _load_issuer(args: argparse.Namespace, workspace: Workspace, name: str) -> Issuer:
    item = workspace.get(name)
    password = None
    if item.key_encrypted:
        password = read_password(args, dest="issuer_key_password", prompt=f"Password of the key of CA {name!r}")
        if password is None:
            raise PasswordError(
                f"the key of CA {name!r} is encrypted: give its password with --issuer-key-password-env VAR or "
                "--issuer-key-password-file FILE (or run in a terminal to be asked)",
                path=item.key_path,
                missing=True,
            )
    return issuing.load_issuer(workspace, name, password)


def _refuse_existing(workspace: Workspace, name: str, force: bool) -> None:
    validate_item_name(name)
    if workspace.has(name) and not force:
        raise OutputExistsError(f"an item named {name!r} already exists; use --force to replace it")


def _report(created: Created, args: argparse.Namespace, ctx: Context, *, what: str) -> int:
    for warning in created.warnings:
        _note(warning)
    item = created.item
    now = ctx.now()
    if args.json:
        data = item.to_json(now)
        data["files"] = item_files(item)
        data["warnings"] = list(created.warnings)
        print_json(data)
        return 0
    echo(f"created {what} {item.name!r}: {item.subject}")
    if item.not_after is not None:
        echo(f"  valid until {item.not_after:%Y-%m-%d} ({item.days_left(now)} days)  sha256 {item.sha256}")
    for label, path in item_files(item).items():
        extra = (
            " (encrypted)" if label == "key" and item.key_encrypted else (" (NOT encrypted)" if label == "key" else "")
        )
        echo(f"  {label}: {path}{extra}")
    return 0


def create_ca(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    now = ctx.now()
    _refuse_existing(workspace, args.name, args.force)
    subject = parse_subject(args.subject)
    role = Role.INTERMEDIATE if args.issuer else Role.ROOT
    issuer = _load_issuer(args, workspace, args.issuer) if args.issuer else None
    plan = Plan(
        role,
        subject,
        key_spec=KeySpec(args.key or KeySpec.RSA_2048.value),
        days=_days(args.days, issue.DEFAULT_CA_DAYS, issuer, now),
        path_length=args.path_length,
    )
    issue.validate_plan(plan, issuer=issuer.certificate if issuer else None, now=now)
    password = _new_key_password(args)
    created = issuing.create_item(
        workspace,
        args.name,
        plan,
        now=now,
        key_password=password,
        issuer=issuer,
        issuer_name=args.issuer,
        overwrite=args.force,
    )
    return _report(created, args, ctx, what="intermediate CA" if args.issuer else "root CA")


def _from_cnf(path: str | None) -> RequestConfig | None:
    if not path:
        return None
    config = read_request_config(path)
    for note in config.notes:
        _note(f"{path}: {note}")
    return config


def _merge(args: argparse.Namespace, config: RequestConfig | None, *, default_profile: Profile | None) -> MergedRequest:
    """The command line over the config (core.cnf.merge_request); its notes printed."""
    request = merge_request(
        config,
        subject=parse_subject(args.subject) if args.subject else None,
        sans=[parse_san(text) for text in args.san],
        profile=Profile(args.profile) if args.profile else None,
        key_spec=KeySpec(args.key) if args.key else None,
        default_profile=default_profile,
    )
    for note in request.notes:
        _note(note)
    return request


def create_cert(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    _refuse_existing(workspace, args.name, args.force)
    config = _from_cnf(args.from_cnf)
    if config is not None and config.ca:
        raise UsageError("the config asks for CA:TRUE: make CAs with 'certbench ca create'", path=config.path)
    request = _merge(args, config, default_profile=Profile.CLIENT)
    profile = request.profile or Profile.CLIENT
    issuer = _load_issuer(args, workspace, args.issuer)
    now = ctx.now()
    days = _days(args.days, issue.DEFAULT_LEAF_DAYS, issuer, now)
    plan = Plan(Role.LEAF, request.subject, key_spec=request.key_spec, days=days, profile=profile, sans=request.sans)
    issue.validate_plan(plan, issuer=issuer.certificate, now=now)
    password = _new_key_password(args)
    created = issuing.create_item(
        workspace,
        args.name,
        plan,
        now=now,
        key_password=password,
        issuer=issuer,
        issuer_name=args.issuer,
        overwrite=args.force,
    )
    return _report(created, args, ctx, what=f"{profile.value} certificate")


def create_csr(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    _refuse_existing(workspace, args.name, args.force)
    if args.out and Path(args.out).exists() and not args.force:
        raise OutputExistsError("already exists; use --force to overwrite it", path=args.out)
    config = _from_cnf(args.from_cnf)
    request = _merge(args, config, default_profile=None)
    plan = Plan(
        Role.CSR,
        request.subject,
        key_spec=request.key_spec,
        profile=request.profile,
        sans=request.sans,
        requested_key_usage=config.key_usage if config else (),
        hash_name=config.hash_name if config else None,
    )
    password = _new_key_password(args)
    now = ctx.now()
    created = issuing.create_item(workspace, args.name, plan, now=now, key_password=password, overwrite=args.force)
    if args.out and created.csr is not None:
        write_atomic(args.out, created.csr.public_bytes(serialization.Encoding.PEM), overwrite=args.force)
    return _report(created, args, ctx, what="CSR")


def _read_csr(path: str) -> x509.CertificateSigningRequest:
    source = Path(path)
    data = read_bounded(source, MAX_CSR_BYTES, what="a CSR", error=UsageError)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_csr(data)
        return x509.load_der_x509_csr(data)
    except ValueError as exc:
        raise UsageError(f"is not a certificate signing request (PEM or DER): {exc}", path=source) from exc


def sign_csr(args: argparse.Namespace, ctx: Context) -> int:
    if not args.out and not args.into:
        raise UsageError("say where the certificate goes: --out FILE and/or --into ITEM")
    if args.out and Path(args.out).exists() and not args.force:
        raise OutputExistsError("already exists; use --force to overwrite it", path=args.out)
    workspace = ctx.workspace
    csr = _read_csr(args.csr)
    try:
        request = issue.read_csr_request(csr)
    except UsageError as exc:
        raise exc.with_path(args.csr) from exc
    owner = issuing.csr_owner(workspace, csr)
    if not args.json:
        echo(f"CSR {args.csr} asks for:")
        for label, value in request.rows():
            echo(f"  {label}: {value}")
        if owner:
            echo(f"  Key: held by workspace item {owner!r}")
    if args.into:
        issuing.check_sign_target(workspace, csr, args.into)  # before asking for the CA's password
    profile = issue.parse_profile(args.profile, allow_intermediate=True)
    issuer = _load_issuer(args, workspace, args.ca)
    now = ctx.now()
    default_days = issue.DEFAULT_CA_DAYS if profile is Profile.INTERMEDIATE else issue.DEFAULT_LEAF_DAYS
    signed = issuing.sign_request(
        workspace,
        csr,
        issuer=issuer,
        issuer_name=args.ca,
        profile=profile,
        now=now,
        days=_days(args.days, default_days, issuer, now),
        out=args.out,
        into=args.into,
        with_chain=args.chain,
        overwrite=args.force,
        source=args.csr,
    )
    for note in signed.issued.notes:
        _note(note)
    certificate = signed.issued.certificate
    result: dict[str, Any] = {
        "subject": rfc4514(certificate.subject),
        "issuer": rfc4514(certificate.issuer),
        "serial": f"{certificate.serial_number:x}",
        "not_before": f"{certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}",
        "not_after": f"{certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}",
        "profile": profile.value,
        "sans": [format_san(n) for n in request.sans] if profile is not Profile.INTERMEDIATE else [],
        "notes": list(signed.issued.notes),
        "out": args.out,
        "into": args.into,
    }
    if args.json:
        print_json(result)
    else:
        echo(f"signed {profile.value} certificate, serial {result['serial']}, valid until {result['not_after'][:10]}")
        if args.out:
            echo(f"  cert: {args.out}")
        if args.into:
            echo(f"  stored in item {args.into!r}")
    return 0


def run_demo(args: argparse.Namespace, ctx: Context) -> int:
    workspace = ctx.workspace
    now = ctx.now()
    created = build_demo(workspace, now=now, overwrite=args.force)
    if args.json:
        print_json({"items": [c.item.to_json(now) for c in created], "key_password": DEMO_KEY_PASSWORD.decode()})
        return 0
    echo(f"demo workspace {workspace.root}:")
    for c in created:
        days = c.item.days_left(now)
        state = "EXPIRED" if days is not None and days < 0 else f"{days} days left"
        echo(f"  {c.item.name:<20} {c.item.kind.value:<5} {state:<16} {c.item.subject}")
    echo(f"demo keys are public test material, encrypted with the password {DEMO_KEY_PASSWORD.decode()!r}")
    return 0
