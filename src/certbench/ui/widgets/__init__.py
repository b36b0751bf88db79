"""Reusable widgets. Text from files always goes in as ``rich.text.Text`` (no markup injection)."""
