"""One error hierarchy for the whole project.

Every error carries a message a person can act on. When the problem belongs to a file, the path is
kept separately so the CLI can print ``certbench: error: FILE: problem`` and the TUI can show the same
line in a notification. Anything that is not a :class:`CertbenchError` is a bug.

The warning the core issues lives here too, so the CLI can sort it out without loading the readers.
"""

from __future__ import annotations

from pathlib import Path


class CertbenchError(Exception):
    """Base class: a problem the user can fix, described in one line."""

    #: Stable short code used in findings and JSON output (``input.unreadable``...).
    code = "error"

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def with_path(self, path: str | Path) -> CertbenchError:
        """Return the same error attached to ``path`` (keeps the concrete type)."""
        if self.path is None:
            self.path = str(path)
        return self


class UsageError(CertbenchError):
    """The command or form was given something it cannot work with."""

    code = "usage"


class FormatError(CertbenchError):
    """Input that is not (or not entirely) a format certbench reads: garbage, truncated, unsupported."""

    code = "input.unreadable"


class PasswordError(CertbenchError):
    """A password is needed and was not given, or the one given is wrong."""

    code = "input.password"

    def __init__(self, message: str, *, path: str | Path | None = None, missing: bool = False) -> None:
        super().__init__(message, path=path)
        #: True when no password was supplied at all (the UI then asks for one).
        self.missing = missing


class ChainError(CertbenchError):
    """A chain cannot be built or does not satisfy what was asked of it."""

    code = "chain"


class IssuanceError(CertbenchError):
    """A certificate, key or CSR cannot be created as requested."""

    code = "issue"


class KeystoreError(CertbenchError):
    """A keystore, truststore or bundle cannot be built or read."""

    code = "keystore"


class WorkspaceError(CertbenchError):
    """The workspace, an item in it, or a file it holds is missing or damaged."""

    code = "workspace"


class OutputExistsError(WorkspaceError):
    """Refusing to overwrite an existing file without an explicit overwrite flag or confirmation."""

    code = "output.exists"


class BindingError(CertbenchError):
    """The client_id <-> certificate registry refuses or cannot load something."""

    code = "binding"


class NetworkError(CertbenchError):
    """An endpoint could not be reached or did not speak TLS (only online commands raise it)."""

    code = "network"


class NonPositiveSerialWarning(UserWarning):
    """One certificate with a serial number of zero or below (``sha256`` names it, so a warning shown once
    per kind can say how many certificates, where cryptography warns at every read of the serial)."""

    def __init__(self, sha256: bytes) -> None:
        super().__init__(
            "certificate serial number not positive (zero or negative), which RFC 5280 forbids; "
            "a future cryptography release will refuse to read such certificates"
        )
        self.sha256 = sha256
