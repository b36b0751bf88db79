"""The base of every certbench screen: the app's workspace and clock as typed properties, and the chrome
and focus model every job shares.

Focus model (k9s/lazygit habits): on arrival the screen focuses its :attr:`PRIMARY_FOCUS` widget (the
path field on Inspect, the item list on Workspace); while a text field has the focus, printable keys type
(Textual's Input takes them before any binding), so one-letter actions work from the lists; Esc leaves a
field for the screen's :attr:`LIST_FOCUS` widget, and :meth:`return_to_list` does the same after a field's
Enter has run its action.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Header, Input, Static

from certbench.core.workspace import Workspace
from certbench.ui.widgets.tables import PANE_TITLE
from certbench.ui.widgets.tabs import JobTabs

if TYPE_CHECKING:
    from certbench.ui.app import CertbenchApp


#: Actions that put the focus in a text field (Inspect's path and add, Bindings' form, Probe's host).
FIELD_JUMPS = frozenset({"focus_path", "add_file", "focus_form", "focus_target"})


class CertbenchScreen(Screen[None]):
    """A job screen of :class:`~certbench.ui.app.CertbenchApp`."""

    #: Selector of the widget focused on each arrival (None: Textual's default, the first focusable).
    PRIMARY_FOCUS: ClassVar[str | None] = None
    #: Selector of the main list, focused by Esc in a field and after a field's Enter (None: PRIMARY_FOCUS).
    LIST_FOCUS: ClassVar[str | None] = None

    #: Selector -> title of each pane (k9s style); a DataTable's title gets its row count (fill_table).
    PANE_TITLES: ClassVar[dict[str, str]] = {}
    #: What Enter in this screen's text fields does (the help screen's "Text fields" section).
    FIELD_ENTER: ClassVar[str] = "Run the field's action (where it has one)"

    # Focus is this class's business (PRIMARY_FOCUS): Textual's auto focus would put a returning dialog's
    # focus on the first field while the list is still loading.
    AUTO_FOCUS = ""
    #: The app focused the primary widget right after a digit switched here (:meth:`expect_arrival`).
    _arrival_focused = False
    BINDINGS = [
        Binding("escape", "leave_field", "Leave field", show=False, id="screen.leave_field"),
    ]

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        # A new screen has no styles yet, so it is up to date with the app's stylesheet. Textual marks it
        # out of date (-1), and the first switch to each screen then re-parses every style rule from
        # scratch and re-applies them to the whole app (a sixth of the time to the first frame).
        self._css_update_count = self.app._css_update_count
        # Styled from the start for the size it will have: Textual adds the breakpoint classes at the first
        # resize, which restyled every widget of the screen once more before the first frame.
        self.add_class(*self._breakpoints_for(self.app.size.width, self.app.size.height), update=False)
        #: Status line selector -> (message, workspace item, file) it names (:meth:`report_made`).
        self._reports: dict[str, tuple[str, str | None, Path | None]] = {}

    def _breakpoints_for(self, width: int, height: int) -> set[str]:
        """The breakpoint classes Textual gives this screen at ``width`` x ``height`` (its own breakpoints,
        else the app's; Textual's rule, Screen._get_breakpoint_classes, Textual 8.2.8)."""
        horizontal = (
            self.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is not None else self.app.HORIZONTAL_BREAKPOINTS
        )
        vertical = self.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is not None else self.app.VERTICAL_BREAKPOINTS
        return self._get_breakpoint_classes(width, horizontal or []) | self._get_breakpoint_classes(
            height, vertical or []
        )

    @property
    def certbench_app(self) -> CertbenchApp:
        return cast("CertbenchApp", self.app)

    @property
    def workspace(self) -> Workspace:
        """The workspace the app was opened on."""
        return self.certbench_app.workspace

    def now(self) -> datetime:
        """The app's clock (fixed in tests and screenshots)."""
        return self.certbench_app.now()

    # Chrome ------------------------------------------------------------------------------------------

    def compose_top(self) -> ComposeResult:
        """The header and the tab bar every job screen starts with."""
        yield Header(show_clock=False)
        yield JobTabs(self.certbench_app.jobs)

    def on_mount(self) -> None:
        """Pane titles (with counts where filled), and forms out of the Tab order."""
        for selector, title in self.PANE_TITLES.items():
            pane = self._widget(selector)
            if pane is not None:
                pane.border_title = title
                pane.add_class("pane-titled")
                setattr(pane, PANE_TITLE, title)
        self._keep_form_containers_out_of_tab_order()

    def _keep_form_containers_out_of_tab_order(self) -> None:
        """Textual makes every scroll container focusable: one holding a form took the Tab after the list,
        so the client_id typed next was lost. A container with a focusable widget inside leaves the Tab
        order (Tab from the list goes to the form's first field); it still scrolls with the mouse and to
        show the focused field. Containers of text only (details panes) stay focusable to scroll by key."""
        for container in self.query(ScrollableContainer):
            if not isinstance(container, ScrollView) and any(child.can_focus for child in container.query("*")):
                container.can_focus = False

    def on_screen_suspend(self) -> None:
        self._under_modal = isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        """Arrival: mark the tab and focus the primary widget (back from a dialog, the focus stays put)."""
        for tabs in self.query(JobTabs):
            tabs.mark(self.app.current_mode)
        self._refresh_reports()
        if getattr(self, "_under_modal", False):
            self._under_modal = False
            return
        if self._arrival_focused:  # done already, and the focus may have moved on since (Tab)
            self._arrival_focused = False
            return
        widget = self._widget(self.primary_focus())
        if widget is not None:
            self.set_focus(widget)  # at once: widget.focus() would wait for the next idle moment
        elif self.focused is None:
            self.focus_next()

    def expect_arrival(self) -> None:
        """Focus the primary widget now: the app calls this right after a digit switched here, before it
        hands on the next key, so a burst typed after the digit reaches the field (Textual would focus a
        moment later, after those keys had gone to the screen's one-letter bindings)."""
        widget = self._widget(self.primary_focus())
        if widget is not None and self.focused is not widget:
            self.set_focus(widget)
            self._arrival_focused = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that jump to a field (``/``) are off while a field has the focus: there they type (the
        footer would list ``/`` anyway: Textual does not see that an Input takes it)."""
        return not (action in FIELD_JUMPS and isinstance(self.focused, Input))

    def jump_to_field(self, field: Input) -> None:
        """A ``/`` key's action: focus ``field`` at once. Those keys are priority bindings, run before the
        app hands on the next key, so a path typed in a burst after ``/`` lands in the field rather than
        on the list's one-letter keys."""
        self.set_focus(field)

    # Reports that name what they made -------------------------------------------------------------------

    def report_made(self, selector: str, message: str, *, item: str | None = None, path: Path | None = None) -> None:
        """Show ``message`` in the status line ``selector``: it names the workspace ``item`` or the file
        ``path`` just made. Each arrival on the screen checks it again: once the item or file is gone
        (deleted on the Workspace screen, moved to the trash, removed by hand) the line says so instead of
        reporting it as if it were there, and says it plainly again after an undo."""
        self._reports[selector] = (message, item, path)
        self._show_report(selector)

    def forget_report(self, selector: str) -> None:
        """The status line ``selector`` shows something else now: stop checking the old report."""
        self._reports.pop(selector, None)

    def _refresh_reports(self) -> None:
        for selector in list(self._reports):
            self._show_report(selector)

    def _show_report(self, selector: str) -> None:
        message, item, path = self._reports[selector]
        widget = self._widget(selector)
        if not isinstance(widget, Static):
            return
        if item is not None and not self.workspace.has(item):
            message = f"{item!r} is no longer in the workspace (was: {message})"
        elif path is not None and not path.exists():
            message = f"{path.name} no longer exists (was: {message})"
        widget.update(Text(message))

    # Focus -------------------------------------------------------------------------------------------

    def primary_focus(self) -> str | None:
        """The widget to focus on arrival: :attr:`PRIMARY_FOCUS` (a screen whose primary widget depends on
        its state overrides this)."""
        return self.PRIMARY_FOCUS

    def field_keys(self) -> list[tuple[str, str]]:
        """The help screen's "Text fields" rows, as they work on this screen (empty: no text field)."""
        if not self.query(Input):
            return []
        selector = self.LIST_FOCUS or self.PRIMARY_FOCUS
        widget = self._widget(selector)
        if widget is None or isinstance(widget, Input):
            leave = "Leave the field"
        else:
            title = self.PANE_TITLES.get(selector or "")
            leave = f"Leave the field (to the {title} list)" if title else "Leave the field (to the list)"
        return [
            ("Esc", leave),
            # A terminal sends Esc and a letter typed fast as Alt+letter (ui/terminal_keys.unbound_alt_key).
            ("Esc, a letter", "Leave the field, then the letter's key (also typed fast: Alt+letter)"),
            ("Enter", self.FIELD_ENTER),
            ("Tab / Shift+Tab", "Next / previous field"),
        ]

    def _widget(self, selector: str | None) -> Widget | None:
        if selector is None:
            return None
        try:
            return self.query_one(selector)
        except NoMatches:
            return None

    def return_to_list(self) -> None:
        """Focus the screen's main list (after a field did its job, or on Esc); a list that is loading
        gets the focus when it is filled (:meth:`list_ready`)."""
        widget = self._widget(self.LIST_FOCUS or self.PRIMARY_FOCUS)
        if isinstance(widget, Input):
            widget = None  # a form without a list: Esc leaves the field for no field
        ready = widget is not None and widget.focusable
        self._list_focus_pending = not ready and widget is not None
        self.set_focus(widget if ready else None)

    def list_ready(self) -> None:
        """The main list was filled: give it the focus if :meth:`return_to_list` asked while it loaded
        and nothing took the focus since."""
        if getattr(self, "_list_focus_pending", False) and self.focused is None:
            self.return_to_list()

    def on_key(self, event: events.Key) -> None:
        """Esc in a field leaves it even where the screen binds Esc to something else that is off now
        (Probe's Cancel while nothing runs): Textual would not fall back to this class's binding."""
        if event.key != "escape" or not isinstance(self.focused, Input):
            return
        bound = self.active_bindings.get("escape")
        if bound is not None and bound.enabled and bound.binding.action != "leave_field":
            return
        event.stop()
        event.prevent_default()
        self.return_to_list()

    def action_leave_field(self) -> None:
        """Esc: out of a text field (Esc elsewhere does nothing here, so modals and menus keep theirs)."""
        if isinstance(self.focused, Input):
            self.return_to_list()
