"""Where things live on this machine. The only module that imports platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

WORKSPACE_ENV = "CERTBENCH_WORKSPACE"


def default_workspace() -> Path:
    """The per-user default workspace (platformdirs' user data dir)."""
    from platformdirs import user_data_path

    return user_data_path("certbench", appauthor=False) / "workspace"


def resolve_workspace(explicit: str | os.PathLike[str] | None) -> Path:
    """``--workspace DIR`` wins, then ``$CERTBENCH_WORKSPACE``, then the platform default."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(WORKSPACE_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return default_workspace()
