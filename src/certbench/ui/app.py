"""The certbench Textual app: one mode per job, switched with number keys or the command palette."""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input

from certbench import __version__
from certbench.core.errors import CertbenchError, OutputExistsError
from certbench.core.safe_write import write_atomic
from certbench.core.workspace import Workspace
from certbench.ui.collector import end_start_up_pause
from certbench.ui.help_topics import HELP_TOPICS
from certbench.ui.modals.help import HelpModal, screen_keys, types_in_fields
from certbench.ui.modals.typeahead import TypeAheadModal
from certbench.ui.safe_output import ControlCharacterFilter
from certbench.ui.screens.base import CertbenchScreen
from certbench.ui.screens.workspace import WorkspaceScreen
from certbench.ui.terminal_keys import (
    escape_at_once,
    field_edit_action,
    note_routing,
    read_escape_digit_as_alt,
    run_bindings_of,
    stale_target,
    unbound_alt_key,
)
from certbench.ui.themes import DARK_THEME, LIGHT_THEME, THEMES

#: (mode name, key, title) for each job, in the order of the number keys.
JOBS: tuple[tuple[str, str, str], ...] = (
    ("workspace", "1", "Workspace"),
    ("inspect", "2", "Inspect"),
    ("create", "3", "Create"),
    ("keystore", "4", "Keystore"),
    ("truststore", "5", "Truststore"),
    ("bindings", "6", "Bindings"),
    ("probe", "7", "Probe"),
)


def _screen_factory(module: str, class_name: str) -> Callable[[], Screen[object]]:
    """A mode's screen, imported when the mode is first entered."""

    def make() -> Screen[object]:
        screen_class = getattr(importlib.import_module(f"certbench.ui.screens.{module}"), class_name)
        screen: Screen[object] = screen_class()
        return screen

    return make


