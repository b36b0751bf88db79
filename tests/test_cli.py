"""The CLI shell: help, version, errors as one line, the Textual boundary."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from certbench import __version__, cli


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "certbench", *args], capture_output=True, text=True, cwd=cwd)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"certbench {__version__}"


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "list" in result.stdout and "--workspace" in result.stdout


def test_usage_error_exit_code() -> None:
    result = run("no-such-command")
    assert result.returncode == 2


def test_project_error_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("--workspace", str(blocker / "ws"), "list")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("certbench: error: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("module", ["certbench.cli", "certbench.core", "certbench.commands"])
def test_headless_code_does_not_import_textual(module: str) -> None:
    code = (
        f"import importlib, sys, pkgutil; import {module} as m; import certbench.cli as c; c.build_parser();"
        "import certbench.core as core;"
        "[importlib.import_module(i.name) for i in pkgutil.walk_packages(core.__path__, 'certbench.core.')];"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich'));"
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"headless import pulled in: {result.stdout} {result.stderr}"


def test_command_word_table_matches_what_modules_register() -> None:
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {*cli.COMMAND_WORDS, "tui"}
    for word, module in cli.COMMAND_WORDS.items():
        only = cli.build_parser((module,))
        only_sub = next(a for a in only._actions if isinstance(a, argparse._SubParsersAction))
        assert word in only_sub.choices


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    code = (
        "import sys; from certbench import cli; cli.main(['--workspace', 'ws', 'list', '--json']); "
        "print(sorted(m for m in sys.modules if m.startswith('certbench.commands.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "['certbench.commands.workspace']" in result.stdout


@pytest.mark.parametrize("argv", [[], ["tui"]])
def test_the_tui_starts_without_command_modules_or_certificate_readers(tmp_path: Path, argv: list[str]) -> None:
    """Building every command's parser loaded cryptography: a fifth of a second before the first frame."""
    code = (
        "import sys; from certbench import cli; cli._run_tui = lambda args, ctx: 0;"
        f"cli.main(['--workspace', 'ws', *{argv!r}]);"
        "print(sorted(m for m in sys.modules if m.startswith(('certbench.commands.', 'cryptography'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert result.stdout.strip() == "[]"


def test_help_without_a_command_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert all(word in result.stdout for word in ("inspect", "jar", "probe", "tui"))


def test_missing_password_error_says_how_to_give_it(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256",
         "-pass", "pass:secret-1", "-out", str(key)],
        check=True, capture_output=True,
    )  # fmt: skip
    code, _out, err = run_cli("--workspace", str(tmp_path / "ws"), "inspect", str(key))
    assert code == 2
    assert err.count("\n") == 1 and "encrypted private key: give it with --password-env VAR" in err


def test_cryptography_warnings_are_one_line_each(tmp_path: Path) -> None:
    """A negative serial (openssl still makes them; old roots have them) warns while loading AND describing:
    one summary line on stderr, no Python source-line dump, the report still printed."""
    cert = tmp_path / "negative-serial.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp_path / "k.pem"), "-out", str(cert), "-subj", "/CN=negative", "-days", "5",
         "-set_serial", "-42"],
        check=True, capture_output=True,
    )  # fmt: skip
    # A real process: in-process, pytest would swallow the Python warnings this test is about.
    result = subprocess.run(
        [sys.executable, "-m", "certbench", "--workspace", str(tmp_path / "ws"), "inspect", str(cert)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "CN=negative" in result.stdout
    err = result.stderr
    assert err.count("\n") == 1 and err.startswith("certbench: warning: certificate serial number not positive")
