"""Workflows over the workspace, shared by the CLI and the TUI: each validates, writes through the
workspace's safe writes under its lock, and records its own audit event."""
