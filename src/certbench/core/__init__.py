"""The product: pure domain code. Never imports textual, rich, platformdirs, ui or cli; never prints."""
