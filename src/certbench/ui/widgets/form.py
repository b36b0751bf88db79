"""The one form style of every screen: each field on one line with its label beside it.

A form is made of :class:`FormRow` lines holding :class:`FieldLabel` + field pairs (compact, one-line
``Input``/``Select`` widgets). A row of one field per line (Create, Keystore's passwords, Bindings) gets the
``-aligned`` class, so its labels share one column and the fields line up; a bar of several fields on one
line (Probe's host, SNI and client; Truststore's filters) sizes each label to its text. One line per field
keeps a form short enough for 80x24, where the three-line boxed fields took a third of the screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Label

#: Width of the label column of an aligned form (the longest label, "Validity (days)", plus room).
LABEL_WIDTH = 18


class FieldLabel(Label):
    """The label beside a field (plain text: labels are the app's words, never markup)."""

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(Text(text), id=id, classes="field-label")


class FormRow(Horizontal):
    """One line of a form: label + field pairs side by side."""

    DEFAULT_CSS = f"""
    FormRow {{
        height: 1;
        width: 1fr;
        margin-bottom: 1;
    }}
    FormRow > .field-label {{
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }}
    FormRow.-aligned > .field-label {{
        width: {LABEL_WIDTH};
        padding: 0 1 0 0;
    }}
    FormRow > Input, FormRow > Select {{
        width: 1fr;
    }}
    """
