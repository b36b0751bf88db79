"""The safe-write module: atomic, never clobbers, secrets 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from certbench.core import safe_write
from certbench.core.errors import OutputExistsError, WorkspaceError
from certbench.core.safe_write import append_line, ensure_private_dir, write_atomic, write_private


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_new_file(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "a.pem", b"hello")
    assert target.read_bytes() == b"hello"
    assert mode_of(target) == 0o644


def test_refuses_to_overwrite_without_flag(tmp_path: Path) -> None:
    target = tmp_path / "a.pem"
    target.write_bytes(b"old")
    with pytest.raises(OutputExistsError, match="already exists"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"


def test_overwrites_with_flag(tmp_path: Path) -> None:
    target = tmp_path / "a.pem"
    target.write_bytes(b"old")
    write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"


def test_private_files_are_0600_even_with_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        target = write_private(tmp_path / "key.pem", b"secret")
    finally:
        os.umask(old)
    assert mode_of(target) == 0o600


def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.pem"
    target.write_bytes(b"old content")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_write.os, "fsync", broken_fsync)
    with pytest.raises(WorkspaceError, match="No space left"):
        write_atomic(target, b"new content", overwrite=True)
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pem"]


def test_failure_in_rename_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.pem"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(safe_write.os, "replace", broken_replace)
    with pytest.raises(WorkspaceError):
        write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"old"


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "a.pem", b"x")


def test_directory_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a directory"):
        write_atomic(tmp_path, b"x", overwrite=True)


def test_append_line_appends_and_is_private(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    append_line(log, "one")
    append_line(log, "two")
    assert log.read_text() == "one\ntwo\n"
    assert mode_of(log) == 0o600
    with pytest.raises(ValueError):
        append_line(log, "multi\nline")


def test_ensure_private_dir_creates_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        created = ensure_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode_of(created) == 0o700
