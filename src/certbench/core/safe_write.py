"""The one place files are written.

Every write goes to a temporary file in the destination directory, is flushed and fsynced, then
renamed over the destination, so a crash or a full disk leaves either the old file or the new one,
never half of either. Existing files are refused unless the caller passes ``overwrite=True`` (the CLI's
``--force`` or a confirmation in the TUI). Secrets (private keys, keystores) get mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from certbench.core.errors import CertbenchError, OutputExistsError, WorkspaceError

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644


def write_atomic(
    path: str | Path,
    data: bytes,
    *,
    overwrite: bool = False,
    mode: int = PUBLIC_MODE,
) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    Raises :class:`OutputExistsError` if ``path`` exists and ``overwrite`` is false, and
    :class:`WorkspaceError` for any OS-level failure (the destination is then untouched).
    """
    target = Path(path)
    if target.is_dir():
        raise WorkspaceError("is a directory, not a file", path=target)
    if target.exists() and not overwrite:
        raise OutputExistsError("already exists; use --force (or confirm) to overwrite it", path=target)
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise WorkspaceError(f"directory {directory} does not exist", path=target)
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        if not overwrite and target.exists():
            # Someone created it while we were writing: still never clobber.
            os.unlink(tmp_name)
            raise OutputExistsError("already exists; use --force (or confirm) to overwrite it", path=target)
        os.replace(tmp_name, target)
        _fsync_directory(directory)
    except CertbenchError:
        raise
    except OSError as exc:
        raise WorkspaceError(f"cannot write: {exc.strerror or exc}", path=target) from exc
    return target


def write_private(path: str | Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write a secret (private key, keystore) atomically with mode 0600."""
    return write_atomic(path, data, overwrite=overwrite, mode=PRIVATE_MODE)


def append_line(path: str | Path, line: str) -> None:
    """Append one line to an append-only log (the audit log), creating it 0600 if needed."""
    target = Path(path)
    if "\n" in line:
        raise ValueError("audit lines must be single lines")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise WorkspaceError(f"cannot append: {exc.strerror or exc}", path=target) from exc


def ensure_private_dir(path: str | Path) -> Path:
    """Create ``path`` (and parents) if missing; a directory we create gets mode 0700."""
    directory = Path(path)
    if directory.exists():
        if not directory.is_dir():
            raise WorkspaceError("exists but is not a directory", path=directory)
        return directory
    try:
        directory.mkdir(mode=0o700, parents=True)
        directory.chmod(0o700)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise WorkspaceError(f"cannot create directory: {exc.strerror or exc}", path=directory) from exc
    return directory


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (best effort: not every filesystem allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
