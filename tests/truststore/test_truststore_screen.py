"""The Truststore screen: add a file, a password-protected PKCS#12 and workspace CAs, filter, tick, write.

Pilot tests assert on the table, the files written (proved by keytool) and the audit log; the snapshot
shows the openssl material (fixed subjects and dates) at the fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import truststore_material
from cryptography import x509
from rich.text import Text
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static
from truststore_material import STOREPASS, TrustMaterial, keytool_list

from certbench.core.workspace import ItemKind, Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.screens.truststore import TruststoreScreen
from conftest import FIXED_NOW, home_at_workspace
from pilot_support import burst, until

trust_material = truststore_material.trust_material  # session fixtures
big_bundle = truststore_material.big_bundle


@pytest.fixture
def ws_path(trust_material: TrustMaterial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with two CA items; the current directory is the material's (relative paths on screen)."""
    monkeypatch.chdir(trust_material.directory)
    workspace = Workspace.open(tmp_path / "ws")
    for name, stem in (("corp-root", "twin1"), ("beta", "beta")):
        certificate = x509.load_pem_x509_certificate(trust_material.roots[stem].read_bytes())
        workspace.save_item(name, ItemKind.CA, now=FIXED_NOW, certificate=certificate)
    leaf = x509.load_pem_x509_certificate(trust_material.server_cert.read_bytes())
    workspace.save_item("server", ItemKind.LEAF, now=FIXED_NOW, certificate=leaf)
    return tmp_path / "ws"


async def open_truststore(app: CertbenchApp, pilot: Pilot[None]) -> TruststoreScreen:
    await pilot.press("5")
    await until(pilot, lambda: isinstance(app.screen, TruststoreScreen))
    screen = app.screen
    assert isinstance(screen, TruststoreScreen)
    return screen


def filled(screen: TruststoreScreen, count: int) -> Callable[[], bool]:
    table = screen.query_one("#truststore-table", DataTable)
    return lambda: table.row_count == count and not screen._filling


async def add_path(pilot: Pilot[None], screen: TruststoreScreen, path: str) -> None:
    path_input = screen.query_one("#truststore-path", Input)
    path_input.value = path
    path_input.focus()
    await pilot.press("enter")


def cell(screen: TruststoreScreen, row: int, column: str) -> str:
    table = screen.query_one("#truststore-table", DataTable)
    value = table.get_cell(str(row), column)
    assert isinstance(value, Text)  # file content always goes in as Text, never as markup
    return value.plain


def messages(app: CertbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_build_jks_from_file_and_workspace_cas(ws_path: Path, trust_material: TrustMaterial) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "bundle.pem")
        await until(pilot, filled(screen, 10))
        assert cell(screen, 0, "alias") == "alpha-root-ca"
        assert cell(screen, 9, "status") == "duplicate"
        assert cell(screen, 2, "status") == "added, expired"
        assert cell(screen, 8, "status") == "added, no CA"
        assert cell(screen, 5, "subject") == "CN=[weird] Root CA,O=Certbench Test"
        assert cell(screen, 0, "source") == "bundle.pem"

        await pilot.press("w")
        await until(pilot, filled(screen, 12))
        assert [cell(screen, i, "source") for i in (10, 11)] == ["ws:beta", "ws:corp-root"]
        assert cell(screen, 10, "status") == "duplicate"

        # Filters: CA only + drop expired + exclude "weird"
        await pilot.click("#truststore-ca-only")
        await pilot.click("#truststore-drop-expired")
        screen.query_one("#truststore-exclude", Input).value = "weird"
        await pilot.pause(0.05)
        assert cell(screen, 8, "status") == "dropped: no CA"
        assert cell(screen, 2, "status") == "dropped: expired"
        assert cell(screen, 5, "status") == "filtered out" and cell(screen, 5, "tick") == " - "
        assert len(screen.selected_entries()) == 6

        # Untick beta (row 1) with space on the table
        table = screen.query_one("#truststore-table", DataTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("space")
        assert cell(screen, 1, "tick") == "[ ]" and cell(screen, 1, "status") == "unticked"
        assert [e.alias for e in screen.selected_entries()] == [
            "alpha-root-ca", "twin-root-ca", "twin-root-ca-2", "soon-root-ca", "alpha-issuing-ca",
        ]  # fmt: skip

        screen.query_one("#truststore-format", Select).value = "jks"
        screen.query_one("#truststore-password", Input).value = "s3cret-pw"
        await pilot.press("ctrl+s")
        out = ws_path / "artifacts" / "truststore.jks"
        await until(pilot, out.exists)
        listing = keytool_list(out, "JKS", "s3cret-pw")
        assert "Your keystore contains 5 entries" in listing
        assert listing.count("trustedCertEntry") == 5 and "beta-root-ca" not in listing
        await until(pilot, lambda: any("Wrote 5 certificate(s)" in m for m in messages(app)))
        audit = Workspace.open(ws_path).read_audit()
        assert audit[-1]["action"] == "trust.build" and audit[-1]["format"] == "jks" and audit[-1]["added"] == 5
        assert "s3cret" not in (ws_path / "audit.log").read_text()
        assert all("s3cret" not in str(worker.description) for worker in app.workers)


async def test_p12_input_asks_for_password(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "keytool-roots.p12")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*"wrong-one", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal) and app.screen._error is not None)
        await pilot.press(*STOREPASS, "enter")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, filled(screen, 2))
        assert {cell(screen, i, "alias") for i in (0, 1)} == {"alpha-root-ca", "beta-root-ca"}


