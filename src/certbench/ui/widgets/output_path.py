"""Output path fields checked as they are typed: the TUI's path rule (``Workspace.output_path``: relative
means in the workspace's ``artifacts/``) and the rules every write follows (``safe_write.check_output``),
shown under the field before Write is pressed, the same way on every screen that writes a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from certbench.core.errors import CertbenchError, OutputExistsError
from certbench.core.safe_write import check_output
from certbench.core.workspace import Workspace

#: Class of the message line under an output path field (``-problem`` when the path cannot be written).
HINT_CLASS = "output-hint"


@dataclass(frozen=True)
class OutputCheck:
    """Where a typed output path writes, and why it cannot (``problem``: Write is off) or what happens."""

    target: Path | None
    problem: str | None
    note: str

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_output_path(workspace: Workspace, typed: str, *, default: Path | None = None) -> OutputCheck:
    """Check ``typed`` (empty: ``default``, if any). An existing file is no problem: writing asks first."""
    text = typed.strip()
    target = workspace.output_path(text) if text else default
    if target is None:
        return OutputCheck(None, "type a file name (relative: in the workspace's artifacts/)", "")
    try:
        check_output(target)
    except OutputExistsError:
        return OutputCheck(target, None, f"{shown_path(workspace, target)} exists: writing asks before replacing it")
    except CertbenchError as error:
        return OutputCheck(target, str(error), "")
    return OutputCheck(target, None, f"writes {shown_path(workspace, target)}")


def shown_path(workspace: Workspace, target: Path) -> str:
    """``target`` as a line before the write shows it: relative to the workspace when inside it (short
    enough for 80 columns: ``artifacts/x.jar``), else absolute. The report after a write is absolute."""
    try:
        return target.relative_to(workspace.root.absolute()).as_posix()
    except ValueError:
        return str(target)


def show_output_check(hint: Static, check: OutputCheck) -> None:
    """Show the problem (error colour) or that the file exists in the line under the field; a plain new
    file needs no line (the status line says where Write goes)."""
    hint.set_class(not check.ok, "-problem")
    message = f"✗ {check.problem}" if check.problem else check.note if check.target and check.target.exists() else ""
    hint.update(Text(message))
    hint.display = bool(message)
