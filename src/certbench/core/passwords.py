"""Password rules partners publish.

SAP API Management (seed 001) refuses keystore passwords containing any of these characters. Messages
say how many of them a password holds and show the whole forbidden set, never which ones it holds:
that would disclose part of the secret (on screen, in a terminal log, in a screenshot).
"""

from __future__ import annotations

RESTRICTED_PASSWORD_CHARACTERS = frozenset("!%^&#:/?[]@$'()*+,;=")

#: The forbidden set as the partner lists it, for messages.
RESTRICTED_PASSWORD_CHARACTERS_TEXT = "! % ^ & # : / ? [ ] @ $ ' ( ) * + , ; ="


def count_restricted_characters(password: str | bytes) -> int:
    """How many characters of ``password`` are restricted (each occurrence counts)."""
    text = password.decode("utf-8", "replace") if isinstance(password, bytes) else password
    return sum(char in RESTRICTED_PASSWORD_CHARACTERS for char in text)


def restricted_characters_message(count: int, *, what: str = "the password") -> str:
    """``what`` contains ``count`` restricted characters, and the set the gateway refuses."""
    plural = "character" if count == 1 else "characters"
    refused = RESTRICTED_PASSWORD_CHARACTERS_TEXT
    return f"{what} contains {count} restricted {plural}; SAP gateways refuse any of {refused}"
