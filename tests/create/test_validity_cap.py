"""Issue 13: one default-validity rule for the CLI and the Create screen (core.validity.validity_days).

The default validity is capped to what the issuing CA has left, with a note; an explicit number of days
beyond it is refused, naming the most the CA allows. Before, the Create screen refused the default.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from certbench.ui.app import make_app
from certbench.ui.screens.create import CreateScreen
from conftest import FIXED_NOW

ENV = {"CERTBENCH_NOW": "2026-01-15T12:00:00Z"}
#: The short-lived root expires 100 days after the fixed clock: leaves may last at most 100 days.
ROOT_DAYS = 100


def make_short_root(run_cli: Callable[..., tuple[int, str, str]], ws: Path) -> None:
    code, _out, err = run_cli(
        "--workspace", str(ws), "ca", "create", "short", "--subject", "/CN=Short Root", "--key", "ec:p256",
        "--no-key-password", "--days", str(ROOT_DAYS), env=ENV,
    )  # fmt: skip
    assert code == 0, err


def leaf_days(path: Path) -> int:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days


def test_cli_caps_the_default_and_refuses_an_explicit_excess(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    make_short_root(run_cli, ws)
    base = ("--workspace", str(ws), "cert", "create")
    code, _out, err = run_cli(*base, "capped", "--issuer", "short", "--subject", "/CN=capped", "--no-key-password",
                              env=ENV)  # fmt: skip
    assert code == 0, err
    assert f"validity capped to {ROOT_DAYS} days" in err
    assert leaf_days(ws / "items" / "capped" / "cert.pem") == ROOT_DAYS
    code, _out, err = run_cli(*base, "long", "--issuer", "short", "--subject", "/CN=long", "--no-key-password",
                              "--days", "500", env=ENV)  # fmt: skip
    assert code == 2 and f"ask for at most {ROOT_DAYS} days" in err


async def test_create_screen_applies_the_same_rule(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    make_short_root(run_cli, ws)
    app = make_app(ws, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        screen = await _ready(pilot)
        screen.query_one("#create-name", Input).value = "capped"
        screen.query_one("#create-subject", Input).value = "/CN=capped"
        screen.query_one("#create-no-password", Checkbox).value = True
        await pilot.pause()
        plan, errors, warnings, _missing = screen.build_plan()
        assert plan is not None and not errors, errors
        assert plan.days == ROOT_DAYS and any(f"validity capped to {ROOT_DAYS} days" in w for w in warnings)
        screen.query_one("#create-days", Input).value = "500"
        await pilot.pause()
        _plan, errors, _warnings, _missing = screen.build_plan()
        assert any(f"ask for at most {ROOT_DAYS} days" in e for e in errors), errors


async def _ready(pilot: Pilot[None]) -> CreateScreen:
    for _ in range(400):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, CreateScreen) and screen._issuer() is not None:
            return screen
    raise AssertionError("the Create screen did not load the issuer")
