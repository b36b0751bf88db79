"""Identities in the workspace: import, CSR completion and renewal (issue 15).

Each workflow validates everything before writing, writes through :meth:`Workspace.save_item` (a complete
item swapped in by rename under the workspace lock) and records its own audit event. The CLI
(``certbench import``, ``csr complete``, ``cert renew``) and the TUI's import dialog call these functions
and only render what they return. Creating and signing are :mod:`certbench.core.actions.issuing`; an
item's details and the trash :mod:`certbench.core.actions.items`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from certbench.core import issue
from certbench.core.actions.bindings import bind_add, registry
from certbench.core.actions.events import Event, record
from certbench.core.actions.issuing import attach_certificate, csr_item, issuer_item, load_issuer
from certbench.core.actions.items import history_numbers, imported_metadata
from certbench.core.actions.storing import NewItem, store_new_item
from certbench.core.describe import is_ca
from certbench.core.errors import CertbenchError, UsageError, WorkspaceError
from certbench.core.fingerprints import normalize_fingerprint, sha256_colon
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Material
from certbench.core.keystore import complete_issuers, workspace_ca_pool
from certbench.core.linking import end_entities, same_key, spki_der
from certbench.core.reading import read_workspace_file
from certbench.core.subject import format_subject
from certbench.core.validity import days_issuer_allows
from certbench.core.workspace import Item, ItemKind, Workspace, validate_item_name

# -- import -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyChoice:
    """A private key found in the inputs, with the certificates stored beside it (keystore entry)."""

    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...]
    alias: str | None
    path: str


@dataclass(frozen=True)
class Imported:
    """What :func:`import_identity` stored."""

    item: Item
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    has_key: bool
    alias: str | None
    #: How many chain certificates came from the workspace's CAs rather than from the inputs.
    completed: int
    warnings: tuple[str, ...] = ()


def load_inputs(paths: Sequence[str | Path], password: bytes | None) -> list[Material]:
    """Read every input file (any format certbench reads) with the one input password."""
    return [load_file(path, password) for path in paths]


def key_choices(materials: Sequence[Material]) -> list[KeyChoice]:
    """Every distinct private key of the inputs: keystore/PKCS#12 entries first, then loose key files."""
    choices: list[KeyChoice] = []
    seen: set[bytes | None] = set()
    for material in materials:
        for entry in material.key_entries:
            spki = spki_der(entry.key)
            if spki not in seen:
                seen.add(spki)
                choices.append(KeyChoice(entry.key, entry.chain, entry.alias, material.path))
    for material in materials:
        for key in material.keys:
            spki = spki_der(key)
            if spki not in seen:
                seen.add(spki)
                choices.append(KeyChoice(key, (), None, material.path))
    return choices


def aliases_of(materials: Sequence[Material]) -> list[str]:
    """The aliases of the inputs' private-key entries (the choices ``--alias`` offers), readable or not."""
    found: list[str] = []
    for material in materials:
        for choice in key_choices([material]):
            if choice.alias is not None and choice.alias not in found:
                found.append(choice.alias)
        for alias in material.locked_key_aliases:
            if alias not in found:
                found.append(alias)
    return found


def _choose_key(materials: Sequence[Material], alias: str | None) -> KeyChoice | None:
    choices = key_choices(materials)
    known = aliases_of(materials)
    if alias is not None:
        chosen = [c for c in choices if c.alias is not None and c.alias.lower() == alias.lower()]
        if chosen:
            return chosen[0]
        locked = [a for m in materials for a in m.locked_key_aliases if a.lower() == alias.lower()]
        if locked:
            raise UsageError(
                f"the key of entry {alias!r} has its own password, not the store's: certbench opens key entries "
                "with the store password (change it with keytool -keypasswd first)"
            )
        raise UsageError(
            f"no private-key entry has the alias {alias!r} (private-key entries: {', '.join(known) or 'none'})"
        )
    if len(choices) > 1:
        named = [c.alias for c in choices if c.alias is not None]
        listing = f" (aliases: {', '.join(named)})" if named else ""
        raise UsageError(f"the inputs hold {len(choices)} private keys{listing}: choose one with --alias ALIAS")
    return choices[0] if choices else None


