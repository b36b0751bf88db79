"""The Create screen."""

from __future__ import annotations

from certbench.ui.screens.placeholder import PlannedScreen


class CreateScreen(PlannedScreen):
    PALETTE_GROUP = "Create"
    PLAN = (
        "Create root and intermediate CAs, client, server and Open Banking TPP certificates and "
        "CSRs from a form with live validation and a preview."
    )
