"""Bounded input everywhere: devices, pipes and huge files are refused in one line, never read into memory
or waited on. The CLI cases run as real processes; their timeout is a hang guard, not a speed check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from certbench.core.errors import FormatError, PasswordError, UsageError
from certbench.core.formats.load import load_file
from certbench.core.formats.pem import MAX_PEM_PROBLEMS, pem_blocks
from certbench.core.reading import read_bounded
from tool_runner import run_tool

#: Generous: a hang (the old FIFO open, reading /dev/zero until MemoryError) is what this catches.
HANG_GUARD_SECONDS = 120
#: Keeps a process that would eat /dev/zero from taking the machine down before the guard fires.
MEMORY_CAP_BYTES = 1024 * 1024 * 1024


def certbench(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["prlimit", f"--as={MEMORY_CAP_BYTES}", sys.executable, "-m", "certbench", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with a CA (made by certbench itself) and an openssl-made PKCS#12 and config."""
    folder = tmp_path_factory.mktemp("bounded")
    run_tool("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=bounded.example", "-days", "30",
             cwd=folder)  # fmt: skip
    run_tool("openssl", "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-out", "id.p12",
             "-passout", "pass:secret1", cwd=folder)  # fmt: skip
    created = certbench("--workspace", folder / "ws", "ca", "create", "CA", "--subject", "/CN=Bounded CA",
                        "--key", "ec:p256", "--no-key-password")  # fmt: skip
    assert created.returncode == 0, created.stderr
    return folder


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "nobody-writes.pem"
    os.mkfifo(path)
    yield path


def assert_refused(result: subprocess.CompletedProcess[str], path: str | Path, fragment: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"certbench: error: {path}: "), result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr


def test_jar_check_of_dev_zero_is_refused(material: Path) -> None:
    result = certbench("--workspace", material / "ws", "jar", "check", "/dev/zero")
    assert_refused(result, "/dev/zero", "is a character device, not a keystore JAR")


def test_inspect_with_dev_zero_as_password_file_is_refused(material: Path) -> None:
    """A password file may be a pipe or device (``<(pass show x)``), so /dev/zero is read: up to the limit."""
    result = certbench("inspect", material / "id.p12", "--password-file", "/dev/zero")
    assert_refused(result, "/dev/zero", "is larger than the 65536 bytes certbench reads for a password file")


def test_ca_sign_of_dev_zero_is_refused(material: Path) -> None:
    result = certbench("--workspace", material / "ws", "ca", "sign", "CA", "/dev/zero", "--out", material / "x.pem")
    assert_refused(result, "/dev/zero", "is a character device, not a CSR")
    assert not (material / "x.pem").exists()


def test_cert_create_from_cnf_dev_zero_is_refused(material: Path) -> None:
    result = certbench(
        "--workspace", material / "ws", "cert", "create", "leaf", "--issuer", "CA", "--from-cnf", "/dev/zero",
        "--no-key-password",
    )  # fmt: skip
    assert_refused(result, "/dev/zero", "is a character device, not an OpenSSL config")


def test_inspect_of_a_fifo_without_writer_is_refused(fifo: Path) -> None:
    result = certbench("inspect", fifo)
    assert_refused(result, fifo, "is a named pipe (FIFO), not a file")


@pytest.mark.parametrize("kind", ["directory", "socket"])
def test_inspect_of_other_non_files_is_refused(tmp_path: Path, kind: str) -> None:
    import socket

    path = tmp_path / f"a-{kind}"
    if kind == "directory":
        path.mkdir()
        result = certbench("inspect", path)
    else:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(path))
            result = certbench("inspect", path)
    assert_refused(result, path, f"is a {kind}, not a file")


