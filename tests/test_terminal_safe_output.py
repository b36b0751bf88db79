"""Text output is terminal-safe: names from files show their control characters escaped (issue 11, §5).

A certificate made by openssl whose CN holds a title change, a colour change, CR, LF + a forged line, a
C1 CSI and a right-to-left override goes through every command that prints names; neither stdout nor
stderr may carry one of those characters raw, and no output line may start with the forged text.
JSON output keeps JSON's escaping: the value round-trips, the raw characters do not reach the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certbench.core.safe_text import json_terminal_safe, terminal_safe
from hostile_material import HOSTILE, P12_PASSWORD, RAW_CONTROLS, HostileMaterial, make_hostile_material


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileMaterial:
    return make_hostile_material(tmp_path_factory.mktemp("hostile"))


def assert_terminal_safe(*streams: str) -> None:
    for text in streams:
        for char in RAW_CONTROLS:
            assert char not in text, f"raw {char!r} in output: {text!r}"
        assert not any(line.startswith("FORGED") for line in text.split("\n")), text


def test_terminal_safe_escapes_controls_bidi_and_separators() -> None:
    assert terminal_safe("a\x1b[31mb\x07c\rd\ne\tf\x00g\x7fh\u009bi\u202ej\u2066k\u2028l") == (
        "a\\x1b[31mb\\x07c\\rd\\ne\\tf\\x00g\\x7fh\\x9bi\\u202ej\\u2066k\\u2028l"
    )
    assert terminal_safe("Zürich ✓ 東京 O=x,CN=y") == "Zürich ✓ 東京 O=x,CN=y"


def test_json_terminal_safe_keeps_the_json_value() -> None:
    value = {"cn": "a\u009b2J\u202eb\x7fc\x1bd"}
    text = json_terminal_safe(json.dumps(value, ensure_ascii=False))
    assert not any(char in text for char in ("\u009b", "\u202e", "\x7f", "\x1b"))
    assert json.loads(text) == value


def test_inspect_text_and_json(run_cli, hostile: HostileMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("--workspace", str(tmp_path / "ws"), "inspect", str(hostile.leaf), str(hostile.ca))
    assert code in (0, 1)
    assert_terminal_safe(out, err)
    assert "CN=leaf evil\\x1b]0\\;PWNED\\x07\\x1b[31mred\\rover\\nFORGED line\\x9b2J\\u202eesrever" in out
    code, out, err = run_cli("--workspace", str(tmp_path / "ws"), "inspect", "--json", str(hostile.leaf))
    assert_terminal_safe(out, err)
    assert any("PWNED\x07\x1b[31mred\rover\nFORGED" in c["subject"] for c in json.loads(out)["certificates"])


def test_verify_valid_and_not_valid(run_cli, hostile: HostileMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ("--workspace", str(tmp_path / "ws"))
    code, out, err = run_cli(*ws, "verify", str(hostile.leaf), "--trust", str(hostile.ca))
    assert code == 0 and out.startswith("valid")
    assert_terminal_safe(out, err)
    assert out.count("\\x1b]0") == 2  # the leaf and the CA, one line each
    code, out, err = run_cli(*ws, "verify", str(hostile.ca), "--trust", str(hostile.ca))
    assert code == 1 and out.startswith("not valid")
    assert_terminal_safe(out, err)


def test_check_trust_list_and_diff(run_cli, hostile: HostileMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ("--workspace", str(tmp_path / "ws"))
    code, out, err = run_cli(*ws, "check", "--profile", "sap-apim", str(hostile.leaf), str(hostile.ca))
    assert_terminal_safe(out, err)
    pw = {"HOSTILE_PW": P12_PASSWORD}
    code, out, err = run_cli(*ws, "trust", "list", str(hostile.p12), "--password-env", "HOSTILE_PW", env=pw)
    assert code == 0
    assert_terminal_safe(out, err)
    assert "alias evil\\x1b]0" in out  # the friendly name, escaped
    code, out, err = run_cli(
        *ws, "trust", "diff", str(hostile.leaf), str(hostile.p12), "--password-env", "HOSTILE_PW", env=pw
    )
    assert "+ " in out and "- " in out
    assert_terminal_safe(out, err)


def test_workspace_item_binding_and_expiring(run_cli, hostile: HostileMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ("--workspace", str(tmp_path / "ws"))
    code, out, err = run_cli(*ws, "ca", "create", "evil", "--subject", f"CN={HOSTILE}", "--no-key-password")
    assert code == 0
    assert_terminal_safe(out, err)
    code, out, err = run_cli(*ws, "bind", "add", "client-1", str(hostile.leaf))
    assert code == 0
    assert_terminal_safe(out, err)
    for command in (("list",), ("bind", "list"), ("expiring", "--within", "5000")):
        code, out, err = run_cli(*ws, *command)
        assert_terminal_safe(out, err)
        assert "\\x1b]0" in out, command
    code, out, err = run_cli(*ws, "bind", "export")
    assert_terminal_safe(out, err)
    assert json.loads(out)


def test_error_lines(run_cli, hostile: HostileMaterial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / f"missing{HOSTILE}.pem"
    code, out, err = run_cli("--workspace", str(tmp_path / "ws"), "inspect", str(missing))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("certbench: error: ")
    assert_terminal_safe(out, err)
    assert "missing evil" not in err and "missingevil\\x1b]0" in err


def test_commands_print_only_through_the_terminal_safe_helpers() -> None:
    """The choke point holds: command modules print text with echo/print_table, JSON with print_json."""
    import ast

    import certbench.commands as commands

    for module in Path(commands.__file__).parent.glob("*.py"):
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"]
        assert not calls, f"{module.name}:{calls[0].lineno} prints without terminal_safe"
