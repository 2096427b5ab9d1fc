"""How one value, field or address is written in a rendered plan.

Values are JSON (strings quoted, lists inline) so ``"0"`` and ``0`` never look alike; long values are
cut with an ellipsis and a size, multi-line text (template bodies) is summarised by size and digest.
Everything that reaches a terminal passes ``clean`` first: names and values come from Mailgun and
manifests, and an escape sequence in a route description must not repaint the reviewer's screen.
Knows nothing of plans or output formats.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mgsync.changes import SENSITIVE, SENSITIVE_CHANGED, FieldChange

MAX_VALUE = 80  # characters of one rendered value before it is cut
MASKS = frozenset({SENSITIVE, SENSITIVE_CHANGED})

# C0/C1 controls and DEL, plus the bidi overrides that can make text read differently than it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` with control and bidi characters written as ``\\uXXXX`` escapes."""
    if text.isascii() and text.isprintable():  # the common case, and much faster than the regex
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def digest(text: str) -> str:
    """``(412 chars, sha256 1a2b3c4d…)``: enough to tell two long texts apart."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"({len(text)} chars, sha256 {sha}…)"


def value(data: Any) -> str:
    """One value on one line, at most about ``MAX_VALUE`` characters plus its size note."""
    if isinstance(data, str):
        return clean(_string(data))
    if isinstance(data, list | tuple):
        return clean(_collection("[", "]", [dump(item) for item in data], "items"))
    if isinstance(data, Mapping):
        pieces = [f"{dump(str(k))}: {dump(v)}" for k, v in data.items()]
        return clean(_collection("{", "}", pieces, "keys"))
    return clean(dump(data))


def _string(text: str) -> str:
    if text in MASKS:
        return text
    rendered = dump(text)
    if len(rendered) <= MAX_VALUE:
        return rendered
    if "\n" in text:
        return digest(text)
    return f"{dump(text[: MAX_VALUE - 20])[:-1]}…\" ({len(text)} chars)"


def _collection(open_: str, close: str, pieces: list[str], unit: str) -> str:
    whole = f"{open_}{', '.join(pieces)}{close}"
    if len(whole) <= MAX_VALUE:
        return whole
    shown: list[str] = []
    width = 0
    for piece in pieces:
        width += len(piece) + 2
        if width > MAX_VALUE - 20:
            break
        shown.append(piece)
    return f"{open_}{''.join(p + ', ' for p in shown)}…{close} ({len(pieces)} {unit})"


def change(before: Any, after: Any) -> str:
    """``before -> after``; a changed secret is only ``(sensitive value changed)``."""
    if after == SENSITIVE_CHANGED:
        return SENSITIVE_CHANGED
    old, new = value(before), value(after)
    if old == new and before != after:
        old, new = _digest_of(before), _digest_of(after)  # both cut alike: show that they differ
    return f"{old} -> {new}"


def _digest_of(data: Any) -> str:
    return digest(data if isinstance(data, str) else dump(data))


def flatten(body: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted ``(path, value)`` pairs of a body, the same paths updates use; ``None`` is left out."""
    pairs: list[tuple[str, Any]] = []
    for key, item in body.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            pairs.extend(flatten(item, f"{path}."))
        elif item is not None:
            pairs.append((path, item))
    return pairs


def aligned(rows: Iterable[tuple[str, str]]) -> list[str]:
    """``name: text`` rows with the texts in one column."""
    rows = [(clean(name) + ":", text) for name, text in rows]
    width = max((len(name) for name, _ in rows), default=0)
    return [f"{name:<{width}} {text}" for name, text in rows]


def body_rows(body: Mapping[str, Any] | None) -> list[str]:
    return aligned((path, value(item)) for path, item in flatten(body or {}))


def field_rows(fields: Iterable[FieldChange]) -> list[str]:
    return aligned((f.path, change(f.before, f.after)) for f in fields)
