"""The Inspect screen."""

from __future__ import annotations

from certbench.ui.screens.placeholder import PlannedScreen


class InspectScreen(PlannedScreen):
    PALETTE_GROUP = "Inspect"
    PLAN = (
        "Open any certificate, key, PKCS#7, PKCS#12, JKS or keystore JAR, see its chain as a tree, "
        "the details of each certificate and every finding of the chain doctor with its fix. Also "
        "on the command line today: certbench inspect FILE."
    )
