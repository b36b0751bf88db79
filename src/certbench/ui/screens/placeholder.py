"""A job whose screen is not built yet says plainly what it will do."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class PlannedScreen(Screen[None]):
    """Base for screens still to come: a title and what the screen will do."""

    PALETTE_GROUP = "Planned"
    PLAN = ""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(classes="planned"):
            yield Static(Text(self.PALETTE_GROUP, style="bold"), classes="planned-title")
            yield Static(Text(self.PLAN), classes="planned-text")
        yield Footer()
