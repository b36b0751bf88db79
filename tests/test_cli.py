"""The CLI shell: help, version, errors as one line, the Textual boundary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from certbench import __version__


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
