"""The workspace lock: one advisory ``fcntl.flock`` on ``WORKSPACE/.lock``.

Every read-modify-write of the workspace (the bindings registry, an item's creation, replacement or
deletion) runs while holding it, so two certbench processes (or two TUI workers) never interleave their
changes. The lock is exclusive, waits a bounded time, then fails with one line saying who holds it. It is
re-entrant within a process: a function that holds it can call another that takes it again.

The lock is advisory and lives in the workspace itself: it protects certbench from itself, not from
other programs editing the files by hand. The kernel drops it when its holder dies, so a killed process
never leaves the workspace locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from certbench.core.errors import WorkspaceError

#: The lock file's name inside the workspace (it holds the holder's pid and purpose, for error messages).
LOCK_NAME = ".lock"
#: Seconds a writer waits for the lock before giving up with an error.
DEFAULT_TIMEOUT = 30.0


class WorkspaceBusyError(WorkspaceError):
    """Another process (or thread) held the workspace lock for longer than the bounded wait."""

    code = "workspace.busy"


class _Holder:
    """This process's hold on one lock file: a thread lock (flock does not exclude threads) plus depth."""

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.fd = -1
        self.depth = 0


_holders: dict[str, _Holder] = {}
_holders_guard = threading.Lock()


@contextlib.contextmanager
def hold(directory: str | Path, purpose: str, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the lock of the workspace at ``directory`` for the ``with`` block.

    Raises :class:`WorkspaceBusyError` when it stays held elsewhere for ``timeout`` seconds (``0``: do
    not wait), and :class:`WorkspaceError` when the lock file cannot be opened (read-only workspace).
    """
    key = os.path.realpath(directory)
    with _holders_guard:
        holder = _holders.setdefault(key, _Holder())
    deadline = time.monotonic() + max(timeout, 0.0)
    if not holder.thread_lock.acquire(timeout=max(timeout, 0.0)):
        raise WorkspaceBusyError(
            f"the workspace is busy (another task of this program is changing it); waited {timeout:g} s",
            path=key,
        )
    try:
        if holder.depth == 0:
            holder.fd = _acquire(Path(key), purpose, deadline, timeout)
        holder.depth += 1
        try:
            yield
        finally:
            holder.depth -= 1
            if holder.depth == 0:
                os.close(holder.fd)  # closing the last descriptor releases the flock
                holder.fd = -1
    finally:
        holder.thread_lock.release()


def _acquire(root: Path, purpose: str, deadline: float, timeout: float) -> int:
    lock_path = root / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise WorkspaceError(f"cannot lock the workspace: {exc.strerror or exc}", path=lock_path) from exc
    delay = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                who = _holder_description(fd)
                os.close(fd)
                raise WorkspaceBusyError(
                    f"the workspace is busy: {who} is changing it; waited {timeout:g} s, try again when it is done",
                    path=root,
                ) from None
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)) * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 0.2)
        except OSError as exc:
            os.close(fd)
            raise WorkspaceError(f"cannot lock the workspace: {exc.strerror or exc}", path=lock_path) from exc
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {purpose}\n".encode(), 0)
    except OSError:
        pass  # the note is only for error messages; the flock itself is what counts
    return fd


def _holder_description(fd: int) -> str:
    """'pid 1234 (save item x)' from the lock file, or a neutral phrase when it says nothing usable."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    pid, _, purpose = text.partition(" ")
    if not pid.isdigit():
        return "another certbench process"
    printable = "".join(c for c in purpose if c.isprintable())[:80]
    return f"pid {pid} ({printable})" if printable else f"pid {pid}"
