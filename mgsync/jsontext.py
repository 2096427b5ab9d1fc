"""JSON from outside the process (files, Mailgun's answers, a request to the emulator): ``loads`` is
``json.loads``, except that a text nested deeper than the interpreter's recursion allows is a
``json.JSONDecodeError``, "nested too deeply", as any other text that is not JSON this program can
read: every caller already words that error with its file or request, never as a crash. ``NaN`` and
``Infinity``, which Python's json reads but JSON has not, are a ``ValueError`` too: a NaN never
equals itself, so a value holding one would be planned as changed on every run. Half of a UTF-16
surrogate pair written alone (``"\\ud83d"``, an emoji cut in two) reads as U+FFFD, as Mailgun's Go
services read it: no text holding one can be written as UTF-8 (a lockfile, a manifest)."""

from __future__ import annotations

import json
import re
from typing import Any

TOO_DEEP = "nested too deeply"
_LONE = re.compile("[\ud800-\udfff]")


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def loads(text: str | bytes) -> Any:
    try:
        value = json.loads(text, parse_constant=_not_json)
        escaped = ("\\ud", "\\uD") if isinstance(text, str) else (b"\\ud", b"\\uD")
        return _whole(value) if any(mark in text for mark in escaped) else value  # type: ignore[operator]
    except RecursionError:
        document = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError(TOO_DEEP, document, 0) from None


def _whole(value: Any) -> Any:
    """``value`` with every lone surrogate as U+FFFD; itself when it has none (a pair, an emoji, reads whole)."""
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_whole(item) for item in value]
    if isinstance(value, dict):
        return {_whole(key): _whole(item) for key, item in value.items()}
    return value


def too_deep(err: ValueError) -> bool:
    """Whether ``err`` (from ``loads``) is of a text nested too deeply, not of one that is not JSON."""
    return isinstance(err, json.JSONDecodeError) and err.msg == TOO_DEEP
