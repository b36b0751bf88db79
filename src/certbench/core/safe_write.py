"""The one place files are written.

Every write goes to a temporary file in the destination directory, is flushed and fsynced, then
renamed over the destination, so a crash or a full disk leaves either the old file or the new one,
never half of either. Existing files are refused unless the caller passes ``overwrite=True`` (the CLI's
``--force`` or a confirmation in the TUI). Secrets (private keys, keystores) get mode 0600.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from certbench.core.errors import CertbenchError, OutputExistsError, WorkspaceError

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644

#: The names certbench gives its temporary files and folders: ``.NAME.XXXXXXXX.tmp`` (a write or a new
#: item being built), ``.NAME.XXXXXXXX.old`` (an item set aside during a replacement). Only these are swept.
TEMP_NAME = re.compile(r"\.(?P<base>.+)\.(?P<random>[a-z0-9_]{8})\.(?P<kind>tmp|old)", re.DOTALL)
#: A temporary file not protected by the workspace lock is swept only once it is older than this (seconds).
SWEEP_GRACE = 15 * 60
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def check_output(target: Path, *, overwrite: bool = False) -> None:
    """The rules every write follows, checked before writing (and by the TUI as a path is typed): not a
    folder, the folder exists, no existing file unless ``overwrite``. Raises :class:`WorkspaceError` or
    :class:`OutputExistsError` naming ``target``."""
    if target.is_dir():
        raise WorkspaceError("is a directory, not a file", path=target)
    if target.exists() and not overwrite:
        raise OutputExistsError("already exists; use --force (or confirm) to overwrite it", path=target)
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise WorkspaceError(f"directory {directory} does not exist", path=target)


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
    check_output(target, overwrite=overwrite)
    directory = target.parent if str(target.parent) else Path()
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
    """Create ``path`` and its missing parents; every directory we create gets mode 0700.

    ``mkdir(parents=True)`` would create the parents with ``0777 & ~umask`` (world-writable under umask
    000, so another user could swap the workspace): each missing level is made and chmod-ed here.
    """
    directory = Path(path)
    if directory.exists():
        if not directory.is_dir():
            raise WorkspaceError("exists but is not a directory", path=directory)
        return directory
    missing = [level for level in (directory, *directory.parents) if not level.exists()]
    try:
        for level in reversed(missing):
            with contextlib.suppress(FileExistsError):
                level.mkdir(mode=0o700)
                level.chmod(0o700)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise WorkspaceError(f"cannot create directory: {exc.strerror or exc}", path=directory) from exc
    if not directory.is_dir():
        raise WorkspaceError("exists but is not a directory", path=directory)
    return directory


def make_staging_dir(target: Path) -> Path:
    """A new empty folder (mode 0700) next to ``target``, named ``.TARGET.XXXXXXXX.tmp``, to build in."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise WorkspaceError(f"cannot create a folder: {exc.strerror or exc}", path=target.parent) from exc


def install_dir(staging: Path, target: Path) -> None:
    """Put the complete folder ``staging`` in place of ``target`` so that a reader sees the old folder or
    the new one, never a mix, and a crash at any step leaves one of them complete.

    A missing target takes one rename. An existing one is swapped in a single step with Linux's
    ``renameat2(RENAME_EXCHANGE)`` (the old folder lands at ``staging`` and is removed). Where that is not
    available the old folder is first renamed aside to ``.TARGET.XXXXXXXX.old``; if the process dies before
    the second rename, :func:`sweep_dir` renames it back. Callers hold the workspace lock.
    """
    try:
        if not os.path.lexists(target):
            staging.rename(target)
        elif _exchange(staging, target):
            shutil.rmtree(staging)
        else:
            aside = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
            target.rename(aside)
            staging.rename(target)
            shutil.rmtree(aside)
        _fsync_directory(target.parent)
    except OSError as exc:
        raise WorkspaceError(f"cannot replace: {exc.strerror or exc}", path=target) from exc


def remove_dir(target: Path) -> None:
    """Remove a folder in one visible step: rename it to ``.TARGET.XXXXXXXX.tmp`` (swept if we die), then
    delete that. Callers hold the workspace lock."""
    doomed = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        target.rename(doomed)
        _fsync_directory(target.parent)
        shutil.rmtree(doomed)
    except OSError as exc:
        raise WorkspaceError(f"cannot delete: {exc.strerror or exc}", path=target) from exc


def sweep_dir(directory: Path, *, locked: bool, now: float | None = None) -> list[Path]:
    """Remove certbench's own leftovers in ``directory`` (not below it) and return what was removed.

    Leftovers are :data:`TEMP_NAME` files and folders from killed writers. With ``locked`` (the caller
    holds the workspace lock, so no live writer owns them) all are removed; otherwise only those older than
    :data:`SWEEP_GRACE`. An ``.old`` folder whose original name is missing is the old item of a replacement
    killed half-way: it is renamed back instead (with ``locked`` only).
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    moment = time.time() if now is None else now
    for entry in entries:
        match = TEMP_NAME.fullmatch(entry.name)
        if match is None:
            continue
        path = Path(entry.path)
        if match["kind"] == "old" and not locked:
            continue  # maybe the only copy of an item: only a lock holder may decide
        try:
            if not locked and moment - entry.stat(follow_symlinks=False).st_mtime < SWEEP_GRACE:
                continue
            if match["kind"] == "old" and not os.path.lexists(directory / match["base"]):
                path.rename(directory / match["base"])
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            continue  # best effort: a leftover that cannot be removed now is tried again next time
    return removed


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False when unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


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
