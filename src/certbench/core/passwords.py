"""Password rules partners publish.

SAP API Management (seed 001) refuses keystore passwords containing any of these characters.
"""

from __future__ import annotations

RESTRICTED_PASSWORD_CHARACTERS = frozenset("!%^&#:/?[]@$'()*+,;=")


def restricted_characters_in(password: str | bytes) -> list[str]:
    """The restricted characters that occur in ``password``, in order of first appearance."""
    text = password.decode("utf-8", "replace") if isinstance(password, bytes) else password
    found: list[str] = []
    for char in text:
        if char in RESTRICTED_PASSWORD_CHARACTERS and char not in found:
            found.append(char)
    return found
