"""The Keystore screen."""

from __future__ import annotations

from certbench.ui.screens.placeholder import PlannedScreen


class KeystoreScreen(PlannedScreen):
    PALETTE_GROUP = "Keystore"
    PLAN = (
        "Build keystore JARs, PKCS#12 (modern, legacy, for browsers), JKS and PEM chain files from "
        "a workspace item, with the partner checklist."
    )