def _profile_of(certificate: x509.Certificate) -> issue.Profile | None:
    """The leaf profile a certificate's extended key usage amounts to (for a later renewal)."""
    try:
        usages = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return None
    client = ExtendedKeyUsageOID.CLIENT_AUTH in usages
    server = ExtendedKeyUsageOID.SERVER_AUTH in usages
    if client and server:
        return issue.Profile.CLIENT_SERVER
    if server:
        return issue.Profile.SERVER
    return issue.Profile.CLIENT if client else None


def import_identity(
    workspace: Workspace,
    name: str,
    materials: Sequence[Material],
    *,
    now: datetime,
    key_password: bytes | None,
    alias: str | None = None,
    overwrite: bool = False,
) -> Imported:
    """Bring an identity (or certificates alone) into the workspace as item ``name``.

    The key is the one chosen by ``alias`` (or the only one); the certificate is the one holding that key
    (refused when none does); the chain is ordered leaf -> root from the inputs and completed from the
    workspace's CAs. A CA certificate with its key becomes a CA item, a leaf with its key a leaf item,
    certificates alone a ``cert`` item. ``key_password`` None stores the key unencrypted (callers ask for
    an explicit choice). Nothing is written when a check fails.
    """
    validate_item_name(name)
    if workspace.has(name) and not overwrite:
        raise WorkspaceError(f"an item named {name!r} already exists; use --force to replace it")
    if not materials:
        raise UsageError("give at least one file to import")
    choice = _choose_key(materials, alias)
    given = _certificates_given(materials, choice)
    leaf = _pick_leaf(given, choice)
    from_inputs = complete_issuers(leaf, [c for c in given if c != leaf])
    chain = complete_issuers(leaf, [c for c in given if c != leaf], workspace_ca_pool(workspace))
    warnings = _chain_warnings(leaf, chain)
    if choice is not None:
        kind = ItemKind.CA if is_ca(leaf) else ItemKind.LEAF
        if kind is ItemKind.CA:
            issue.as_issuer_key(choice.key)  # a CA item must be able to sign
    else:
        kind = ItemKind.CERT
    new = NewItem(
        kind,
        leaf,
        chain,
        choice.key if choice else None,
        key_password,
        issuer=issuer_item(workspace, chain),
        extra=_imported_item_extra(leaf, kind, materials, choice),
    )
    item = store_new_item(
        workspace,
        name,
        new,
        Event.ITEM_IMPORT,
        now=now,
        overwrite=overwrite,
        kind=str(kind),
        files=[m.path for m in materials],
        alias=choice.alias if choice else None,
        key=choice is not None,
    )
    return Imported(
        item,
        leaf,
        tuple(chain),
        choice is not None,
        choice.alias if choice else None,
        len(chain) - len(from_inputs),
        tuple(warnings),
    )


def _certificates_given(materials: Sequence[Material], choice: KeyChoice | None) -> list[x509.Certificate]:
    """The chosen entry's chain, then every input's certificates, without repeats (refused when empty)."""
    given: list[x509.Certificate] = []
    for certificate in [*(choice.chain if choice else ()), *(c for m in materials for c in m.certificates)]:
        if certificate not in given:
            given.append(certificate)
    if not given:
        raise UsageError("the inputs hold no certificate: a key alone is not an identity (add its certificate file)")
    return given


def _pick_leaf(given: list[x509.Certificate], choice: KeyChoice | None) -> x509.Certificate:
    """The certificate holding the chosen key; without a key, the only end-entity certificate given."""
    if choice is not None:
        matching = [c for c in given if same_key(choice.key, c)]
        if not matching:
            where = f"entry {choice.alias!r}" if choice.alias else choice.path
            raise UsageError(
                f"the private key of {where} belongs to none of the certificates given "
                f"({'; '.join(format_subject(c.subject) for c in end_entities(given))}): nothing imported"
            )
        return matching[0]
    leaves = end_entities(given)
    if len(leaves) > 1:
        raise UsageError(
            f"the inputs hold {len(leaves)} unrelated certificates "
            f"({'; '.join(format_subject(c.subject) for c in leaves)}): import them one at a time"
        )
    return leaves[0]


