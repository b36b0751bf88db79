"""One module per job. Each screen composes its own Header and Footer."""
