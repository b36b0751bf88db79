"""The footer of every job screen: Textual's, compact, and rebuilt once per burst of binding changes."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class JobFooter(Footer):
    """Textual's Footer rebuilds all its keys after every binding change. Arriving on a screen changes the
    bindings several times in one frame (mount, focus, the first data), and each rebuild restyled every
    key: five rebuilds before the first frame, a fifth of the time to it. Here the changes of one frame
    make one rebuild, with the bindings as they are by then."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._rebuild_pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_pending:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
