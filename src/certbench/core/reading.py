"""The one way certbench reads a file: bounded, counted, and never blocking on what is not a file.

:func:`read_bounded` checks what the path is before opening it, opens it with ``O_NONBLOCK`` (opening a
named pipe that has no writer returns at once instead of waiting forever), checks again with ``fstat``, then
reads at most ``limit + 1`` bytes, counting them as they come. It never trusts ``st_size`` alone (0 for
``/dev/zero``, pipes and most devices). Every refusal is one line naming the file.

Inputs (certificates, keystores, JARs, CSRs, configs) and workspace files must be regular files (or
symlinks to one). Password files may also be a pipe or a character device (``--password-file
<(pass show x)`` is how people keep secrets out of files), still read up to the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from certbench.core.errors import CertbenchError, FormatError, WorkspaceError

_CHUNK = 1024 * 1024
#: Largest file read from a workspace (item PEMs and metadata, the bindings registry, the audit log).
MAX_WORKSPACE_FILE_BYTES = 64 * 1024 * 1024


def read_bounded(
    path: str | Path,
    limit: int,
    *,
    what: str = "a file",
    error: type[CertbenchError] = FormatError,
    streams: bool = False,
) -> bytes:
    """The content of ``path``, at most ``limit`` bytes; raises ``error`` (naming the file) otherwise.

    ``what`` names the kind of file in messages ("a CSR", "a password file"). ``streams`` also accepts
    pipes and character devices (read up to the limit); otherwise only regular files are read.
    """
    source = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        _refuse_kind(source.stat().st_mode, source, what, error, streams)  # a socket cannot even be opened
        fd = os.open(source, flags)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=source) from exc
    try:
        opened = os.fstat(fd)
        regular = _refuse_kind(opened.st_mode, source, what, error, streams)  # again: the path may have been swapped
        if regular:
            if opened.st_size > limit:  # refused before reading (a sparse or huge file costs nothing)
                raise error(too_large(limit, what, size=opened.st_size), path=source)
        else:
            os.set_blocking(fd, True)  # a pipe that has a writer is waited for; one without reads as empty
        return _read_counted(fd, limit, source, what, error)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=source) from exc
    finally:
        os.close(fd)


def read_workspace_file(path: Path, *, error: type[CertbenchError] = WorkspaceError) -> bytes:
    """A file of the workspace, bounded like any input (a FIFO or device put in its place is refused)."""
    return read_bounded(path, MAX_WORKSPACE_FILE_BYTES, what="a workspace file", error=error)


def too_large(limit: int, what: str = "a file", *, size: int | None = None) -> str:
    """The one message for input over a limit (``size`` when known; a stream's size is not)."""
    amount = f"is {size} bytes, larger" if size is not None else "is larger"
    suffix = "" if what == "a file" else f" for {what}"
    return f"{amount} than the {limit} bytes certbench reads{suffix}"


def _read_counted(fd: int, limit: int, source: Path, what: str, error: type[CertbenchError]) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise error(too_large(limit, what), path=source)


def _refuse_kind(mode: int, source: Path, what: str, error: type[CertbenchError], streams: bool) -> bool:
    """Raise unless ``mode`` is a file certbench reads; True for a regular file."""
    if stat.S_ISREG(mode):
        return True
    if streams and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        return False
    raise error(f"is {_kind(mode)}, not {what}", path=source)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"
