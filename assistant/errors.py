"""Errors meant for users: each message says what is wrong and what to do.

The faces (command line, web UI, JSON API) catch ``AssistantError`` and show its message
in one line; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class AssistantError(Exception):
    """A problem the user can fix; the message is the whole story."""


class UserError(AssistantError):
    """Bad input: a question too long, an unknown filter, an empty query."""