def test_a_symlink_to_a_regular_file_is_read(material: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.pem"
    link.symlink_to(material / "cert.pem")
    result = certbench("inspect", link, "--json")
    assert result.returncode in (0, 1), result.stderr
    assert "bounded.example" in result.stdout


# -- the reader itself -------------------------------------------------------------------------------


def _pipe_path(payload: bytes) -> tuple[str, threading.Thread]:
    """An anonymous pipe seen as a path, as ``<(command)`` gives one; a thread writes ``payload`` into it."""
    read_end, write_end = os.pipe()

    def write() -> None:
        try:
            with os.fdopen(write_end, "wb") as handle:
                handle.write(payload)
        except BrokenPipeError:
            pass  # the reader stopped at its limit

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return f"/dev/fd/{read_end}", writer


def test_a_stream_is_counted_not_trusted_for_its_size() -> None:
    """A pipe reports size 0; the reader stops after limit + 1 bytes while the writer still has more."""
    path, writer = _pipe_path(b"A" * 10_000_000)
    try:
        with pytest.raises(PasswordError) as caught:
            read_bounded(path, 4096, what="a password file", error=PasswordError, streams=True)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
        writer.join(timeout=HANG_GUARD_SECONDS)
    assert caught.value.message == "is larger than the 4096 bytes certbench reads for a password file"


def test_a_stream_within_the_limit_is_read() -> None:
    path, writer = _pipe_path(b"secret1\n")
    try:
        assert read_bounded(path, 4096, streams=True) == b"secret1\n"
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
        writer.join(timeout=HANG_GUARD_SECONDS)


def test_a_stream_is_refused_where_a_file_is_expected() -> None:
    path, writer = _pipe_path(b"secret1\n")
    try:
        with pytest.raises(FormatError) as caught:
            read_bounded(path, 4096)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
        writer.join(timeout=HANG_GUARD_SECONDS)
    assert caught.value.message == "is a named pipe (FIFO), not a file"


def test_a_regular_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.cnf"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(UsageError) as caught:
        read_bounded(path, 4096, what="an OpenSSL config", error=UsageError)
    assert caught.value.message == "is 5000 bytes, larger than the 4096 bytes certbench reads for an OpenSSL config"
    assert read_bounded(path, 5000) == b"x" * 5000


def test_a_fifo_swapped_in_as_the_bindings_registry_is_refused(tmp_path: Path) -> None:
    """Workspace files go through the same reader: a FIFO as bindings.json is reported, not waited on."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.mkfifo(workspace / "bindings.json")
    result = certbench("--workspace", workspace, "bind", "list")
    assert_refused(result, workspace / "bindings.json", "is a named pipe (FIFO), not a workspace file")


# -- linear PEM scanning -----------------------------------------------------------------------------

UNTERMINATED_LINES = 128_000


@pytest.fixture(scope="module")
def unterminated(material: Path) -> Path:
    """128,000 BEGIN lines without END (5 minutes of re-scanning before), then one real certificate."""
    path = material / "unterminated.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\n" * UNTERMINATED_LINES + (material / "cert.pem").read_bytes())
    return path


def test_unterminated_blocks_are_counted_and_the_certificate_after_them_read(unterminated: Path) -> None:
    loaded = load_file(unterminated)
    assert [c.subject.rfc4514_string() for c in loaded.certificates] == ["CN=bounded.example"]
    assert len(loaded.problems) == MAX_PEM_PROBLEMS + 1
    assert (
        loaded.problems[0]
        == "PEM block 1 (CERTIFICATE) is cut off: no '-----END CERTIFICATE-----' line (truncated file?)"
    )
    assert loaded.problems[-1] == (
        f"and {UNTERMINATED_LINES - MAX_PEM_PROBLEMS} more PEM blocks cut off, damaged or skipped "
        f"({UNTERMINATED_LINES} in all; the first {MAX_PEM_PROBLEMS} are listed)"
    )


def test_inspect_of_unterminated_blocks_reports_them_in_a_bounded_list(unterminated: Path) -> None:
    result = certbench("inspect", "--json", unterminated)
    assert result.returncode == 2, result.stderr  # input errors, as for any damaged file
    findings = json.loads(result.stdout)["findings"]
    cut_off = [f for f in findings if f["code"] == "input.unreadable"]
    assert len(cut_off) == MAX_PEM_PROBLEMS + 1
    assert f"({UNTERMINATED_LINES} in all" in cut_off[-1]["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A BEGIN whose END is missing, then a good block: the cut-off one is numbered and named.
        ("-----BEGIN A-----\nQUJD\n-----BEGIN B-----\nQUJD\n-----END B-----\n", [("A", False), ("B", True)]),
        # No closing dashes on the BEGIN line: named by what follows it on the line.
        ("-----BEGIN CERTIFICATE\nQUJD\n-----END CERTIFICATE-----\n", [("CERTIFICATE", False)]),
        # Two markers on one line, CRLF line ends, text around blocks.
        ("x -----BEGIN A----------BEGIN B-----\r\nQUJD\r\n-----END B-----\r\ntail", [("A", False), ("B", True)]),
        # An END of another label does not close a block.
        ("-----BEGIN A-----\nQUJD\n-----END B-----\n", [("A", False)]),
    ],
)
def test_pem_blocks_are_split_as_before(text: str, expected: list[tuple[str, bool]]) -> None:
    entries = list(pem_blocks(text.encode()))
    assert [(label, block is not None) for label, block, _count in entries] == expected
    assert all(count == 1 for _label, _block, count in entries)


def test_a_password_fifo_without_writer_reads_as_empty_instead_of_blocking(fifo: Path) -> None:
    assert read_bounded(fifo, 4096, what="a password file", error=PasswordError, streams=True) == b""