class CertbenchApp(App[None]):
    """The workbench. ``now`` fixes the clock (screenshots, tests); None means the real clock."""

    TITLE = "certbench"
    SUB_TITLE = f"v{__version__}"
    CSS_PATH = "certbench.tcss"
    # The first screen is imported up front; the others (and the core they need: issuing, keystores,
    # truststores...) only when first shown, so the app paints sooner.
    # The app starts in the Workspace mode itself rather than switching to it from Textual's blank default
    # screen: a switch re-parses and re-applies every style rule twice before the first paint.
    DEFAULT_MODE = "workspace"
    MODES = {
        "workspace": WorkspaceScreen,
        "inspect": _screen_factory("inspect", "InspectScreen"),
        "create": _screen_factory("create", "CreateScreen"),
        "keystore": _screen_factory("keystore", "KeystoreScreen"),
        "truststore": _screen_factory("truststore", "TruststoreScreen"),
        "bindings": _screen_factory("bindings", "BindingsScreen"),
        "probe": _screen_factory("probe", "ProbeScreen"),
    }
    # Below 100 columns the screens stack their panes vertically (``CertbenchScreen.-narrow`` in the CSS).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        # The tab bar shows the job keys, so the footer keeps its room for the current screen's actions.
        # A digit switches before the keys typed after it are handed on (priority), so a burst such as
        # "6tpp-client-4711" lands on the new screen (its primary field), not on the old one's focus; while
        # a text field has the focus the digit types instead (check_action). Alt+digit works everywhere.
        *(
            Binding(
                key,
                f"app.job('{mode}')",
                title,
                id=f"app.{mode}",
                tooltip=f"Go to the {title} screen",
                show=False,
                priority=True,
            )
            for mode, key, title in JOBS
        ),
        *(
            Binding(  # priority: a terminal's Alt+5 carries the character "5", which a text field would type
                f"alt+{key}",
                f"app.job_anywhere('{mode}')",
                title,
                id=f"app.{mode}.alt",
                tooltip=f"Go to the {title} screen",
                show=False,
                priority=True,
            )
            for mode, key, title in JOBS
        ),
        Binding("f1,question_mark", "app.help", "Help", id="app.help", tooltip="Every key of this screen"),
        Binding(
            "f2",
            "app.toggle_theme",
            "Light / dark theme",
            id="app.theme",
            tooltip="Switch light and dark theme",
            show=False,
        ),
        # Tab moves the focus before the next typed key is routed: as a plain binding it ran only after
        # the key had bubbled up from the field, so a fast typist's next character landed in the old field.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="app.focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous field", show=False, priority=True, id="app.focus_previous"
        ),
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit", tooltip="Quit certbench", priority=True, show=False),
    ]

    def __init__(self, workspace: Workspace, *, now: datetime | None = None, theme: str = DARK_THEME) -> None:
        super().__init__()
        read_escape_digit_as_alt()
        #: Keys taken by a priority binding so far (see ``terminal_keys.stale_target``).
        self._priority_keys_run = 0
        self.workspace = workspace
        # Warnings after a change was made (the audit log could not be appended) become notifications.
        workspace.on_warning = self._notify_warning
        self._fixed_now = now
        for certbench_theme in THEMES:
            self.register_theme(certbench_theme)
        self._start_in_theme(theme)
        self._control_filter = ControlCharacterFilter()
        #: The folder of the last file picked, where the next file picker starts (None: the home folder).
        self.last_folder: Path | None = None
        #: An item the Workspace screen highlights and focuses when it next shows (the one just created).
        self.select_on_workspace: str | None = None

    def _start_in_theme(self, name: str) -> None:
        """Start in theme ``name`` as Textual starts in its default one. Assigning ``self.theme`` here runs
        the theme watcher, whose CSS refresh re-parses every style rule twice before the first frame (a
        third of the time to it): the stylesheet is not parsed yet, so its variables are simply set."""
        self.set_reactive(App.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())
        dark = self.current_theme.dark
        self.set_class(dark, "-dark-mode", update=False)
        self.set_class(not dark, "-light-mode", update=False)
        self.add_class(f"-theme-{name}", update=False)
        self._refresh_truecolor_filter(self.ansi_theme)  # the ANSI colour mapping of a light or dark theme

    def remember_folder_of(self, path: str | Path) -> None:
        """The file picker opens next in the folder of ``path``, a file just opened (picked or typed)."""
        folder = Path(path).expanduser().absolute().parent
        if folder.is_dir():
            self.last_folder = folder

    @property
    def jobs(self) -> tuple[tuple[str, str, str], ...]:
        """``(mode, key, title)`` of every job screen, for the tab bar and the help screen."""
        return JOBS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No screen switch while a dialog is open: a digit typed into a dialog is an answer, not a key; nor
        by a plain digit while a text field has the focus (it types)."""
        if action in ("switch_mode", "job", "job_anywhere") and isinstance(self.screen, ModalScreen):
            return False
        return not (action == "job" and isinstance(self.focused, Input))

    async def action_job(self, mode: str) -> None:
        """A digit key: switch to the job's screen (see BINDINGS), which expects its arrival focus before the
        next key is handed on."""
        await self.switch_mode(mode)
        if isinstance(self.screen, CertbenchScreen):
            self.screen.expect_arrival()

    async def action_job_anywhere(self, mode: str) -> None:
        """Alt+digit: switch to the job's screen, also from a text field."""
        await self.action_job(mode)

    async def on_event(self, event: events.Event) -> None:
        """Keys come back up unhandled to run widget bindings: those of the widget the key was typed for,
        also when a faster priority key has moved the focus since (see ``ui/terminal_keys.py``)."""
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                if (typed := unbound_alt_key(event, self.screen)) is not None:  # Esc then a key, typed fast
                    await escape_at_once(self)
                    self._priority_keys_run += 1  # it may have moved the focus, as a priority key does
                    event = typed
                field = self.focused
                if field is not None and (action := field_edit_action(field, event.key, self.screen)) is not None:
                    field.call_later(self.run_action, action, field)  # after the keys typed before it
                    return
                note_routing(event, self.focused, self._priority_keys_run)
                await super().on_event(event)
                if not event.is_forwarded:  # a priority binding took it (Tab, a screen digit...)
                    self._priority_keys_run += 1
                return
            if (routed := stale_target(event, self.focused, self._priority_keys_run)) is not None:
                await run_bindings_of(self, routed, event)
                return
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """A printable key no binding took, reaching the app while a dialog with a text field is open, is
        type-ahead for that field. Textual queues a fast burst (Stores: r, ctrl+u, a new alias, Enter) to
        the list that had the focus before the first key opened the dialog; the later keys then bubble up
        here with the dialog on top: its bindings took ctrl+u and Enter, and the letters were lost, so the
        rename got an empty name and did nothing."""
        if event.is_printable and event.character is not None and isinstance(self.screen, TypeAheadModal):
            self.screen.type_ahead(event.character)
            event.stop()

    def action_help(self) -> None:
        """The help screen: the current screen's keys, then the ones that work everywhere."""
        if isinstance(self.screen, ModalScreen):
            return
        screen = self.screen
        title = getattr(screen, "PALETTE_GROUP", type(screen).__name__)
        # A letter or digit key is typed while a text field has the focus: say so where such keys are listed.
        everywhere = [(f"{key} / Alt+{key}", f"Go to {name}") for _mode, key, name in JOBS]
        everywhere += [
            ("F1 / ?", "This help"),
            ("F2", "Light / dark theme"),
            ("Ctrl+P", "Command palette: every action by name"),
            ("Ctrl+Q", "Quit"),
        ]
        heading = f"{title} screen" + (" (letter keys: not while typing in a field)" if types_in_fields(screen) else "")
        sections = [(heading, screen_keys(screen)), *HELP_TOPICS.get(title, ())]
        fields = screen.field_keys() if isinstance(screen, CertbenchScreen) else []
        if fields:
            sections.append(("Text fields", fields))
        sections.append(("Everywhere (digits and ?: not while typing; Alt+digit, F-keys and Ctrl always)", everywhere))
        self.push_screen(HelpModal(title, sections))

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Every screenshot (palette -> Screenshot calls this directly, the screenshot action too): an SVG of
        the screen into the workspace's ``artifacts/`` (Textual's went to ~/Downloads, which may not exist),
        under a new timestamped name (``-2``... when taken in the same second), and its absolute path."""
        first = self.workspace.output_path(
            Path(path or "") / (filename or f"certbench-{self.now():{time_format or '%Y%m%dT%H%M%S'}}.svg")
        )
        svg = self.export_screenshot().encode("utf-8")
        target, number = first, 1
        while True:
            try:
                written = write_atomic(target, svg)  # never over an earlier one
            except OutputExistsError:
                number += 1
                target = first.with_stem(f"{first.stem}-{number}")
                continue
            except CertbenchError as exc:
                self.notify(str(exc), title="Screenshot failed", severity="error", markup=False)
                return None
            self.notify(f"Saved the screenshot to {written}", title="Screenshot", markup=False)
            return None

    def _notify_warning(self, message: str) -> None:
        """Called by the workspace, from any thread (``notify`` is thread-safe)."""
        self.notify(message, title="Warning", severity="warning", markup=False, timeout=10)

    def now(self) -> datetime:
        """The app's clock: fixed in tests and screenshots, real otherwise."""
        return self._fixed_now or datetime.now(UTC)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the one that keeps control characters from files off the terminal."""
        return [*super().get_line_filters(), self._control_filter]

    def on_load(self) -> None:
        """Style the app itself before its first screen is made. Textual does it just after, and a widget
        of that screen that measured its text meanwhile kept a colour from no style (invisible text);
        a full re-style Textual used to run later hid that, and start-up no longer pays for one."""
        self.stylesheet.apply(self)

    def on_mount(self) -> None:
        self._show_workspace_path()  # the app starts in the Workspace mode (DEFAULT_MODE): no switch here
        self.call_after_refresh(end_start_up_pause)  # begun by the CLI before importing the app

    def on_resize(self) -> None:
        self._show_workspace_path()

    def _show_workspace_path(self) -> None:
        """The header names the workspace: ``certbench — v0.1.0 · ~/ws``, its path shortened from the left
        to what the header has room for (the tab bar has none at 80 columns)."""
        version = f"v{__version__}"
        room = self.size.width - len(self.title) - len(version) - 26  # the icon and clock room, separators
        self.sub_title = f"{version} · {workspace_label(self.workspace.root, room)}"

    def _handle_exception(self, error: Exception) -> None:
        """Last line of defence (overrides Textual's hook, which always exits with a traceback).

        A :class:`CertbenchError` that escaped a screen is a problem the user can fix: show it and go on.
        Anything else is a bug: outside tests, leave with one line and the traceback in a file (without
        local variables, which could hold a password); under Pilot, keep Textual's behaviour so tests fail.
        """
        if isinstance(error, CertbenchError):
            self.notify(str(error), title="Error", severity="error", markup=False, timeout=8)
            return
        if self.is_headless:
            super()._handle_exception(error)
            return
        report = Path(tempfile.gettempdir()) / f"certbench-crash-{os.getpid()}.txt"
        with contextlib.suppress(OSError):
            report.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
        self._return_code = 70
        self.exit(
            return_code=70,
            message=f"certbench: internal error (a bug): {type(error).__name__}: {error}; details in {report}",
        )

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Palette entries: every job, then every binding of the current screen (``Screen: action``)."""
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":  # Textual's help says nothing of where the file goes
                command = command._replace(help="Save an SVG of the screen in the workspace's artifacts/")
            yield command
        for mode, key, title in JOBS:
            yield SystemCommand(
                f"Go: {title}", f"Switch to the {title} screen (key {key})", partial(self.switch_mode, mode)
            )
        # The app's own keys (F1, F2) by the words one would search for ("help", "keys", "dark", "light").
        yield SystemCommand(
            "Help: every key of this screen", "Every key of the current screen (F1 or ?)", self.action_help
        )
        yield SystemCommand("Light / dark theme", "Switch the light and dark theme (F2)", self.action_toggle_theme)
        group = getattr(screen, "PALETTE_GROUP", screen.__class__.__name__)
        # The screen's own bindings whatever has the focus (a focused Input hides one-letter keys from the
        # footer, not from the palette), then those of certbench widgets that are active now. Built-in
        # widget bindings ("Delete character left") are editing keys, not actions worth a palette entry.
        candidates: list[tuple[Widget, Binding]] = [
            (screen, binding)
            for bindings in screen._bindings.key_to_bindings.values()
            for binding in bindings
            if binding.action in _declared_actions(screen)
        ]
        candidates += [
            (active.node, active.binding)
            for active in screen.active_bindings.values()
            if isinstance(active.node, Widget)
            and active.node is not screen
            and active.binding.action in _declared_actions(active.node)
        ]
        seen: set[str] = set()
        for node, binding in candidates:
            if not binding.description or binding.action.startswith("app.") or binding.action in seen:
                continue
            if not node.check_action(binding.action, ()):
                continue
            seen.add(binding.action)
            yield SystemCommand(
                f"{group}: {binding.description}",
                binding.tooltip or f"key {binding.key}",
                partial(node.run_action, binding.action),
            )


def _declared_actions(node: DOMNode) -> set[str]:
    """Actions bound in certbench's own classes (not Textual's built-in keys such as copy or tab)."""
    return {
        binding.action if isinstance(binding, Binding) else binding[1]
        for cls in type(node).__mro__
        if cls.__module__.startswith("certbench.")
        for binding in cls.__dict__.get("BINDINGS", ())
    }


def workspace_label(path: Path, width: int) -> str:
    """``path`` absolute, ``~`` for the home folder, cut from the left with ``…`` to ``width`` characters
    (the end of a path names the workspace; its start is the same for every one)."""
    absolute = path.absolute()
    home = Path.home()
    text = str(absolute)
    if absolute == home or home in absolute.parents:
        text = "~" + text[len(str(home)) :]
    if len(text) > max(width, 8):
        return "…" + text[-(max(width, 8) - 1) :]
    return text


def make_app(workspace_path: Path, *, now: datetime | None = None, theme: str = DARK_THEME) -> CertbenchApp:
    """The one app factory, shared by the CLI, the tests and the screenshot script."""
    return CertbenchApp(Workspace.open(workspace_path), now=now, theme=theme)


def run_app(workspace_path: Path, *, now: datetime | None = None) -> int:
    app = make_app(workspace_path, now=now)
    with warnings.catch_warnings():
        # Real-world certificates trigger CryptographyDeprecationWarning (e.g. negative serials);
        # a warning printed to the terminal would tear the TUI. Findings report such problems instead.
        warnings.simplefilter("ignore")
        app.run()
    return app.return_code or 0
