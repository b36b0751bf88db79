"""Workspace item workflows: create an item (key, certificate or CSR) and complete a CSR item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.describe import format_san
from certbench.core.errors import IssuanceError, OutputExistsError, UsageError
from certbench.core.issue.builders import issue_intermediate_ca, issue_leaf, issue_root_ca
from certbench.core.issue.csrs import create_csr
from certbench.core.issue.keys import as_issuer_key, generate_key, key_spec_of, serialize_private_key
from certbench.core.issue.plans import Plan, validate_plan
from certbench.core.issue.preflight import check_key_matches
from certbench.core.issue.primitives import Issued, Issuer
from certbench.core.issue.profiles import Role
from certbench.core.linking import same_key
from certbench.core.reading import read_workspace_file
from certbench.core.subject import format_subject
from certbench.core.workspace import Item, ItemKind, Workspace, validate_item_name


@dataclass(frozen=True)
class Created:
    """What :func:`create_item` stored."""

    item: Item
    certificate: x509.Certificate | None
    csr: x509.CertificateSigningRequest | None
    warnings: tuple[str, ...] = ()


def load_issuer(workspace: Workspace, name: str, password: bytes | None) -> Issuer:
    """A workspace CA with its key (``password`` for an encrypted key) and its issuer chain."""
    item = workspace.get(name)
    if item.kind is not ItemKind.CA:
        raise UsageError(f"item {name!r} is a {item.kind.value}, not a CA: give a CA item as the issuer")
    certificate = workspace.load_certificate(item)
    key = as_issuer_key(workspace.load_private_key(item, password))
    check_key_matches(certificate, key, what=f"the CA {name!r}")
    return Issuer(certificate, key, tuple(workspace.load_chain(item)))


def create_item(
    workspace: Workspace,
    name: str,
    plan: Plan,
    *,
    now: datetime,
    key_password: bytes | None,
    issuer: Issuer | None = None,
    issuer_name: str | None = None,
    overwrite: bool = False,
    key: CertificateIssuerPrivateKeyTypes | None = None,
    serial: int | None = None,
) -> Created:
    """Generate the key (unless given), make the certificate or CSR, check it, then store the item.

    ``key_password`` None stores the key unencrypted (callers ask for an explicit opt-out). Nothing is
    written when any step fails.
    """
    validate_item_name(name)
    if workspace.has(name) and not overwrite:
        raise OutputExistsError(f"an item named {name!r} already exists; use --force to replace it")
    warnings = validate_plan(plan, issuer=issuer.certificate if issuer else None, now=now)
    if key_password is not None and key_password == b"":
        raise UsageError("an empty key password is not allowed: give one, or choose no password explicitly")
    if key is None:
        key = generate_key(plan.key_spec)
    elif key_spec_of(key) is not plan.key_spec:
        raise UsageError(f"the key given is {key_spec_of(key).label}, the plan asks for {plan.key_spec.label}")
    certificate: x509.Certificate | None = None
    chain: tuple[x509.Certificate, ...] = ()
    kind, issued, csr = _make(plan, key, issuer=issuer, now=now, serial=serial)
    if issued is not None:
        certificate, chain = issued.certificate, issued.chain
        warnings.extend(issued.notes)
        check_key_matches(certificate, key)
    key_pem = serialize_private_key(key, key_password)
    item = workspace.save_item(
        name,
        kind,
        now=now,
        certificate=certificate,
        chain=chain,
        key_pem=key_pem,
        key_encrypted=key_password is not None,
        csr=csr,
        issuer=issuer_name,
        extra=_metadata(plan, certificate),
        overwrite=overwrite,
    )
    workspace.audit(
        "create",
        now,
        item=name,
        role=plan.role.value,
        profile=plan.profile.value if plan.profile else None,
        issuer=issuer_name,
        key_type=plan.key_spec.value,
        encrypted=key_password is not None,
    )
    return Created(item, certificate, csr, tuple(warnings))


def _make(
    plan: Plan,
    key: CertificateIssuerPrivateKeyTypes,
    *,
    issuer: Issuer | None,
    now: datetime,
    serial: int | None,
) -> tuple[ItemKind, Issued | None, x509.CertificateSigningRequest | None]:
    """The certificate (issued) or CSR the plan asks for, and the item kind that holds it."""
    csr: x509.CertificateSigningRequest | None = None
    if plan.role is Role.ROOT:
        issued = issue_root_ca(
            plan.subject, key=key, now=now, days=plan.days, path_length=plan.path_length, serial=serial
        )
        kind = ItemKind.CA
    elif plan.role is Role.INTERMEDIATE:
        if issuer is None:
            raise UsageError("an intermediate CA needs an issuing CA (--issuer CA)")
        issued = issue_intermediate_ca(
            plan.subject,
            key=key,
            issuer=issuer,
            now=now,
            days=plan.days,
            path_length=0 if plan.path_length is None else plan.path_length,
            serial=serial,
        )
        kind = ItemKind.CA
    elif plan.role is Role.LEAF:
        if issuer is None or plan.profile is None:
            raise UsageError("a leaf needs an issuing CA (--issuer CA) and a profile")
        issued = issue_leaf(
            plan.subject,
            key=key,
            issuer=issuer,
            profile=plan.profile,
            sans=plan.sans,
            now=now,
            days=plan.days,
            serial=serial,
        )
        kind = ItemKind.LEAF
    else:
        issued = None
        kind = ItemKind.CSR
        csr = create_csr(
            plan.subject,
            key=key,
            sans=plan.sans,
            profile=plan.profile,
            key_usage=plan.requested_key_usage,
            hash_name=plan.hash_name,
        )
    return kind, issued, csr


def _metadata(plan: Plan, certificate: x509.Certificate | None) -> dict[str, Any]:
    """What ``item.json`` records about how the item was made."""
    extra: dict[str, Any] = {"role": plan.role.value, "key_type": plan.key_spec.value}
    if plan.profile is not None:
        extra["profile"] = plan.profile.value
    if plan.sans:
        extra["sans"] = [format_san(n) for n in plan.sans]
    if certificate is not None:
        extra["serial"] = f"{certificate.serial_number:x}"
    return extra


def complete_csr_item(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    issuer_name: str | None = None,
) -> Item:
    """Turn a CSR item into a leaf once its certificate is signed; refuses a certificate for another key.

    This is where the Axway seed's mistake (``tpp2.crt`` signed from ``tpp1.csr``) is caught: the
    certificate's public key must be the one in the item's CSR (the item's own key).
    """
    with workspace.lock(f"complete CSR item {name}"):  # read the CSR item and replace it in one step
        return _complete_csr_item(workspace, name, certificate, chain, now=now, issuer_name=issuer_name)


def _complete_csr_item(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    issuer_name: str | None,
) -> Item:
    item = workspace.get(name)
    if item.kind is not ItemKind.CSR:
        raise UsageError(f"item {name!r} is a {item.kind.value}, not a CSR item")
    csr = workspace.load_csr(item)
    if not same_key(certificate, csr):
        raise IssuanceError(
            f"this certificate ({format_subject(certificate.subject)}) was signed from another CSR: its public key is "
            f"not the key of item {name!r}, so the pair would not work; sign {name!r}'s own CSR ({item.csr_path})"
        )
    key_pem = read_workspace_file(item.key_path) if item.key_path.is_file() else None
    extra = dict(item.extra)
    extra["serial"] = f"{certificate.serial_number:x}"
    extra["role"] = Role.LEAF.value
    saved = workspace.save_item(
        name,
        ItemKind.LEAF,
        now=now,
        certificate=certificate,
        chain=chain,
        key_pem=key_pem,
        key_encrypted=bool(item.key_encrypted),
        csr=csr,
        issuer=issuer_name,
        extra=extra,
        overwrite=True,
    )
    workspace.audit("csr-complete", now, item=name, issuer=issuer_name)
    return saved
