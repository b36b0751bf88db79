"""save_item's attachments (renew's ``history/N/`` files) are written inside the item folder, keys 0600."""

from __future__ import annotations

from pathlib import Path

import pytest

from certbench.core.demo import build_demo
from certbench.core.errors import UsageError
from certbench.core.workspace import Workspace
from conftest import FIXED_NOW


def test_item_attachments_stay_inside_the_item(tmp_path: Path) -> None:
    demo = Workspace.open(tmp_path / "ws")
    build_demo(demo, now=FIXED_NOW)
    item = demo.get("tpp1")
    certificate = demo.load_certificate(item)
    with pytest.raises(UsageError, match="invalid item file name"):
        demo.save_item("x1", item.kind, now=FIXED_NOW, certificate=certificate, attachments={"../escape": b"x"})
    assert not demo.has("x1") and not (demo.items_dir / "escape").exists()
    saved = demo.save_item(
        "x1", item.kind, now=FIXED_NOW, certificate=certificate, attachments={"history/1/key.pem": b"k"}
    )
    assert (saved.directory / "history" / "1" / "key.pem").stat().st_mode & 0o777 == 0o600
    assert (saved.directory / "history" / "1" / "key.pem").read_bytes() == b"k"