def _chain_warnings(leaf: x509.Certificate, chain: Sequence[x509.Certificate]) -> list[str]:
    """What is odd about the completed chain: a self-signed non-CA end, or an issuer found nowhere."""
    warnings: list[str] = []
    if chain and not is_ca(chain[-1]) and chain[-1].issuer == chain[-1].subject:
        warnings.append("the chain ends at a self-signed certificate that is not a CA")
    if chain and chain[-1].issuer != chain[-1].subject:
        warnings.append(
            f"the chain stops at {format_subject(chain[-1].subject)}: its issuer is neither in the inputs nor a "
            "workspace CA"
        )
    elif not chain and leaf.issuer != leaf.subject:
        warnings.append(
            f"the issuer {format_subject(leaf.issuer)} is neither in the inputs nor a workspace CA: "
            "stored without a chain"
        )
    return warnings


def _imported_item_extra(
    leaf: x509.Certificate, kind: ItemKind, materials: Sequence[Material], choice: KeyChoice | None
) -> dict[str, Any]:
    """The item metadata an import records: role, serial and SANs, sources, alias, profile."""
    extra = imported_metadata(leaf)
    extra["sources"] = [Path(m.path).name for m in materials]
    if choice is not None and choice.alias is not None:
        extra["alias"] = choice.alias
    profile = _profile_of(leaf) if kind is ItemKind.LEAF else None
    if profile is not None:
        extra["profile"] = profile.value
    return extra


# -- CSR completion -------------------------------------------------------------------------------


def key_owner(workspace: Workspace, holder: Any, *, skip: str | None = None) -> str | None:
    """The workspace item whose certificate or CSR has the public key of ``holder``, if any."""
    wanted = spki_der(holder)
    for item in workspace.list_items():
        if item.name == skip:
            continue
        try:
            if item.cert_path.is_file() and spki_der(workspace.load_certificate(item)) == wanted:
                return item.name
            if item.csr_path.is_file() and spki_der(workspace.load_csr(item)) == wanted:
                return item.name
        except CertbenchError:
            continue
    return None


def complete_csr(
    workspace: Workspace,
    name: str,
    materials: Sequence[Material],
    *,
    now: datetime,
    chain_materials: Sequence[Material] = (),
) -> Item:
    """Attach the certificate a CA signed for CSR item ``name`` (its chain completed from the workspace);
    recorded as ``csr-complete``.

    Refused, the item unchanged, when no certificate of the inputs has the CSR's key; the message names the
    workspace item whose key it is, if any.
    """
    with workspace.lock(f"complete CSR item {name}"):
        csr = workspace.load_csr(csr_item(workspace, name))
        certificates = [c for m in materials for c in m.certificates]
        if not certificates:
            raise UsageError("holds no certificate", path=materials[0].path if materials else None)
        matching = [c for c in certificates if same_key(c, csr)]
        if not matching:
            leaf = end_entities(certificates)[0]
            owner = key_owner(workspace, leaf, skip=name)
            whose = f"it is the key of workspace item {owner!r}" if owner else "no workspace item holds its key"
            raise UsageError(
                f"the certificate {format_subject(leaf.subject)} was not signed for the CSR of {name!r}: its public "
                f"key is not that CSR's ({whose}); item {name!r} is unchanged"
            )
        leaf = matching[0]
        given = [c for c in [*certificates, *(c for m in chain_materials for c in m.certificates)] if c != leaf]
        chain = complete_issuers(leaf, given, workspace_ca_pool(workspace))
        issuer_name = issuer_item(workspace, chain)
        saved = attach_certificate(workspace, name, leaf, chain, now=now, issuer_name=issuer_name)
    record(workspace, Event.CSR_COMPLETE, now, item=name, issuer=issuer_name)
    return saved


# -- renewal --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renewed:
    """What :func:`renew_certificate` did; ``bindings`` are the client_ids of the previous certificate."""

    item: Item
    certificate: x509.Certificate
    previous: x509.Certificate
    history_number: int
    new_key: bool
    bindings: tuple[str, ...]
    rebound: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _history_files(item: Item) -> dict[str, bytes]:
    """The item's history folders, file by file (carried into the renewed item unchanged)."""
    files: dict[str, bytes] = {}
    for number in history_numbers(item):
        for path in sorted((item.directory / "history" / str(number)).iterdir()):
            if path.is_file():
                files[f"history/{number}/{path.name}"] = read_workspace_file(path)
    return files


