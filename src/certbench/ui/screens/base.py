"""The base of every certbench screen: the app's workspace and clock as typed properties."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from certbench.core.workspace import Workspace

if TYPE_CHECKING:
    from certbench.ui.app import CertbenchApp


class CertbenchScreen(Screen[None]):
    """A job screen of :class:`~certbench.ui.app.CertbenchApp`."""

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
