"""The client_id <-> certificate registry (RFC 8705 certificate-bound clients, seed 004).

One JSON file in the workspace (``Workspace.bindings_path``) with a versioned schema. It is validated on
load: a damaged file is a :class:`BindingError` naming it and is never replaced silently. Every change is
validated again and written through :func:`certbench.core.safe_write.write_atomic`. A change holds the
workspace lock (:mod:`certbench.core.lock`, on the registry's folder) and re-reads the file under it, so
parallel processes never lose each other's bindings and the one-certificate-one-client_id rule holds
across them.

Rules: one certificate belongs to one client_id; a client_id holds at most two certificates (the
current one and its successor during a rotation); the newer is the one that expires later.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509

from certbench.core.describe import rfc4514
from certbench.core.errors import BindingError
from certbench.core.fingerprints import normalize_fingerprint, sha256_colon, x5t_s256
from certbench.core.linking import end_entities
from certbench.core.lock import DEFAULT_TIMEOUT, hold
from certbench.core.reading import read_workspace_file
from certbench.core.safe_write import write_atomic
from certbench.core.validity import certificate_expired, days_until, is_expired

SCHEMA = "certbench.bindings"
SCHEMA_VERSION = 1
#: A client_id holds its current certificate and, during a rotation, the next one.
MAX_PER_CLIENT = 2
MAX_CLIENT_ID_LENGTH = 256

_FIELDS = ("client_id", "sha256", "x5t_s256", "subject", "issuer", "serial", "not_after", "note", "added_at")


@dataclass(frozen=True)
class Binding:
    """One certificate bound to one client_id."""

    client_id: str
    sha256: str
    x5t_s256: str
    subject: str
    issuer: str
    serial: str
    not_after: datetime
    note: str
    added_at: datetime

    def expired(self, now: datetime) -> bool:
        return is_expired(self.not_after, now)

    def days_left(self, now: datetime) -> int:
        return days_until(self.not_after, now)

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "sha256": self.sha256,
            "x5t_s256": self.x5t_s256,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_after": _iso(self.not_after),
            "note": self.note,
            "added_at": _iso(self.added_at),
        }


class Verdict(StrEnum):
    """The answer of :meth:`Registry.check`."""

    MATCH = "match"
    UNKNOWN_CLIENT = "unknown-client-id"
    OTHER_CLIENT = "bound-to-another-client-id"
    EXPIRED = "expired-binding"
    NOT_BOUND = "not-bound"


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    reason: str
    binding: Binding | None = None

    @property
    def matched(self) -> bool:
        return self.verdict is Verdict.MATCH

    def to_json(self) -> dict[str, Any]:
        return {
            "result": str(self.verdict),
            "match": self.matched,
            "reason": self.reason,
            "binding": self.binding.to_json() if self.binding else None,
        }


def validate_client_id(client_id: str) -> str:
    value = client_id.strip()
    if not value:
        raise BindingError("client_id is empty")
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise BindingError(f"client_id is longer than {MAX_CLIENT_ID_LENGTH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise BindingError("client_id contains control characters")
    return value


def leaf_of(certificates: Sequence[x509.Certificate], *, path: str | None = None) -> x509.Certificate:
    """The end-entity of a file: the certificate that issued no other certificate in it."""
    if not certificates:
        raise BindingError("holds no certificate to bind", path=path)
    unique = end_entities(certificates)
    if len(unique) != 1:
        raise BindingError(
            f"holds {len(unique)} end-entity certificates (no single leaf); give a file with one chain",
            path=path,
        )
    return unique[0]


def binding_for(client_id: str, certificate: x509.Certificate, *, now: datetime, note: str = "") -> Binding:
    return Binding(
        client_id=validate_client_id(client_id),
        sha256=sha256_colon(certificate),
        x5t_s256=x5t_s256(certificate),
        subject=rfc4514(certificate.subject),
        issuer=rfc4514(certificate.issuer),
        serial=format(certificate.serial_number, "X"),
        not_after=certificate.not_valid_after_utc,
        note=note.strip(),
        added_at=now,
    )


class Registry:
    """The bindings held in one JSON file. Mutating methods re-read it under the lock and save immediately."""

    def __init__(self, path: Path, bindings: Sequence[Binding] = (), *, lock_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = path
        self._bindings: list[Binding] = list(bindings)
        self.lock_timeout = lock_timeout

    # -- reading -----------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, *, lock_timeout: float = DEFAULT_TIMEOUT) -> Registry:
        """Read and validate the registry; a missing file is an empty registry."""
        target = Path(path)
        return cls(target, _read_bindings(target), lock_timeout=lock_timeout)

    @contextlib.contextmanager
    def _changing(self, purpose: str) -> Iterator[None]:
        """Hold the workspace lock and start from what is on disk now (another process may have changed it)."""
        if not self.path.parent.is_dir():
            raise BindingError("the workspace directory does not exist", path=self.path)
        with hold(self.path.parent, purpose, timeout=self.lock_timeout):
            self._bindings = _read_bindings(self.path)
            yield

    @property
    def bindings(self) -> list[Binding]:
        """All bindings, by client_id then newest first."""
        return sorted(self._bindings, key=lambda b: (b.client_id, -b.not_after.timestamp(), b.sha256))

    def for_client(self, client_id: str) -> list[Binding]:
        """The bindings of one client_id, newest (latest not-after) first."""
        return [b for b in self.bindings if b.client_id == client_id]

    def by_fingerprint(self, fingerprint: str) -> Binding | None:
        wanted = normalize_fingerprint(fingerprint)
        return next((b for b in self._bindings if b.sha256 == wanted), None)

    def is_newer(self, binding: Binding) -> bool:
        """True when ``binding`` is the newest of its client_id's certificates (rotation)."""
        same = self.for_client(binding.client_id)
        return bool(same) and same[0].sha256 == binding.sha256

    # -- changing ----------------------------------------------------------------------------------
    def add(self, client_id: str, certificate: x509.Certificate, *, now: datetime, note: str = "") -> Binding:
        binding = binding_for(client_id, certificate, now=now, note=note)
        with self._changing(f"bind add {binding.client_id}"):
            return self._add(binding, now)

    def _add(self, binding: Binding, now: datetime) -> Binding:
        existing = self.by_fingerprint(binding.sha256)
        if existing is not None:
            if existing.client_id == binding.client_id:
                raise BindingError(f"this certificate is already bound to client_id {existing.client_id!r}")
            raise BindingError(
                f"this certificate is already bound to client_id {existing.client_id!r}; "
                "one certificate belongs to one client_id (remove that binding first)"
            )
        if binding.expired(now):
            raise BindingError(f"the certificate expired on {_iso(binding.not_after)}; refusing to bind it")
        held = self.for_client(binding.client_id)
        if len(held) >= MAX_PER_CLIENT:
            raise BindingError(
                f"client_id {binding.client_id!r} already holds {len(held)} certificates (current and next); "
                "remove the old one before adding another"
            )
        self._bindings.append(binding)
        self.save()
        return binding

    def remove(self, client_id: str, fingerprint: str | None = None) -> list[Binding]:
        """Remove all bindings of ``client_id``, or only the one with ``fingerprint``; return them."""
        client_id = client_id.strip()
        wanted: str | None = None
        if fingerprint is not None:
            try:
                wanted = normalize_fingerprint(fingerprint)
            except ValueError as exc:
                raise BindingError(str(exc)) from exc
        with self._changing(f"bind remove {client_id}"):
            return self._remove(client_id, wanted)

    def _remove(self, client_id: str, wanted: str | None) -> list[Binding]:
        held = self.for_client(client_id)
        if not held:
            raise BindingError(f"no binding for client_id {client_id!r}")
        if wanted is not None:
            held = [b for b in held if b.sha256 == wanted]
            if not held:
                raise BindingError(f"client_id {client_id!r} holds no certificate with fingerprint {wanted}")
        gone = {b.sha256 for b in held}
        self._bindings = [b for b in self._bindings if not (b.client_id == client_id and b.sha256 in gone)]
        self.save()
        return held

    def check(self, client_id: str, certificate: x509.Certificate, *, now: datetime) -> CheckResult:
        """Does the certificate presented belong to ``client_id``? (what the gateway must decide)."""
        client_id = client_id.strip()
        fingerprint = sha256_colon(certificate)
        bound = self.by_fingerprint(fingerprint)
        held = self.for_client(client_id)
        if bound is not None and bound.client_id != client_id:
            return CheckResult(
                Verdict.OTHER_CLIENT,
                f"certificate {fingerprint} is bound to another client_id ({bound.client_id})",
                bound,
            )
        if bound is not None:
            if bound.expired(now) or certificate_expired(certificate, now):
                return CheckResult(
                    Verdict.EXPIRED, f"the binding for {client_id} expired on {_iso(bound.not_after)}", bound
                )
            return CheckResult(Verdict.MATCH, "match", bound)
        if not held:
            return CheckResult(Verdict.UNKNOWN_CLIENT, f"unknown client_id {client_id!r}")
        return CheckResult(
            Verdict.NOT_BOUND,
            f"certificate {fingerprint} is not bound to {client_id} (it holds {len(held)} other certificate(s))",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "bindings": [b.to_json() for b in self.bindings],
        }

    def export_json(self, *, now: datetime) -> dict[str, Any]:
        """The registry as a gateway loads it: a map client_id -> allowed x5t#S256 values, plus detail."""
        clients: dict[str, list[dict[str, Any]]] = {}
        for binding in self.bindings:
            entry = binding.to_json()
            entry["newer"] = self.is_newer(binding)
            entry["expired"] = binding.expired(now)
            clients.setdefault(binding.client_id, []).append(entry)
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "generated_at": _iso(now),
            "clients": {
                client: {
                    "x5t#S256": [e["x5t_s256"] for e in entries if not e["expired"]],
                    "certificates": entries,
                }
                for client, entries in clients.items()
            },
        }

    def save(self) -> None:
        document = self.to_json()
        _parse_document(document, self.path)  # never write what we would refuse to read
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        if not self.path.parent.is_dir():
            raise BindingError("the workspace directory does not exist", path=self.path)
        write_atomic(self.path, data, overwrite=True)


