"""The Textual app. Screens call :mod:`certbench.core` from thread workers only."""