def renew_certificate(
    workspace: Workspace,
    name: str,
    *,
    now: datetime,
    issuer_password: bytes | None,
    days: int | None = None,
    new_key: bool = False,
    key_password: bytes | None = None,
    rebind: bool = False,
) -> Renewed:
    """Issue a successor of leaf item ``name`` from the workspace CA that issued it (same subject, SANs
    and profile; a new key with ``new_key``, stored with ``key_password``, None = unencrypted). The previous
    certificate (and key when replaced) go to ``history/N/`` of the item. Bindings of the previous
    certificate get the successor too with ``rebind``."""
    with workspace.lock(f"renew item {name}"):
        item = workspace.get(name)
        if item.kind is not ItemKind.LEAF:
            raise UsageError(f"item {name!r} is a {item.kind.value}: only leaf items are renewed this way")
        if not item.issuer or not workspace.has(item.issuer):
            raise UsageError(
                f"item {name!r} was not issued by a workspace CA"
                + (f" (its issuer item {item.issuer!r} is gone)" if item.issuer else "")
                + ": renew it with the CA that issued it"
            )
        previous = workspace.load_certificate(item)
        profile_text = item.extra.get("profile")
        profile = issue.Profile(profile_text) if isinstance(profile_text, str) else _profile_of(previous)
        if profile is None or profile not in issue.LEAF_PROFILES:
            raise UsageError(f"item {name!r} has no known profile (client, server, client-server, tpp) to renew with")
        issuer = load_issuer(workspace, item.issuer, issuer_password)
        if days is None:
            days = max(1, (previous.not_valid_after_utc - previous.not_valid_before_utc).days)
            days = min(days, days_issuer_allows(issuer.certificate.not_valid_after_utc, now.replace(microsecond=0)))
        key = issue.generate_key(issue.key_spec_of_public(previous.public_key())) if new_key else None
        issued = issue.renew_leaf(previous, issuer=issuer, profile=profile, now=now, days=days, key=key)
        number = 1 + max(history_numbers(item), default=0)
        attachments = _history_files(item)
        attachments[f"history/{number}/cert.pem"] = read_workspace_file(item.cert_path)
        if item.chain_path.is_file():
            attachments[f"history/{number}/chain.pem"] = read_workspace_file(item.chain_path)
        key_pem = read_workspace_file(item.key_path) if item.key_path.is_file() else None
        key_encrypted = bool(item.key_encrypted)
        csr = workspace.load_csr(item) if item.csr_path.is_file() else None
        if key is not None:
            if key_pem is not None:
                attachments[f"history/{number}/key.pem"] = key_pem
            if csr is not None:
                attachments[f"history/{number}/csr.pem"] = read_workspace_file(item.csr_path)
                csr = None
            key_pem = issue.serialize_private_key(key, key_password)
            key_encrypted = key_password is not None
        extra = dict(item.extra)
        history = [h for h in extra.get("history", []) if isinstance(h, dict)]
        history.append(
            {
                "number": number,
                "serial": f"{previous.serial_number:x}",
                "sha256": sha256_colon(previous),
                "not_after": f"{previous.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}",
                "replaced": f"{now:%Y-%m-%dT%H:%M:%SZ}",
                "key_replaced": key is not None,
            }
        )
        extra.update(history=history, serial=f"{issued.certificate.serial_number:x}", profile=profile.value)
        saved = workspace.save_item(
            name,
            ItemKind.LEAF,
            now=now,
            certificate=issued.certificate,
            chain=issued.chain,
            key_pem=key_pem,
            key_encrypted=key_encrypted,
            csr=csr,
            issuer=item.issuer,
            extra=extra,
            overwrite=True,
            attachments=attachments,
        )
        record(
            workspace,
            Event.CERT_RENEW,
            now,
            item=name,
            issuer=item.issuer,
            serial=f"{issued.certificate.serial_number:x}",
            previous_serial=f"{previous.serial_number:x}",
            new_key=key is not None,
        )
        bindings = registry(workspace).bindings
        # Whoever is bound to this item's certificate, or to an earlier one of its history, gets the successor.
        wanted = {normalize_fingerprint(sha256_colon(previous))}
        wanted |= {normalize_fingerprint(h["sha256"]) for h in history if isinstance(h.get("sha256"), str)}
        clients = tuple(sorted({b.client_id for b in bindings if b.sha256 in wanted}))
        rebound: list[str] = []
        if rebind:
            for client_id in clients:
                bind_add(workspace, client_id, issued.certificate, now=now, note=f"renewal of {name}")
                rebound.append(client_id)
    return Renewed(saved, issued.certificate, previous, number, key is not None, clients, tuple(rebound), issued.notes)
