"""Fixed openssl-made material for the Bindings/Workspace screen tests (see make_bindings_material.sh).

Validity dates are fixed around FIXED_NOW (2026-01-15T12:00Z): tpp2 has 4 days left, tpp3 20, tpp1
45, tpp1next a year, old expired on 2025-12-31, the root runs to 2035.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from certbench.core.bindings import Registry
from certbench.core.formats.load import load_file
from certbench.core.workspace import ItemKind, Workspace
from conftest import FIXED_NOW

MATERIAL = Path(__file__).resolve().parent / "material"
P12_PASSWORD = "s3cret-P12"


def cert(name: str) -> x509.Certificate:
    """The (leaf) certificate of a material file."""
    return load_file(MATERIAL / name).certificates[-1 if name.endswith("-chain.pem") else 0]


def fill_workspace(workspace: Workspace) -> None:
    """Workspace items made from the fixed certificates (a CA, leaves, one expired)."""
    root = cert("root.pem")
    workspace.save_item("root-ca", ItemKind.CA, now=FIXED_NOW, certificate=root)
    for name, file in (
        ("tpp1", "tpp1.pem"),
        ("tpp1-next", "tpp1next.pem"),
        ("tpp2", "tpp2.der"),
        ("tpp3-weird", "tpp3.pem"),
        ("old", "old.pem"),
    ):
        workspace.save_item(name, ItemKind.LEAF, now=FIXED_NOW, certificate=cert(file), chain=[root], issuer="root-ca")


def fill_registry(workspace: Workspace) -> Registry:
    """Bindings: a rotation (tpp-one), an urgent one, a markup-looking subject and note, an expired one."""
    registry = Registry.load(workspace.bindings_path)
    registry.add("tpp-one", cert("tpp1.pem"), now=FIXED_NOW, note="prod")
    registry.add("tpp-one", cert("tpp1next.pem"), now=FIXED_NOW, note="next (rotation)")
    registry.add("tpp-two", cert("tpp2.der"), now=FIXED_NOW)
    registry.add("tpp-three", cert("tpp3.pem"), now=FIXED_NOW, note="[bold]not markup[/bold]")
    registry.add("tpp-old", cert("old.pem"), now=datetime(2025, 6, 1, tzinfo=UTC), note="left to expire")
    return registry
