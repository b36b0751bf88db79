"""Issuing into the workspace: create an item (key, certificate or CSR), sign an external CSR with a
workspace CA (``ca sign``), and turn a CSR item into a leaf once its certificate is signed (used by
``ca sign --into`` and by ``csr complete`` in :mod:`certbench.core.actions.identity`).

The certificates themselves are made by :mod:`certbench.core.issue` (pure: keys, profiles, plans,
builders, CSRs, preflight checks); these workflows add the workspace: they validate, store through
:meth:`Workspace.save_item` (or write ``--out`` through :mod:`certbench.core.safe_write`) under the
workspace lock, and record one audit event each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.actions.events import Event, record
from certbench.core.actions.storing import NewItem, store_new_item
from certbench.core.describe import format_san
from certbench.core.errors import CertbenchError, IssuanceError, OutputExistsError, UsageError
from certbench.core.fingerprints import sha256_colon
from certbench.core.issue.builders import issue_intermediate_ca, issue_leaf, issue_root_ca
from certbench.core.issue.csrs import create_csr, sign_csr
from certbench.core.issue.keys import as_issuer_key, generate_key, key_spec_of
from certbench.core.issue.plans import Plan, validate_plan
from certbench.core.issue.preflight import check_key_matches
from certbench.core.issue.primitives import Issued, Issuer
from certbench.core.issue.profiles import Profile, Role
from certbench.core.linking import same_key, spki_der
from certbench.core.reading import read_workspace_file
from certbench.core.safe_write import write_atomic
from certbench.core.subject import format_subject
from certbench.core.workspace import Item, ItemKind, Workspace, validate_item_name

# -- create ---------------------------------------------------------------------------------------


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


def issuer_item(workspace: Workspace, chain: Sequence[x509.Certificate]) -> str | None:
    """The workspace CA item whose certificate is the first of ``chain`` (the direct issuer), if any."""
    if not chain:
        return None
    for item in workspace.list_items():
        if item.kind is ItemKind.CA and item.sha256 == sha256_colon(chain[0]):
            return item.name
    return None


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
    """Generate the key (unless given), make the certificate or CSR, check it, then store the item;
    recorded as ``create``.

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
    kind, issued, csr = _make(plan, key, issuer=issuer, now=now, serial=serial)
    if issued is not None:
        warnings.extend(issued.notes)
        check_key_matches(issued.certificate, key)
    certificate = issued.certificate if issued is not None else None
    new = NewItem(
        kind,
        certificate,
        issued.chain if issued is not None else (),
        key,
        key_password,
        csr=csr,
        issuer=issuer_name,
        extra=_metadata(plan, certificate),
    )
    item = store_new_item(
        workspace,
        name,
        new,
        Event.CREATE,
        now=now,
        overwrite=overwrite,
        role=plan.role.value,
        profile=plan.profile.value if plan.profile else None,
        issuer=issuer_name,
        key_type=plan.key_spec.value,
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
    if plan.role is Role.ROOT:
        root = issue_root_ca(
            plan.subject, key=key, now=now, days=plan.days, path_length=plan.path_length, serial=serial
        )
        return ItemKind.CA, root, None
    if plan.role is Role.INTERMEDIATE:
        if issuer is None:
            raise UsageError("an intermediate CA needs an issuing CA (--issuer CA)")
        path_length = 0 if plan.path_length is None else plan.path_length
        intermediate = issue_intermediate_ca(
            plan.subject, key=key, issuer=issuer, now=now, days=plan.days, path_length=path_length, serial=serial
        )
        return ItemKind.CA, intermediate, None
    if plan.role is Role.LEAF:
        if issuer is None or plan.profile is None:
            raise UsageError("a leaf needs an issuing CA (--issuer CA) and a profile")
        leaf = issue_leaf(
            plan.subject,
            key=key,
            issuer=issuer,
            profile=plan.profile,
            sans=plan.sans,
            now=now,
            days=plan.days,
            serial=serial,
        )
        return ItemKind.LEAF, leaf, None
    request = create_csr(
        plan.subject,
        key=key,
        sans=plan.sans,
        profile=plan.profile,
        key_usage=plan.requested_key_usage,
        hash_name=plan.hash_name,
    )
    return ItemKind.CSR, None, request


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


# -- CSR items -----------------------------------------------------------------------------------


def csr_item(workspace: Workspace, name: str) -> Item:
    """Workspace item ``name``, refused unless it is a CSR item."""
    item = workspace.get(name)
    if item.kind is not ItemKind.CSR:
        raise UsageError(f"item {name!r} is a {item.kind.value}, not a CSR item")
    return item


def attach_certificate(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    issuer_name: str | None,
) -> Item:
    """Turn CSR item ``name`` into a leaf holding ``certificate``; refuses a certificate for another key.

    This is where the Axway seed's mistake (``tpp2.crt`` signed from ``tpp1.csr``) is caught: the
    certificate's public key must be the one in the item's CSR (the item's own key). The caller holds the
    workspace lock and records its event (``csr-complete`` or ``sign``).
    """
    item = csr_item(workspace, name)
    csr = workspace.load_csr(item)
    if not same_key(certificate, csr):
        raise IssuanceError(
            f"this certificate ({format_subject(certificate.subject)}) was signed from another CSR: its public key is "
            f"not the key of item {name!r}, so the pair would not work; sign {name!r}'s own CSR ({item.csr_path})"
        )
    extra = {**item.extra, "serial": f"{certificate.serial_number:x}", "role": Role.LEAF.value}
    return workspace.save_item(
        name,
        ItemKind.LEAF,
        now=now,
        certificate=certificate,
        chain=chain,
        key_pem=read_workspace_file(item.key_path) if item.key_path.is_file() else None,
        key_encrypted=bool(item.key_encrypted),
        csr=csr,
        issuer=issuer_name,
        extra=extra,
        overwrite=True,
    )


# -- sign an external CSR -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """What :func:`sign_request` issued and where it went."""

    issued: Issued
    profile: Profile
    #: The CSR item that now holds the certificate (``into``), if one was given.
    item: Item | None


def csr_owner(workspace: Workspace, csr: x509.CertificateSigningRequest) -> str | None:
    """The workspace item whose own CSR was made with this CSR's key, if any."""
    wanted = spki_der(csr)
    for item in workspace.list_items():
        if item.csr_path.is_file():
            try:
                own = workspace.load_csr(item)
            except CertbenchError:
                continue
            if spki_der(own) == wanted:
                return item.name
    return None


def check_sign_target(workspace: Workspace, csr: x509.CertificateSigningRequest, into: str) -> None:
    """Refuse to store the certificate of ``csr`` in item ``into`` unless it is that CSR item's own request
    (the tpp2.crt-from-tpp1.csr mistake). Callers check before asking for the CA's password."""
    target = workspace.get(into)
    if target.kind is not ItemKind.CSR:
        raise UsageError(f"--into {into!r}: the item is a {target.kind.value}, not a CSR item")
    owner = csr_owner(workspace, csr)
    if owner != into:
        raise UsageError(
            f"--into {into!r}: this CSR was not made with the key of item {into!r}"
            + (f" (it belongs to {owner!r})" if owner else "")
            + f"; sign {target.csr_path} instead (the tpp2.crt-from-tpp1.csr mistake)"
        )


def sign_request(
    workspace: Workspace,
    csr: x509.CertificateSigningRequest,
    *,
    issuer: Issuer,
    issuer_name: str,
    profile: Profile,
    now: datetime,
    days: int,
    out: str | Path | None = None,
    into: str | None = None,
    with_chain: bool = False,
    overwrite: bool = False,
    source: str | None = None,
) -> Signed:
    """Sign an external CSR with workspace CA ``issuer_name`` (``ca sign``): write the certificate (PEM,
    followed by the CA chain with ``with_chain``) to ``out`` and/or store it in CSR item ``into``, under the
    workspace lock; recorded once as ``sign``. ``source`` names the CSR's file in messages. Nothing is
    written when a check fails."""
    if out is None and into is None:
        raise UsageError("say where the certificate goes: --out FILE and/or --into ITEM")
    with workspace.lock(f"sign a CSR with {issuer_name}"):
        if into is not None:
            check_sign_target(workspace, csr, into)
        try:
            issued = sign_csr(csr, issuer=issuer, profile=profile, now=now, days=days)
        except UsageError as exc:
            raise UsageError(f"cannot sign as {profile.value}: {exc.message}", path=source) from exc
        item = None
        if into is not None:
            item = attach_certificate(
                workspace, into, issued.certificate, issued.chain, now=now, issuer_name=issuer_name
            )
        if out is not None:
            chain = issued.chain if with_chain else ()
            pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (issued.certificate, *chain))
            write_atomic(out, pem, overwrite=overwrite)
    record(
        workspace,
        Event.SIGN,
        now,
        ca=issuer_name,
        profile=profile.value,
        out=str(out) if out is not None else None,
        into=into,
        serial=f"{issued.certificate.serial_number:x}",
    )
    return Signed(issued, profile, item)
