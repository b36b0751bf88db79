"""certbench: a terminal certificate workbench."""

__version__ = "0.1.0"
