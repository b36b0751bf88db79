"""The import contract between the layers, checked on the source (every import, even lazy ones).

core never imports the front ends, Textual, Rich or platformdirs; ui and commands never import each other.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "certbench"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (
        *("certbench.ui", "certbench.commands", "certbench.cli", "certbench.paths"),
        *("textual", "rich", "platformdirs"),
    ),
    "ui": ("certbench.commands", "certbench.cli"),
    "commands": ("certbench.ui",),
}


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module named by an import statement in ``path`` (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(("certbench", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
        ):
            text = node.args[0].value if isinstance(node.args[0], ast.Constant) else ast.unparse(node.args[0])
            found.append((node.lineno, str(text).strip("f'\"")))
    return found


def _violations(layer: str) -> list[str]:
    forbidden = FORBIDDEN[layer]
    problems = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, module in _imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in forbidden):
                problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    return problems


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert _violations(layer) == []


def test_the_contract_check_sees_violations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself finds a plain, a relative, a lazy and a dynamic forbidden import."""
    fake = tmp_path / "certbench"
    (fake / "core" / "sub").mkdir(parents=True)
    (fake / "core" / "a.py").write_text("from textual.app import App\n")
    (fake / "core" / "sub" / "b.py").write_text("def f():\n    from ...ui import app\n")
    (fake / "core" / "c.py").write_text("import importlib\nimportlib.import_module('certbench.commands.x')\n")
    (fake / "core" / "d.py").write_text("import rich.text\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    offenders = {problem.split(":")[0] for problem in _violations("core")}
    assert offenders == {"core/a.py", "core/sub/b.py", "core/c.py", "core/d.py"}
