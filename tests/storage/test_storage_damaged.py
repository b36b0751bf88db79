"""Issue 11 §6: a damaged item.json (not_after 12345, a year-9999 time that overflows, not JSON) is
reported by name; the rest of the workspace still lists, in the CLI and on the TUI's Workspace screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from certbench.ui.app import make_app
from conftest import FIXED_NOW

DAMAGE = {
    "int-date": 12345,
    "overflow": "9999-12-31T23:59:59-01:00",
}


@pytest.fixture
def damaged_workspace(tmp_path: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "ws"
    for name in ("good", "far", "int-date", "overflow", "not-json"):
        code, _, err = run_cli(
            "--workspace", str(root), "ca", "create", name, "--subject", f"CN={name}", "--key", "ec:p256",
            "--no-key-password",
        )  # fmt: skip
        assert code == 0, err
    for name, value in {**DAMAGE, "far": "9999-12-31T23:59:59Z"}.items():
        meta_path = root / "items" / name / "item.json"
        meta = json.loads(meta_path.read_text())
        meta["not_after"] = value
        meta_path.write_text(json.dumps(meta))
    (root / "items" / "not-json" / "item.json").write_text("{cut off")
    return root


def test_cli_list_reports_damaged_items_by_name_and_lists_the_rest(run_cli, damaged_workspace: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("--workspace", str(damaged_workspace), "list")
    assert code == 1
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["far", "good"]
    assert "9999-12-31" in out
    warnings = err.splitlines()
    assert len(warnings) == 3 and all(line.startswith("certbench: warning: item '") for line in warnings)
    for name in ("int-date", "overflow", "not-json"):
        assert any(f"'{name}'" in line and f"{name}/item.json" in line for line in warnings), name
    assert "12345" in err and "internal error" not in err


def test_cli_list_json_has_an_entry_per_damaged_item(run_cli, damaged_workspace: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("--workspace", str(damaged_workspace), "list", "--json")
    assert code == 1
    entries = {entry["name"]: entry for entry in json.loads(out)}
    assert sorted(entries) == ["far", "good", "int-date", "not-json", "overflow"]
    assert entries["far"]["not_after"] == "9999-12-31T23:59:59Z" and entries["far"]["days_left"] > 2_000_000
    for name in ("int-date", "not-json", "overflow"):
        assert "damaged item metadata" in entries[name]["damaged"]
        assert entries[name]["path"].endswith(f"{name}/item.json")


async def test_workspace_screen_shows_damaged_items_and_does_not_crash(damaged_workspace: Path) -> None:
    app = make_app(damaged_workspace, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one("#items-table", DataTable)
        for _ in range(50):
            await pilot.pause(0.1)
            if table.row_count:
                break
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert rows == {
            "far": "ca",
            "good": "ca",
            "int-date": "damaged",
            "not-json": "damaged",
            "overflow": "damaged",
        }
        status = str(app.screen.query_one("#workspace-status", Static).render())
        assert "3 damaged: int-date, not-json, overflow" in status
        table.move_cursor(row=list(rows).index("int-date"))
        await pilot.pause(0.1)
        details = str(app.screen.query_one("#item-details", Static).render())
        assert "Damaged item int-date" in details and "12345" in details


async def test_workspace_screen_deletes_a_damaged_item(damaged_workspace: Path) -> None:
    app = make_app(damaged_workspace, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one("#items-table", DataTable)
        for _ in range(50):
            await pilot.pause(0.1)
            if table.row_count:
                break
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.focus()
        table.move_cursor(row=names.index("not-json"))
        await pilot.press("delete")
        await pilot.pause(0.2)
        await pilot.press("y")
        for _ in range(50):
            await pilot.pause(0.1)
            if table.row_count == len(names) - 1:
                break
        assert not (damaged_workspace / "items" / "not-json").exists()
        assert sorted(p.name for p in (damaged_workspace / "items").iterdir()) == [
            "far",
            "good",
            "int-date",
            "overflow",
        ]
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [n for n in names if n != "not-json"]


def test_expiring_names_a_damaged_item_it_cannot_check(run_cli, damaged_workspace: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("--workspace", str(damaged_workspace), "expiring", "--within", "1")
    assert code == 1 and out.startswith("nothing expires within 1 days")
    assert sorted(line.split("'")[1] for line in err.splitlines()) == ["int-date", "not-json", "overflow"]
    assert all(line.startswith("certbench: warning: item '") for line in err.splitlines())
