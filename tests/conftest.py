"""Shared fixtures. Every test runs with an isolated workspace and never touches the user's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from certbench.core.workspace import Workspace

if TYPE_CHECKING:
    from certbench.ui.app import CertbenchApp

_AppT = TypeVar("_AppT")

#: The fixed clock used by snapshots, screenshots and any test that needs a stable "now".
FIXED_NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may read or write the real per-user workspace or data directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("CERTBENCH_WORKSPACE", raising=False)
    monkeypatch.delenv("CERTBENCH_NOW", raising=False)
    yield


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``certbench ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from certbench.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        saved = {key: os.environ.get(key) for key in (env or {})}
        os.environ.update(env or {})
        try:
            code = main(list(args))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def demo_workspace(tmp_path: Path, fixed_now: datetime) -> Workspace:
    """A workspace filled by ``certbench demo`` at the fixed clock (deterministic material)."""
    from certbench.core.demo import build_demo

    demo = Workspace.open(tmp_path / "demo-workspace")
    build_demo(demo, now=fixed_now)
    return demo


def home_at_workspace(app: _AppT) -> _AppT:
    """Snapshots: make the tab bar show the workspace as ``~/NAME``, not a machine-specific temporary path
    (the autouse fixture above restores HOME after the test)."""
    os.environ["HOME"] = str(Path(app.workspace.root).absolute().parent)  # type: ignore[attr-defined]
    return app


# TUI tests: workspaces and apps started in the test's own folder ("ws" is relative to it).


@pytest.fixture
def empty_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path("ws")


@pytest.fixture
def demo_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from certbench.core.demo import build_demo

    monkeypatch.chdir(tmp_path)
    build_demo(Workspace.open(Path("ws")), now=FIXED_NOW)
    return Path("ws")


@pytest.fixture
def app(empty_ws: Path) -> CertbenchApp:
    from certbench.ui.app import make_app

    return make_app(empty_ws, now=FIXED_NOW)


@pytest.fixture
def demo_app(demo_ws: Path) -> CertbenchApp:
    from certbench.ui.app import make_app

    return make_app(demo_ws, now=FIXED_NOW)
