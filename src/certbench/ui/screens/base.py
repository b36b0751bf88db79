"""The base of every certbench screen: the app's workspace and clock as typed properties, and the chrome
and focus model every job shares.

Focus model (k9s/lazygit habits): on arrival the screen focuses its :attr:`PRIMARY_FOCUS` widget (the
path field on Inspect, the item list on Workspace); while a text field has the focus, printable keys type
(Textual's Input takes them before any binding), so one-letter actions work from the lists; Esc leaves a
field for the screen's :attr:`LIST_FOCUS` widget, and :meth:`return_to_list` does the same after a field's
Enter has run its action.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input

from certbench.core.workspace import Workspace
from certbench.ui.widgets.tables import PANE_TITLE
from certbench.ui.widgets.tabs import JobTabs

if TYPE_CHECKING:
    from certbench.ui.app import CertbenchApp


class CertbenchScreen(Screen[None]):
    """A job screen of :class:`~certbench.ui.app.CertbenchApp`."""

    #: Selector of the widget focused on each arrival (None: Textual's default, the first focusable).
    PRIMARY_FOCUS: ClassVar[str | None] = None
    #: Selector of the main list, focused by Esc in a field and after a field's Enter (None: PRIMARY_FOCUS).
    LIST_FOCUS: ClassVar[str | None] = None

    #: Selector -> title of each pane (k9s style); a DataTable's title gets its row count (fill_table).
    PANE_TITLES: ClassVar[dict[str, str]] = {}

    # Focus is this class's business (PRIMARY_FOCUS): Textual's auto focus would put a returning dialog's
    # focus on the first field while the list is still loading.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("escape", "leave_field", "Leave field", show=False, id="screen.leave_field"),
    ]

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

    def on_mount(self) -> None:
        """Every job screen gets the tab bar under its header and a compact footer."""
        app = self.certbench_app
        tabs = JobTabs(app.jobs, f"workspace {display_path(app.workspace.root)}")
        try:
            self.mount(tabs, after=self.query_one(Header))
        except NoMatches:
            self.mount(tabs, before=0)
        for footer in self.query(Footer):
            footer.compact = True
        for selector, title in self.PANE_TITLES.items():
            pane = self._widget(selector)
            if pane is not None:
                pane.border_title = title
                pane.add_class("pane-titled")
                setattr(pane, PANE_TITLE, title)

    def on_screen_suspend(self) -> None:
        self._under_modal = isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        """Arrival: mark the tab and focus the primary widget (back from a dialog, the focus stays put)."""
        for tabs in self.query(JobTabs):
            tabs.mark(self.app.current_mode)
        if getattr(self, "_under_modal", False):
            self._under_modal = False
            return
        widget = self._widget(self.PRIMARY_FOCUS)
        if widget is not None:
            widget.focus()
        elif self.focused is None:
            self.focus_next()

    # Focus -------------------------------------------------------------------------------------------

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


def display_path(path: Path) -> str:
    """A path as short as it can be shown unambiguously: relative to the current folder when inside it,
    ``~/...`` under the home folder, else absolute."""
    absolute = path.absolute()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        with contextlib.suppress(ValueError):
            relative = absolute.relative_to(base)
            return prefix + str(relative) if str(relative) != "." else (prefix.rstrip("/") or ".")
    return str(absolute)
