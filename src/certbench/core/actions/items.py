"""Workspace items brought in from outside, described, or taken away: import a certificate (with its chain),
an item's details (``show``), the trash (``rm``, ``restore``, ``trash``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509

from certbench.core.actions.events import Event, record
from certbench.core.bindings import Registry
from certbench.core.describe import format_san
from certbench.core.errors import UsageError, WorkspaceError
from certbench.core.fingerprints import normalize_fingerprint
from certbench.core.safe_write import remove_dir
from certbench.core.workspace import Item, ItemKind, TrashedItem, Workspace, validate_item_name


def import_certificate(
    workspace: Workspace,
    name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    source: str,
    overwrite: bool = False,
    record_source: bool = False,
) -> Item:
    """Store ``certificate`` and ``chain`` as a ``cert`` item (no key), as ``certbench import`` of a
    certificate file does; recorded as ``item.import``.

    ``source`` says where it came from (``inspect``, ``probe HOST:PORT``); ``record_source`` also keeps
    it in the item's metadata.
    """
    extra = imported_metadata(certificate)
    if record_source:
        extra["source"] = source
    item = workspace.save_item(
        name, ItemKind.CERT, now=now, certificate=certificate, chain=list(chain), extra=extra, overwrite=overwrite
    )
    record(workspace, Event.ITEM_IMPORT, now, item=item.name, source=source)
    return item


def imported_metadata(certificate: x509.Certificate) -> dict[str, Any]:
    """What ``item.json`` records about an imported certificate: role, serial and SANs."""
    extra: dict[str, Any] = {"role": "imported", "serial": f"{certificate.serial_number:x}"}
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [format_san(name) for name in names]
    except x509.ExtensionNotFound:
        sans = []
    if sans:
        extra["sans"] = sans
    return extra


def history_numbers(item: Item) -> list[int]:
    """The numbers of the item's ``history/N/`` folders (earlier certificates, renewal by renewal)."""
    directory = item.directory / "history"
    if not directory.is_dir():
        return []
    return sorted(int(p.name) for p in directory.iterdir() if p.is_dir() and p.name.isdigit())


# -- details --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """What ``certbench show`` tells about an item."""

    item: Item
    files: dict[str, str]
    history: list[dict[str, Any]]
    issued: list[str]
    bindings: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, now: datetime) -> dict[str, Any]:
        data = self.item.to_json(now)
        data.update(
            files=self.files,
            history=self.history,
            dependents={"issued": self.issued, "bindings": self.bindings, "artifacts": self.artifacts},
            details={k: v for k, v in self.extra.items() if k != "history"},
        )
        return data


def item_files(item: Item) -> dict[str, str]:
    """The item's files by label (cert, chain, key, csr) as paths, those that exist."""
    files: dict[str, str] = {}
    for label, path in (
        ("cert", item.cert_path),
        ("chain", item.chain_path),
        ("key", item.key_path),
        ("csr", item.csr_path),
    ):
        if path.is_file():
            files[label] = str(path)
    return files


def item_details(workspace: Workspace, name: str) -> Details:
    """An item's files, history and dependents: the items it issued, the bindings of its certificates
    (current and previous) and what the audit log says was built from it (keystores, exports, truststores)."""
    item = workspace.get(name)
    history: list[dict[str, Any]] = []
    recorded = {h.get("number"): h for h in item.extra.get("history", []) if isinstance(h, dict)}
    for number in history_numbers(item):
        folder = item.directory / "history" / str(number)
        entry = dict(recorded.get(number, {"number": number}))
        entry["files"] = {p.name: str(p) for p in sorted(folder.iterdir()) if p.is_file()}
        history.append(entry)
    issued = sorted(other.name for other in workspace.list_items() if other.issuer == name and other.name != name)
    fingerprints = {normalize_fingerprint(f) for f in [item.sha256, *(h.get("sha256") for h in history)] if f}
    registry = Registry.load(workspace.bindings_path, lock_timeout=workspace.lock_timeout)
    current = normalize_fingerprint(item.sha256) if item.sha256 else None
    bindings = [
        {"client_id": b.client_id, "sha256": b.sha256, "current": b.sha256 == current}
        for b in registry.bindings
        if b.sha256 in fingerprints
    ]
    artifacts: list[dict[str, Any]] = []
    for line in workspace.read_audit():
        action = str(line.get("action", ""))
        inputs = line.get("inputs") if isinstance(line.get("inputs"), list) else []
        built = action.startswith(("keystore", "export", "jar")) and line.get("item") == name
        trusted = action == "trust.build" and any(str(i) in (name, f"ws:{name}") for i in inputs or [])
        if built or trusted:
            artifacts.append({"time": line.get("time"), "action": action, "out": line.get("out")})
    return Details(item, item_files(item), history, issued, bindings, artifacts, dict(item.extra))


# -- trash ----------------------------------------------------------------------------------------


def remove_item(workspace: Workspace, name: str, *, now: datetime, force: bool = False) -> str:
    """Move item ``name`` to the trash; return its trash id. A CA that issued other items needs ``force``."""
    with workspace.lock(f"remove item {name}"):
        try:
            kind: ItemKind | None = workspace.get(name).kind
        except WorkspaceError:
            if not (workspace.items_dir / validate_item_name(name)).is_dir():
                raise
            kind = None  # a damaged item (unreadable item.json) can be moved to the trash too
        items, _damaged = workspace.scan_items()
        issued = sorted(other.name for other in items if other.issuer == name and other.name != name)
        if kind is ItemKind.CA and issued and not force:
            raise UsageError(
                f"CA {name!r} issued {', '.join(issued)}: they could not be renewed without it; use --force to move it "
                "to the trash anyway"
            )
        trash_id = workspace.trash_item(name)
    record(workspace, Event.ITEM_TRASH, now, item=name, trash_id=trash_id)
    return trash_id


def restore_item(workspace: Workspace, name_or_id: str, *, now: datetime) -> tuple[str, str]:
    """Bring back a trashed item by trash id (``NAME~N``) or name (its latest trashed version);
    return (name, trash id)."""
    with workspace.lock(f"restore {name_or_id}"):
        trash_id = name_or_id
        if "~" not in name_or_id:
            validate_item_name(name_or_id)
            versions = [t for t in workspace.list_trash() if t.name == name_or_id]
            if not versions:
                raise WorkspaceError(f"the trash of {workspace.root} holds no item named {name_or_id!r}")
            trash_id = versions[-1].trash_id
        name = workspace.restore_item(trash_id)
    record(workspace, Event.ITEM_RESTORE, now, item=name, trash_id=trash_id)
    return name, trash_id


def empty_trash(workspace: Workspace, *, now: datetime) -> list[TrashedItem]:
    """Delete everything in the trash for good; return what went."""
    with workspace.lock("empty the trash"):
        gone = workspace.list_trash()
        for entry in gone:
            remove_dir(entry.directory)
    record(workspace, Event.TRASH_EMPTY, now, items=[entry.trash_id for entry in gone])
    return gone
