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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certbench.core.errors import PasswordError, UsageError
from certbench.core.lock import DEFAULT_TIMEOUT
from certbench.core.reading import read_bounded
from certbench.core.safe_text import json_terminal_safe, terminal_safe
from certbench.core.workspace import Workspace
from certbench.paths import resolve_workspace

if TYPE_CHECKING:
    from certbench.core.formats.material import Material

#: Fixed clock for demos, screenshots and tests (ISO 8601). Real use never sets it.
NOW_ENV = "CERTBENCH_NOW"
#: Seconds to wait for the workspace lock held by another certbench (default: the core's 30 s).
LOCK_TIMEOUT_ENV = "CERTBENCH_LOCK_TIMEOUT"


#: The longest look-ahead a DAYS window option takes (100 years): further out is past what a date holds.
MAX_WINDOW_DAYS = 36_500


#: A password file holds one line; anything larger (``/dev/zero``) is refused, not read into memory.
MAX_PASSWORD_FILE_BYTES = 64 * 1024


def parse_timestamp(value: str, *, option: str = "--at") -> datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{option}: {value!r} is not an ISO 8601 timestamp (e.g. 2026-01-31T12:00:00Z)") from exc
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError as exc:  # 9999-12-31T23:59:59-01:00 is in year 10000 in UTC
        raise UsageError(f"{option}: {value!r} is outside the years 1 to 9999 once taken to UTC") from exc


def window_days(value: int, *, option: str) -> int:
    """A look-ahead in days (``--days``, ``--within``): 0 to :data:`MAX_WINDOW_DAYS`, else a usage error."""
    if not 0 <= value <= MAX_WINDOW_DAYS:
        raise UsageError(f"{option}: DAYS must be from 0 to {MAX_WINDOW_DAYS} (got {value})")
    return value


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
            self._workspace = Workspace.open(self.workspace_path, lock_timeout=lock_timeout())
            self._workspace.on_warning = print_warning
        return self._workspace

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)


def lock_timeout() -> float:
    """The workspace lock wait from ``$CERTBENCH_LOCK_TIMEOUT`` (seconds), or the core's default."""
    value = os.environ.get(LOCK_TIMEOUT_ENV)
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}: {value!r} is not a number of seconds between 0 and 86400")
    return seconds


def print_warning(message: str) -> None:
    """One ``certbench: warning: ...`` line on stderr (something went wrong after the work was done)."""
    print(f"certbench: warning: {' '.join(terminal_safe(message).split())}", file=sys.stderr)


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
    from certbench.core.formats.load import load_file  # lazy: the TUI starts through this package

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


def print_json(value: Any, *, compact: bool = False) -> None:
    """One JSON document (indented, or on one line with ``compact``); JSON's own escaping keeps it inert."""
    text = json.dumps(value, ensure_ascii=False) if compact else json.dumps(value, indent=2, ensure_ascii=False)
    print(json_terminal_safe(text))


def echo(line: str = "", *, err: bool = False) -> None:
    """Print one line of text output (stdout, or stderr with ``err``), terminal-safe.

    Every text line of the commands goes through here: whatever a file put in it (a subject, an alias,
    a file name) shows its control characters escaped, so a newline in a CN cannot forge a line and an
    escape sequence cannot retitle or recolour the terminal.
    """
    print(terminal_safe(line), file=sys.stderr if err else sys.stdout)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Rows of cells (the first one a header) in aligned columns; the last column is not padded."""
    safe = [[terminal_safe(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in safe) for i in range(len(safe[0]) - 1)]
    for row in safe:
        print("  ".join([cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]))
