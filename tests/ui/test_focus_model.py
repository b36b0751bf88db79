"""The focus model and the navigation chrome (issue 14): typing never runs commands, Esc leaves a field,
Enter in Inspect's path field opens and hands the focus to the list, dialogs get the keys typed while
they open, the tab bar names every job and marks the current one, ``?`` lists the screen's keys."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Input
from textual.widgets._footer import FooterKey

from certbench.ui.app import JOBS, CertbenchApp
from certbench.ui.modals.confirm import ConfirmModal
from certbench.ui.modals.help import HelpModal
from certbench.ui.modals.password import PasswordModal
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.widgets.tabs import JobTabs
from pilot_support import until

MATERIAL = Path(__file__).parents[1] / "inspect" / "material"


async def inspect(app: CertbenchApp, pilot: Pilot[None]) -> InspectScreen:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, InspectScreen) and app.focused is not None)
    assert isinstance(app.screen, InspectScreen)
    return app.screen


async def test_typing_right_after_arriving_on_inspect_opens_the_file(app: CertbenchApp) -> None:
    """The path field has the focus on arrival: a typed path (full of o, w, s, f, i, x) opens, and Enter
    gives the focus to the certificate list so the one-letter keys work next."""
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        screen = await inspect(app, pilot)
        path = str(MATERIAL / "reversed.pem")
        await pilot.press(*path, "enter")
        certs = screen.query_one("#inspect-certs", DataTable)
        await until(pilot, lambda: screen.analysis is not None and certs.row_count == 3)
        assert screen.analysis is not None and screen.analysis.paths == (path,)
        assert app.screen is screen  # no picker, no workspace list opened by the letters
        await until(pilot, lambda: app.focused is certs)
        assert screen.query_one("#inspect-path", Input).value == ""


async def test_letters_and_digits_typed_into_a_field_trigger_nothing(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        screen = await inspect(app, pilot)
        await pilot.press(*"owsfipx3?")
        await pilot.pause(0.2)
        assert app.screen is screen and app.current_mode == "inspect"
        assert screen.query_one("#inspect-path", Input).value == "owsfipx3?"
        assert screen.analysis is None


async def test_escape_leaves_the_field_then_letters_are_keys(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        screen = await inspect(app, pilot)
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.focused is screen.query_one("#inspect-certs", DataTable)
        await pilot.press("3")
        await until(pilot, lambda: app.current_mode == "create")


async def test_a_dialog_receives_the_keys_typed_while_it_opens(app: CertbenchApp) -> None:
    """Keys queued right after the push (before the dialog has focused its field) land in the field:
    the digit does not switch screens and no character is lost."""
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.2)
        modal = PasswordModal("Password for x.p12")
        app.push_screen(modal)
        for character in "3ab":
            app.post_message(events.Key(character, character))
        await until(pilot, lambda: modal.is_mounted)
        await pilot.pause(0.3)
        assert app.current_mode == "workspace"
        assert app.screen is modal
        assert modal.query_one("#password-input", Input).value == "3ab"


async def test_tab_bar_names_every_job_marks_the_current_and_switches_on_click(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        tabs = app.screen.query_one(JobTabs)
        shown = str(tabs.render())
        assert [shown.index(f" {key} {title} ") for _mode, key, title in JOBS] == sorted(
            shown.index(f" {key} {title} ") for _mode, key, title in JOBS
        )
        assert tabs.current == "workspace"
        start, end = tabs.tab_span("truststore")
        assert shown[start:end] == " 5 Truststore "
        await pilot.click(JobTabs, offset=(start + 2, 0))
        await until(pilot, lambda: app.current_mode == "truststore")
        await until(pilot, lambda: app.screen.query_one(JobTabs).current == "truststore")
        # From a text field too (a digit would type there): Truststore's output path has the focus.
        app.screen.query_one("#truststore-out").focus()
        start, _end = app.screen.query_one(JobTabs).tab_span("inspect")
        await pilot.click(JobTabs, offset=(start + 2, 0))
        await until(pilot, lambda: app.current_mode == "inspect")


async def test_help_lists_the_keys_of_the_current_screen(app: CertbenchApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        text = help_text(app)
        assert "Workspace screen" in text and "Delete" in text and "Go to Bindings" in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpModal))
        screen = await inspect(app, pilot)
        await pilot.press("f1")  # F1 works from the path field, where "?" types
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        text = help_text(app)
        assert "Inspect screen" in text and "Close the file of the highlighted certificate" in text
        assert screen.query_one("#inspect-path", Input).value == ""


def help_text(app: CertbenchApp) -> str:
    assert isinstance(app.screen, HelpModal)
    return " ".join(
        f"{heading} " + " ".join(f"{keys} {what}" for keys, what in rows) for heading, rows in app.screen.sections
    )


async def test_screenshot_goes_to_artifacts_and_says_where(app: CertbenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        app.action_screenshot()
        await pilot.pause(0.2)
        [shot] = list((Path("ws") / "artifacts").glob("certbench-*.svg"))
        assert shot.read_text().startswith("<svg")
        assert any(str(shot.absolute()) in str(n.message) for n in app._notifications)


async def test_a_dialog_footer_shows_the_dialog_keys_not_the_screen_behind(app: CertbenchApp) -> None:
    """Under a dialog the footer kept the screen's keys (Refresh, Delete...), which did nothing there."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        app.push_screen(ConfirmModal("Delete item 'root-ca'?", confirm_label="Delete", danger=True))
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and bool(app.screen.query(FooterKey)))
        shown = {key.description for key in app.screen.query(FooterKey)}
        assert {"Cancel", "Yes"} <= shown and not shown & {"Refresh", "Import", "Load demo"}
        # Drawn on top: the bottom line is the dialog's footer.
        assert app.screen.query_one(Footer).region.bottom == app.size.height