async def test_pem_write_overwrite_asks_first(ws_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pem"
    out.write_text("old content\n")
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "roots.p7b")
        await until(pilot, filled(screen, 2))
        screen.query_one("#truststore-out", Input).value = str(out)
        await pilot.pause()  # the line under the name ("exists: ...") moves the one-line button up
        await pilot.click("#truststore-write")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: out.read_text().count("BEGIN CERTIFICATE") == 2)
        assert out.read_text().startswith("# alpha-root-ca: ")


async def test_bad_input_is_a_notification_not_a_crash(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "garbage.pem")
        await until(pilot, lambda: any("garbage.pem" in m for m in messages(app)))
        await add_path(pilot, screen, "missing.pem")
        await until(pilot, lambda: any("missing.pem" in m for m in messages(app)))
        assert screen.query_one("#truststore-table", DataTable).row_count == 0
        await pilot.press("ctrl+s")
        assert any("Nothing to write" in m for m in messages(app))
        assert app.is_running and app.screen is screen


async def test_palette_lists_truststore_actions(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        # The table has the focus on arrival, so the screen's one-letter actions work straight away.
        assert app.focused is screen.query_one("#truststore-table", DataTable)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for action in ("Add file", "Workspace CAs", "System CAs", "Tick", "Tick all", "Clear", "Write"):
            assert f"Truststore: {action}" in titles
        await pilot.press("a")
        assert app.focused is screen.query_one("#truststore-path", Input)


@pytest.mark.slow
async def test_large_table_stays_responsive(ws_path: Path, big_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behaviour, not timing (figures: benchmarks/bench_tui_fill.py): the certificates are collected in a
    worker thread, the table fills in batches while keys still move the cursor, the rows added are kept
    out of the cycle collector's reach while the table lives (its full passes stalled the fill 0.55 s),
    and the table ends complete."""
    import gc
    import itertools
    import threading

    import certbench.ui.screens.truststore as screen_module

    collecting_threads: list[threading.Thread] = []
    collect = screen_module.ts.collect_candidates

    def spy(*args: object, **kwargs: object) -> object:
        collecting_threads.append(threading.current_thread())
        return collect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(screen_module.ts, "collect_candidates", spy)
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        table = screen.query_one("#truststore-table", DataTable)
        # What the table held after each step of the fill, and what it saw when each key was handled. The
        # keys are posted by the second step, as keys a user types while the table fills: they must be
        # handled before the fill ends (a step per frame), not after it. No timing: the order of events.
        after_steps: list[int] = []
        seen_by_keys: list[tuple[bool, int]] = []
        next_batch = screen._next_batch
        cursor_down = table.action_cursor_down

        def recording_next_batch(generation: int) -> None:
            next_batch(generation)
            after_steps.append(table.row_count)
            if len(after_steps) == 2:
                for _ in range(3):
                    app.post_message(events.Key("down", None))

        def recording_cursor_down() -> None:
            seen_by_keys.append((screen._filling, table.row_count))
            cursor_down()

        monkeypatch.setattr(screen, "_next_batch", recording_next_batch)
        monkeypatch.setattr(table, "action_cursor_down", recording_cursor_down)
        table.focus()
        await add_path(pilot, screen, str(big_bundle))
        await until(pilot, lambda: len(seen_by_keys) == 3, timeout=60)
        assert collecting_threads and threading.main_thread() not in collecting_threads
        assert after_steps[0] == screen_module.ROW_BATCH, "the table was filled in one step"
        filling, rows = seen_by_keys[0]
        assert filling and rows < truststore_material.BIG_COUNT, "keys waited for the fill"
        assert gc.get_freeze_count() > 0  # the rows so far are out of the collector's reach
        await until(pilot, filled(screen, truststore_material.BIG_COUNT), timeout=60)
        assert all(b - a <= screen_module.ROW_BATCH for a, b in itertools.pairwise(after_steps))
        assert not screen._filling and table.cursor_coordinate.row == 3
        assert cell(screen, 4999, "alias") == "bulk-ca-5000"
        # A filter over 5,000 rows and a full untick.
        screen.query_one("#truststore-include", Input).value = "no such subject"
        await pilot.pause()
        assert cell(screen, 4999, "status") == "filtered out" and not screen.selected_entries()
        screen.query_one("#truststore-include", Input).value = ""
        await pilot.pause()
        assert len(screen.selected_entries()) == truststore_material.BIG_COUNT
        await pilot.press("t")
        assert not screen.selected_entries()
        await pilot.press("ctrl+l")  # asks first since Clear removes every source
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: table.row_count == 0)
        assert gc.get_freeze_count() == 0  # cleared rows are collectable again


def test_snapshot(ws_path: Path, snap_compare) -> None:
    """You should see 12 rows: the bundle (duplicate, expired, not-a-CA and [weird] rows flagged) and two
    workspace CAs, with "CA only" ticked."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        screen = await open_truststore(app, pilot)  # type: ignore[arg-type]
        await add_path(pilot, screen, "bundle.pem")
        await until(pilot, filled(screen, 10))
        await pilot.press("w")
        await until(pilot, filled(screen, 12))
        await pilot.click("#truststore-ca-only")
        screen.query_one("#truststore-table", DataTable).focus()
        app.clear_notifications()
        await pilot.pause(0.1)

    app = make_app(ws_path, now=FIXED_NOW)
    assert snap_compare(home_at_workspace(app), terminal_size=(120, 36), run_before=run_before)


async def test_status_counts_the_expired_certificates_it_writes(ws_path: Path) -> None:
    """With Drop expired off, the expired 'Old Root CA' is written: the status says so (it read
    '0 expired', which counted only the dropped ones, while the table said 'added, expired')."""
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "bundle.pem")
        await until(pilot, filled(screen, 10))
        assert cell(screen, 2, "status") == "added, expired"
        status = rendered(screen)
        assert ": 9 to write (1 expired); left out: 1 duplicate" in status, status
        await pilot.click("#truststore-drop-expired")
        await until(pilot, lambda: "left out: 1 duplicate, 1 expired" in rendered(screen))
        assert ": 8 to write;" in rendered(screen)


def rendered(screen: TruststoreScreen) -> str:
    return str(screen.query_one("#truststore-status", Static).render())


@pytest.mark.slow
async def test_the_fill_completes_when_timers_start_late(
    ws_path: Path, big_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine a timer task can start later than its own delay, and Textual then skips a
    one-shot timer for good: the fill stopped halfway (it waited on set_timer between batches)."""
    import sys
    import types

    import textual.timer

    real = textual.timer._time

    def late() -> float:
        # Every reading after a timer's start is 50 ms late, as when the machine is busy in between.
        caller = sys._getframe(1)
        return real.get_time() + (0.05 if "start" in caller.f_locals else 0.0)

    monkeypatch.setattr(textual.timer, "_time", types.SimpleNamespace(get_time=late))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        table = screen.query_one("#truststore-table", DataTable)
        await add_path(pilot, screen, str(big_bundle))
        await until(pilot, lambda: table.row_count > 0, timeout=20)
        await until(pilot, lambda: not screen._filling, timeout=60, why=lambda: f"({table.row_count} rows)")
        assert table.row_count == truststore_material.BIG_COUNT


async def test_a_refused_replace_leaves_no_writing_status(ws_path: Path) -> None:
    """Esc on "already exists. Replace it?": nothing is written and the status line says what is chosen
    again (it stayed "Writing 2 certificate(s)..." for good)."""
    out = ws_path / "artifacts" / "truststore.pem"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("an older truststore\n")
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await pilot.press("w")
        await until(pilot, filled(screen, 2))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: not rendered(screen).startswith("Writing"), why=lambda: rendered(screen))
        assert ": 2 to write" in rendered(screen)
        assert out.read_text() == "an older truststore\n"


async def test_enter_toggles_the_row_it_was_pressed_on_in_a_burst(ws_path: Path) -> None:
    """``Enter Down`` typed in one burst: Enter's message is handled after Down moved the cursor, and the
    next row was toggled (``Enter Down Enter`` then changed nothing)."""
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await add_path(pilot, screen, "bundle.pem")
        await until(pilot, filled(screen, 10))
        table = screen.query_one("#truststore-table", DataTable)
        table.focus()
        table.move_cursor(row=0)
        for key in ("enter", "down"):
            app.post_message(events.Key(key, None))
        await until(pilot, lambda: table.cursor_row == 1)
        await pilot.pause()
        assert cell(screen, 0, "tick") == "[ ]" and cell(screen, 1, "tick") == "[x]"
        for key in ("enter", "down", "enter"):
            app.post_message(events.Key(key, None))
        await until(pilot, lambda: table.cursor_row == 2)
        await pilot.pause()
        assert [cell(screen, row, "tick") for row in (0, 1, 2)] == ["[ ]", "[ ]", "[ ]"]


async def test_a_name_and_a_format_that_disagree_are_not_written(ws_path: Path) -> None:
    """The format list and the typed name can disagree (in a burst the list's choice can land after the
    typed name had picked its format): ``truststore.jks`` written as PKCS#12 without a word. Write is off
    and the line under the name says what to change."""
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await pilot.press("w")
        await until(pilot, filled(screen, 2))
        screen.query_one("#truststore-out", Input).value = "partner.jks"
        await pilot.pause()
        screen.query_one("#truststore-format", Select).value = "p12"
        screen.query_one("#truststore-password", Input).value = "s3cret-pw"
        hint = screen.query_one("#truststore-out-hint", Static)
        await until(pilot, lambda: "partner.jks names JKS, the format is P12" in str(hint.render()))
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert not (ws_path / "artifacts" / "partner.jks").exists()
        screen.query_one("#truststore-format", Select).value = "jks"
        await until(pilot, lambda: not hint.display)
        await pilot.press("ctrl+s")
        await until(pilot, (ws_path / "artifacts" / "partner.jks").exists)
        assert "Keystore type: JKS" in keytool_list(ws_path / "artifacts" / "partner.jks", "JKS", "s3cret-pw")


async def test_clear_asks_before_dropping_every_source(ws_path: Path) -> None:
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await pilot.press("w")
        await until(pilot, filled(screen, 2))
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert screen.query_one("#truststore-table", DataTable).row_count == 2
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: screen.query_one("#truststore-table", DataTable).row_count == 0)


async def test_no_writing_status_while_the_replace_question_waits(ws_path: Path) -> None:
    out = ws_path / "artifacts" / "truststore.pem"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("an older truststore\n")
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        await pilot.press("w")
        await until(pilot, filled(screen, 2))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert not rendered(screen).startswith("Writing"), rendered(screen)


async def test_two_loads_in_one_burst_each_report_their_own_count(
    ws_path: Path, trust_material: TrustMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``w y`` typed at once: the first load's collection is superseded by the second's, whose message
    named both loads' certificates under its own name ("Added 145 ... from workspace CAs")."""
    monkeypatch.setenv("SSL_CERT_FILE", str(trust_material.directory / "bundle.pem"))  # the "system" bundle
    app = make_app(ws_path, now=FIXED_NOW)
    said: list[str] = []  # every notification (a busy machine's fill outlasts a notification's timeout)
    notify = app.notify

    def recording(message: str, **options: Any) -> None:
        said.append(str(message))
        notify(message, **options)

    monkeypatch.setattr(app, "notify", recording)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_truststore(app, pilot)
        screen.query_one("#truststore-table", DataTable).focus()
        await pilot.pause()
        for key in ("w", "y"):
            app.post_message(events.Key(key, key))
        await until(pilot, filled(screen, 12))
        await until(pilot, lambda: sum(m.startswith("Added") for m in said) == 2, why=lambda: str(said))
        added = sorted(m for m in said if m.startswith("Added"))
        assert added[0].startswith("Added 10 certificate(s) from ") and "system" in added[0], added
        assert added[1].startswith("Added 2 certificate(s) from "), added


async def test_a_path_typed_at_once_on_the_list_lands_in_the_path_field(
    ws_path: Path, trust_material: TrustMaterial
) -> None:
    """``/`` then a path and Enter, typed on the table in one burst: ``/`` goes to the path field (as on
    Inspect and Bindings) before the rest is handed on. The path's letters ran the list's keys (``t``
    ticked every row, ``a`` jumped to the field halfway through the path)."""
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_truststore(app, pilot)
        await pilot.press("w")
        await until(pilot, filled(screen, 2))
        screen.query_one("#truststore-table", DataTable).focus()
        await pilot.pause()
        path = str(trust_material.directory / "bundle.pem")
        assert path.startswith("/")
        burst(pilot, "/", *path, "enter")
        await until(pilot, filled(screen, 12))
        assert [cell(screen, row, "tick") for row in range(2)] == ["[x]", "[x]"]  # no "t" ran on the list
