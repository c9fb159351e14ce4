"""The journal's one error: an operation the trader asked for that cannot be done."""

from __future__ import annotations


class JournalError(Exception):
    """A journal operation the trader asked for cannot be done; the message says why."""
