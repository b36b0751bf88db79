"""Issue 13's guide that the splits happened: no module in src/ over 600 lines, no function over 100 lines,
no ``assert`` in production code (it vanishes under ``python -O``).

``REMAINING`` names the units still over a limit, each with its size today: it may only shrink (a unit
that grows fails, one that drops under the limit must leave the list), so no new large unit appears.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100

#: Units still over a limit (path relative to src/, or path::function) and their size when listed.
REMAINING: dict[str, int] = {}


def _sizes() -> dict[str, int]:
    """Every module's and function's length in lines, over the limits only."""
    over: dict[str, int] = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            over[name] = lines
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    over[f"{name}::{node.name}"] = length
    return over


def test_no_new_large_unit_and_the_listed_ones_only_shrink() -> None:
    over = _sizes()
    new = {unit: size for unit, size in over.items() if unit not in REMAINING}
    grown = {
        unit: (size, REMAINING[unit]) for unit, size in over.items() if unit in REMAINING and size > REMAINING[unit]
    }
    gone = sorted(set(REMAINING) - set(over))
    assert not new, f"over the limit ({MAX_MODULE_LINES} lines a module, {MAX_FUNCTION_LINES} a function): {new}"
    assert not grown, f"grew (now, listed): {grown}"
    assert not gone, f"now under the limit: take them off REMAINING: {gone}"


def test_no_assert_in_production_code() -> None:
    found = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert not found, f"assert in production code (raise an error instead): {found}"
