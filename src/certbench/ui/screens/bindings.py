"""The Bindings screen."""

from __future__ import annotations

from certbench.ui.screens.placeholder import PlannedScreen


class BindingsScreen(PlannedScreen):
    PALETTE_GROUP = "Bindings"
    PLAN = "Record which certificate belongs to which OAuth client_id, and check a certificate against its binding."