def _read_bindings(target: Path) -> list[Binding]:
    """The bindings in the registry file ``target``; a missing file holds none."""
    if not target.exists():
        return []
    raw = read_workspace_file(target, error=BindingError)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BindingError(
            f"bindings registry is not valid JSON ({exc}); fix or move it away, it was left untouched",
            path=target,
        ) from exc
    return _parse_document(document, target)


def _parse_document(document: Any, path: Path) -> list[Binding]:
    def bad(why: str) -> BindingError:
        return BindingError(f"bindings registry is damaged: {why}; it was left untouched", path=path)

    if not isinstance(document, dict):
        raise bad("the top level is not a JSON object")
    if document.get("schema") != SCHEMA:
        raise bad(f"schema is {document.get('schema')!r}, expected {SCHEMA!r}")
    version = document.get("version")
    if version != SCHEMA_VERSION:
        raise bad(f"version {version!r} is not supported (this certbench reads version {SCHEMA_VERSION})")
    entries = document.get("bindings")
    if not isinstance(entries, list):
        raise bad("'bindings' is not a list")
    result: list[Binding] = []
    seen: dict[str, str] = {}
    per_client: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise bad(f"entry {number} is not an object")
        missing = [name for name in _FIELDS if not isinstance(entry.get(name), str)]
        if missing:
            raise bad(f"entry {number} lacks text field(s) {', '.join(missing)}")
        try:
            binding = Binding(
                client_id=validate_client_id(entry["client_id"]),
                sha256=normalize_fingerprint(entry["sha256"]),
                x5t_s256=entry["x5t_s256"],
                subject=entry["subject"],
                issuer=entry["issuer"],
                serial=entry["serial"],
                not_after=_parse_iso(entry["not_after"]),
                note=entry["note"],
                added_at=_parse_iso(entry["added_at"]),
            )
        except (ValueError, BindingError) as exc:
            message = exc.message if isinstance(exc, BindingError) else str(exc)
            raise bad(f"entry {number}: {message}") from exc
        if normalize_fingerprint(binding.x5t_s256) != binding.sha256:
            raise bad(f"entry {number}: x5t#S256 does not match the SHA-256 fingerprint")
        if binding.sha256 in seen:
            raise bad(f"entry {number}: certificate {binding.sha256} is bound twice")
        seen[binding.sha256] = binding.client_id
        per_client[binding.client_id] = per_client.get(binding.client_id, 0) + 1
        if per_client[binding.client_id] > MAX_PER_CLIENT:
            raise bad(f"client_id {binding.client_id!r} holds more than {MAX_PER_CLIENT} certificates")
        result.append(binding)
    return result


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed


__all__ = [
    "Binding",
    "CheckResult",
    "Registry",
    "Verdict",
    "binding_for",
    "leaf_of",
]
