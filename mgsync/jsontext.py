"""JSON from outside the process (files, Mailgun's answers, a request to the emulator): ``loads`` is
``json.loads``, except that a text nested deeper than the interpreter's recursion allows is a
``json.JSONDecodeError``, "nested too deeply", as any other text that is not JSON this program can
read: every caller already words that error with its file or request, never as a crash. ``NaN`` and
``Infinity``, which Python's json reads but JSON has not, are a ``json.JSONDecodeError`` too, at
their place: a NaN never equals itself, so a value holding one would be planned as changed on every
run. So is a number too large for a float (``1e400``), which Python reads as infinity and writes back
as ``Infinity``: Mailgun's Go services cannot read it either (it overflows a float64). Half of a UTF-16
surrogate pair written alone (``"\\ud83d"``, an emoji cut in two) reads as U+FFFD, as Mailgun's Go
services read it: no text holding one can be written as UTF-8 (a lockfile, a manifest)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, TypeGuard

TOO_DEEP = "nested too deeply"
_NOT_JSON = " is not JSON"  # NaN, Infinity: JSON's grammar has no such value
_TOO_LARGE = " is too large a number for JSON"  # 1e400: JSON's grammar, but no float holds it
_LONE = re.compile("[\ud800-\udfff]")
# A string, skipped whole, or a token ``loads`` refuses: a constant, or a number.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN|-?[0-9][0-9.eE+-]*)')


class _NotJson(Exception):
    pass


def _not_json(token: str) -> Any:
    raise _NotJson(token, _NOT_JSON)


def _finite(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        raise _NotJson(token, _TOO_LARGE)
    return value


def loads(text: str | bytes) -> Any:
    try:
        value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
        escaped = ("\\ud", "\\uD") if isinstance(text, str) else (b"\\ud", b"\\uD")
        return _whole(value) if any(mark in text for mark in escaped) else value  # type: ignore[operator]
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, _document(text), 0) from None
    except _NotJson as err:
        token, why = err.args
        document = _document(text)
        found = next((m for m in _TOKEN.finditer(document) if m.group(1) == token), None)
        shown = token if len(token) <= 24 else f"{token[:20]}…"
        raise json.JSONDecodeError(f"{shown}{why}", document, found.start(1) if found else 0) from None


def _document(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _whole(value: Any) -> Any:
    """``value`` with every lone surrogate as U+FFFD; itself when it has none (a pair, an emoji, reads whole)."""
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_whole(item) for item in value]
    if isinstance(value, dict):
        return {_whole(key): _whole(item) for key, item in value.items()}
    return value


def no_such_value(err: ValueError) -> TypeGuard[json.JSONDecodeError]:
    """Whether ``err`` (from ``loads``) is of a value JSON has not (NaN, 1e400), not of a text cut short."""
    return isinstance(err, json.JSONDecodeError) and err.msg.endswith((_NOT_JSON, _TOO_LARGE))


def too_deep(err: ValueError) -> bool:
    """Whether ``err`` (from ``loads``) is of a text nested too deeply, not of one that is not JSON."""
    return isinstance(err, json.JSONDecodeError) and err.msg == TOO_DEEP


def strings(value: Any) -> Iterator[str]:
    """Every string in JSON-like ``value`` (dicts, lists and tuples, as deep as they go), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
