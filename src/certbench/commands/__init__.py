"""Headless commands. Each module has ``register(subparsers)`` and handlers ``(args, ctx) -> exit code``.

Handlers stay thin: parse, call :mod:`certbench.core`, print. Shared plumbing (workspace, clock,
passwords, output) lives here.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certbench.core.errors import PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Material
from certbench.core.reading import read_bounded
from certbench.core.workspace import Workspace
from certbench.paths import resolve_workspace

#: Fixed clock for demos, screenshots and tests (ISO 8601). Real use never sets it.
NOW_ENV = "CERTBENCH_NOW"
#: A password file holds one line; anything larger (``/dev/zero``) is refused, not read into memory.
MAX_PASSWORD_FILE_BYTES = 64 * 1024


def parse_timestamp(value: str, *, option: str = "--at") -> datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{option}: {value!r} is not an ISO 8601 timestamp (e.g. 2026-01-31T12:00:00Z)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass
class Context:
    """What every handler needs: the workspace (opened on first use) and the clock."""

    workspace_path: Path
    fixed_now: datetime | None = None
    _workspace: Workspace | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        fixed = os.environ.get(NOW_ENV)
        return cls(
            workspace_path=resolve_workspace(getattr(args, "workspace", None)),
            fixed_now=parse_timestamp(fixed, option=NOW_ENV) if fixed else None,
        )

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace.open(self.workspace_path)
        return self._workspace

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)


def add_password_options(
    parser: argparse.ArgumentParser,
    *,
    dest: str = "password",
    flag: str = "--password",
    what: str = "the input's password",
) -> None:
    """Add ``{flag}-env VAR`` and ``{flag}-file F``. Passwords never come from argv itself."""
    parser.add_argument(f"{flag}-env", dest=f"{dest}_env", metavar="VAR", help=f"read {what} from $VAR")
    parser.add_argument(f"{flag}-file", dest=f"{dest}_file", metavar="FILE", help=f"read {what} from FILE (first line)")


def read_password(
    args: argparse.Namespace,
    *,
    dest: str = "password",
    prompt: str | None = None,
    confirm: bool = False,
) -> bytes | None:
    """Resolve a password from ``--{dest}-env``, ``--{dest}-file`` or a TTY prompt; None if none given."""
    env_name = getattr(args, f"{dest}_env", None)
    file_name = getattr(args, f"{dest}_file", None)
    if env_name and file_name:
        raise UsageError(f"give the {dest.replace('_', ' ')} once: either an environment variable or a file")
    if env_name:
        value = os.environ.get(env_name)
        if value is None:
            raise PasswordError(f"environment variable {env_name} is not set", missing=True)
        return value.encode()
    if file_name:
        text = read_bounded(
            file_name, MAX_PASSWORD_FILE_BYTES, what="a password file", error=PasswordError, streams=True
        )
        return text.splitlines()[0] if text.splitlines() else b""
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} (again): ") != first:
            raise PasswordError("the two passwords typed do not match")
        return first.encode()
    return None


def load_asking(
    path: str | Path, args: argparse.Namespace, *, dest: str = "password", flag: str = "--password"
) -> tuple[Material, bytes | None]:
    """Load ``path`` with the password options (made by ``add_password_options(dest, flag)``); on a
    terminal, ask only when the file turns out to need one. Returns the material and the password that
    opened it (None when none was needed)."""
    password = read_password(args, dest=dest)
    try:
        return load_file(path, password), password
    except PasswordError as exc:
        if not exc.missing or password is not None:
            raise
        asked = read_password(args, dest=dest, prompt=f"Password for {path}")
        if asked is None:
            raise PasswordError(
                f"{exc.message}: give it with {flag}-env VAR or {flag}-file FILE", path=exc.path, missing=True
            ) from exc
        return load_file(path, asked), asked


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False))
