"""The workspace trash: Delete moves an item folder to trash/ in one rename, restore moves it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from certbench.core.demo import build_demo
from certbench.core.errors import UsageError, WorkspaceError
from certbench.core.workspace import Workspace
from conftest import FIXED_NOW


@pytest.fixture
def demo(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws")
    build_demo(workspace, now=FIXED_NOW)
    return workspace


def test_trash_and_restore_keep_every_file(demo: Workspace) -> None:
    before = {p.name: p.read_bytes() for p in demo.get("tpp1").directory.iterdir()}
    trash_id = demo.trash_item("tpp1")
    assert trash_id == "tpp1~1"
    assert not demo.has("tpp1") and "tpp1" not in [i.name for i in demo.list_items()]
    [trashed] = demo.list_trash()
    assert trashed.trash_id == "tpp1~1" and trashed.name == "tpp1" and trashed.item is not None
    assert trashed.item.subject == demo_subject(demo, trashed.directory)
    assert (demo.root / "trash" / "tpp1~1").is_dir()
    assert demo.restore_item(trash_id) == "tpp1"
    assert {p.name: p.read_bytes() for p in demo.get("tpp1").directory.iterdir()} == before
    assert demo.list_trash() == []


def demo_subject(workspace: Workspace, directory: Path) -> str:
    import json

    return str(json.loads((directory / "item.json").read_text())["subject"])


def test_same_name_trashed_twice_gets_numbers_and_restore_refuses_to_replace(demo: Workspace) -> None:
    demo.trash_item("tpp2")
    item = demo.list_trash()[0].item
    assert item is not None
    certificate = demo.load_certificate(demo.get("tpp1"))
    demo.save_item("tpp2", "imported", now=FIXED_NOW, certificate=certificate)  # type: ignore[arg-type]
    assert demo.trash_item("tpp2") == "tpp2~2"
    assert [t.trash_id for t in demo.list_trash()] == ["tpp2~1", "tpp2~2"]
    demo.restore_item("tpp2~2")
    with pytest.raises(WorkspaceError, match="an item named 'tpp2' exists"):
        demo.restore_item("tpp2~1")
    with pytest.raises(WorkspaceError, match="nothing in the trash"):
        demo.restore_item("tpp2~9")
    with pytest.raises(UsageError, match="invalid trash id"):
        demo.restore_item("../items/tpp1~1")


def test_trash_of_an_unknown_item_lists_the_known_ones(demo: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="no item named 'nope'"):
        demo.trash_item("nope")
