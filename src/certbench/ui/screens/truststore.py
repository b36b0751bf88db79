"""The Truststore screen."""

from __future__ import annotations

from certbench.ui.screens.placeholder import PlannedScreen


class TruststoreScreen(PlannedScreen):
    PALETTE_GROUP = "Truststore"
    PLAN = (
        "Assemble truststores (PEM, JKS, PKCS#12) from many files and workspace CAs, with "
        "duplicates and expired certificates flagged."
    )
