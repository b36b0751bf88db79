"""The workspace's actions, shared by the CLI and the TUI: each validates, writes and records its own audit event."""
