"""Reading every format certbench understands. Entry point: :func:`certbench.core.formats.load.load_material`."""
