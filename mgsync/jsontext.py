"""JSON from outside the process (files, Mailgun's answers, a request to the emulator): ``loads`` is
``json.loads``, except that a text nested deeper than the interpreter's recursion allows is a
``json.JSONDecodeError``, "nested too deeply", as any other text that is not JSON this program can
read: every caller already words that error with its file or request, never as a crash. ``NaN`` and
``Infinity``, which Python's json reads but JSON has not, are a ``ValueError`` too: a NaN never
equals itself, so a value holding one would be planned as changed on every run."""

from __future__ import annotations

import json
from typing import Any

TOO_DEEP = "nested too deeply"


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text, parse_constant=_not_json)
    except RecursionError:
        document = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError(TOO_DEEP, document, 0) from None


def too_deep(err: ValueError) -> bool:
    """Whether ``err`` (from ``loads``) is of a text nested too deeply, not of one that is not JSON."""
    return isinstance(err, json.JSONDecodeError) and err.msg == TOO_DEEP
