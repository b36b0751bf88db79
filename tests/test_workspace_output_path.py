"""The one rule for output paths typed in the TUI: relative means in the workspace's artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from certbench.core.workspace import Workspace


def test_relative_output_paths_are_in_artifacts_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(Path("ws"))
    assert workspace.output_path("chain.pem") == tmp_path / "ws" / "artifacts" / "chain.pem"
    assert workspace.output_path("sub/chain.pem") == tmp_path / "ws" / "artifacts" / "sub" / "chain.pem"
    assert workspace.output_path(tmp_path / "elsewhere.pem") == tmp_path / "elsewhere.pem"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert workspace.output_path("~/x.pem") == tmp_path / "home" / "x.pem"
