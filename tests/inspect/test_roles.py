"""Issue 13: one role labeller (core/roles.py) for CLI inspect and the TUI's chain table.

Before it, the CLI called the first certificate of a chain "leaf" even when it was a CA (an intermediate
and its root inspected without a leaf), where the TUI said "CA"; both now ask ``core.roles``.
"""

from __future__ import annotations

import re
from pathlib import Path

from inspect_material import InspectMaterial, inspect_material
from rich.text import Text

from certbench.core.chain import analyze_chain
from certbench.core.formats.load import load_file
from certbench.core.roles import Role, role_at
from certbench.ui.widgets.chain_view import build_analysis
from conftest import FIXED_NOW

__all__ = ["inspect_material"]

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z"}


def cli_roles(run_cli, path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The ``[id] name (role)`` lines of the primary chain as ``certbench inspect`` prints them."""
    _code, out, _err = run_cli("inspect", str(path), env=ENV)
    primary = out.split("\nChain (", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"\[(c\d+)\] .* \(([^()]+)\)$", primary, flags=re.MULTILINE))


def tui_roles(path: Path) -> dict[str, str]:
    """The role column of the Inspect/Probe screens' chain table (the shared ChainView analysis)."""
    materials = [load_file(path)]
    report = analyze_chain(materials, now=FIXED_NOW)
    analysis = build_analysis([str(path)], materials, [], report, FIXED_NOW)
    return {cert_id: str(cells[2]) if isinstance(cells[2], Text) else "" for cert_id, cells in analysis.rows}


def test_a_ca_bundle_without_leaf_starts_with_ca_in_both_front_ends(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    from_cli = cli_roles(run_cli, inspect_material.eku_ca_bundle)
    assert from_cli == {"c1": "CA", "c2": "root"}
    assert {cert_id: tui_roles(inspect_material.eku_ca_bundle)[cert_id] for cert_id in from_cli} == from_cli


def test_the_same_labels_on_a_full_and_an_incomplete_chain(run_cli, inspect_material: InspectMaterial) -> None:  # type: ignore[no-untyped-def]
    full = cli_roles(run_cli, inspect_material.chain)
    assert sorted(full.values()) == ["intermediate", "leaf", "root"]
    assert {k: tui_roles(inspect_material.chain)[k] for k in full} == full
    partial = cli_roles(run_cli, inspect_material.no_root)
    assert sorted(partial.values()) == ["intermediate", "leaf"]
    assert {k: tui_roles(inspect_material.no_root)[k] for k in partial} == partial


def test_self_issued_end_of_an_incomplete_chain_is_not_a_root(inspect_material: InspectMaterial) -> None:
    root = load_file(inspect_material.root).certificates[0]
    leaf = load_file(inspect_material.leaf).certificates[0]
    assert role_at(root, 1, 2, complete=True) is Role.ROOT
    assert role_at(root, 1, 2, complete=False) is Role.INTERMEDIATE
    assert role_at(root, 0, 1, complete=True) is Role.ROOT
    assert role_at(leaf, 0, 1, complete=False) is Role.LEAF
