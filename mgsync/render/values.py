"""How one value, field or address is written in a rendered plan.

Values are JSON (strings quoted) so ``"0"`` and ``0`` never look alike, and nothing is cut: a long
value wraps onto continuation lines, a list that does not fit on its line gets one element per line,
and a list change shows each added and removed element on its own ``+``/``-`` line. Multi-line text
(template bodies, footers) is shown as a unified diff (stdlib ``difflib``) or, when new, as its
content, capped per object with an exact count of the lines left out. Map keys render unambiguously:
``headers.Subject``, ``vars["plan.tier"]``.

Everything that reaches a terminal passes ``clean`` first: names and values come from Mailgun and
manifests, and an escape sequence in a route description must not repaint the reviewer's screen.
Knows nothing of plans, kinds or output formats: it produces ``Row`` data that ``terminal`` lays out.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mgsync.changes import SENSITIVE, SENSITIVE_CHANGED, FieldChange, Key
from mgsync.wire import UNSAFE, escape

WIDTH = 100  # columns a detail line aims for before a value wraps
MIN_WRAP = 40  # a value column never gets narrower than this
TEXT_LINES = 60  # lines of text diff or new content shown per object
CONTEXT = 3  # unchanged lines (or list elements) around each change
BRIEF = 80  # characters of one value in a one-line summary (markdown drift bullets)
MASKS = frozenset({SENSITIVE, SENSITIVE_CHANGED})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Row:
    """One detail line under a change: ``offset`` columns right of the block's detail indent.

    ``mark`` is ``+`` / ``-`` (an added or removed element or text line, painted), ``@`` (a hunk
    header or elision note, painted dim) or empty.
    """

    offset: int
    text: str
    mark: str = ""


def clean(text: str) -> str:
    """``text`` with control, bidi and invisible format characters written as ``\\uXXXX`` escapes."""
    if text.isascii() and text.isprintable():  # the common case, and much faster than the regex
        return text
    return UNSAFE.sub(escape, text)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def digest(text: str) -> str:
    """``(412 chars, sha256 1a2b3c4d…)``: enough to tell two long texts apart."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"({len(text)} chars, sha256 {sha}…)"


def path_text(path: Sequence[Key]) -> str:
    """``("open", "active")`` -> ``open.active``; a key that is not a plain name is quoted:
    ``("vars", "plan.tier")`` -> ``vars["plan.tier"]``, so every path reads back one way only."""
    parts = [str(path[0])] if path else []
    for key in path[1:]:
        parts.append(f".{key}" if isinstance(key, str) and _NAME.match(key) else f"[{dump(key)}]")
    return clean("".join(parts))


def value(data: Any) -> str:
    """One value on one line, in full (JSON; a masked secret as its mask)."""
    if isinstance(data, str) and data in MASKS:
        return data
    return clean(dump(data))


def multiline(data: Any) -> bool:
    return isinstance(data, str) and "\n" in data and data not in MASKS


# --- one-line summaries (markdown drift bullets) -----------------------------------------------


def brief(data: Any) -> str:
    """``value`` cut to about ``BRIEF`` characters; multi-line text as its size and digest."""
    if multiline(data):
        return digest(data)
    text = value(data)
    size = len(data) if isinstance(data, str) else len(text)
    return text if len(text) <= BRIEF else f"{text[: BRIEF - 20]}… ({size} chars)"


def change(before: Any, after: Any) -> str:
    """``before -> after`` on one line; a changed secret is only ``(sensitive value changed)``."""
    if after == SENSITIVE_CHANGED:
        return SENSITIVE_CHANGED
    old, new = brief(before), brief(after)
    if old == new and before != after:
        old, new = _digest_of(before), _digest_of(after)  # both cut alike: show that they differ
    return f"{old} -> {new}"


def _digest_of(data: Any) -> str:
    return digest(data if isinstance(data, str) else dump(data))


# --- detail rows ---------------------------------------------------------------------------------


class Budget:
    """Lines of multi-line text one object may still show (``TEXT_LINES`` per object)."""

    def __init__(self, lines: int = TEXT_LINES):
        self.left = lines

    def take(self, rows: list[Row]) -> list[Row]:
        """As many of ``rows`` as the budget allows, then an exact note of how many were left out."""
        shown, self.left = rows[: max(self.left, 0)], self.left - len(rows)
        hidden = len(rows) - len(shown)
        return shown if not hidden else [*shown, Row(2, f"… {hidden:,} more line{'s' if hidden != 1 else ''}", "@")]


def flatten(body: Mapping[str, Any], prefix: tuple[Key, ...] = ()) -> list[tuple[tuple[Key, ...], Any]]:
    """``(path, value)`` pairs of a body, the same paths updates use; ``None`` is left out."""
    pairs: list[tuple[tuple[Key, ...], Any]] = []
    for key, item in body.items():
        path = (*prefix, key)
        if isinstance(item, Mapping) and item:
            pairs.extend(flatten(item, path))
        elif item is not None:
            pairs.append((path, item))
    return pairs


def body_rows(body: Mapping[str, Any] | None) -> list[Row]:
    """Every field of a created or deleted object."""
    budget = Budget()
    pairs = [(path_text(path), item) for path, item in flatten(body or {})]
    width = _name_width(name for name, _ in pairs)
    rows: list[Row] = []
    for name, item in pairs:
        if multiline(item):
            rows += [Row(0, f"{name}:"), *budget.take([Row(2, clean(line)) for line in item.splitlines()])]
        else:
            rows += _scalar_or_list(name, width, item)
    return rows


def field_rows(fields: Iterable[FieldChange]) -> list[Row]:
    """Every changed field of an updated (or drifted) object."""
    budget, fields = Budget(), list(fields)
    width = _name_width(path_text(f.path) for f in fields)
    rows: list[Row] = []
    for item in fields:
        name = path_text(item.path)
        if multiline(item.before) or multiline(item.after):
            rows += [Row(0, f"{name}:"), *budget.take(text_diff(_text(item.before), _text(item.after)))]
        elif _is_list(item.before) and _is_list(item.after) and not (item.before is None and item.after is None):
            rows += [Row(0, f"{name}:"), *list_diff(item.before or [], item.after or [])]
        else:
            rows += _wrapped(f"{name}:", width, change_text(item.before, item.after))
    return rows


def change_text(before: Any, after: Any) -> str:
    if after == SENSITIVE_CHANGED:
        return SENSITIVE_CHANGED
    return f"{value(before)} -> {value(after)}"


def text_diff(before: str, after: str) -> list[Row]:
    """A unified diff of two texts, ``CONTEXT`` lines around each change; hunk headers kept."""
    rows: list[Row] = []
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), n=CONTEXT, lineterm="")
    for line in lines:
        if line.startswith(("---", "+++")) and not rows:
            continue  # the file header: there are no file names here
        if line.startswith("@@"):
            rows.append(Row(2, clean(line), "@"))
        elif line[:1] in "+-":
            rows.append(Row(2, clean(line[1:]), line[0]))
        else:
            rows.append(Row(4, clean(line[1:])))
    if not rows and before != after:  # splitlines() hides these differences
        rows.append(Row(2, "(the texts differ only in line endings or a final newline)", "@"))
    return rows


def list_diff(before: Sequence[Any], after: Sequence[Any]) -> list[Row]:
    """Each removed element on a ``-`` line, each added one on a ``+`` line, unchanged ones around
    them as context (long runs of unchanged elements are counted, not listed)."""
    old, new = [value(x) for x in before], [value(x) for x in after]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += _context(old[i1:i2], first=i1 == 0, last=i2 == len(old))
            continue
        rows += [Row(2, text, "-") for text in old[i1:i2]]
        rows += [Row(2, text, "+") for text in new[j1:j2]]
    return rows


def _context(run: list[str], *, first: bool, last: bool) -> list[Row]:
    head = [] if first else run[:CONTEXT]
    tail = [] if last else run[-CONTEXT:]
    if len(run) <= len(head) + len(tail) + 1:
        return [Row(4, text) for text in run]
    hidden = len(run) - len(head) - len(tail)
    note = Row(2, f"… {hidden:,} unchanged element{'s' if hidden != 1 else ''}", "@")
    return [*(Row(4, t) for t in head), note, *(Row(4, t) for t in tail)]


def _scalar_or_list(name: str, width: int, item: Any) -> list[Row]:
    label = f"{name}:"
    if _is_list(item) and item and len(value(item)) > _room(width):
        return [Row(0, label), *(row for element in item for row in _wrapped_at(2, value(element)))]
    return _wrapped(label, width, value(item))


def _wrapped(label: str, width: int, text: str) -> list[Row]:
    """``label text`` with ``text`` in the column after ``width``, wrapped to continuation rows."""
    chunks = _chunks(text, _room(width))
    first = f"{label:<{width}} {chunks[0]}"
    return [Row(0, first), *(Row(width + 1, chunk) for chunk in chunks[1:])]


def _wrapped_at(offset: int, text: str) -> list[Row]:
    return [Row(offset, chunk) for chunk in _chunks(text, WIDTH - 6 - offset)]


def _chunks(text: str, room: int) -> list[str]:
    """``text`` in pieces of at most ``room`` characters, preferably at spaces; no character is
    dropped (joining the pieces gives ``text`` back), so a wrapped value stays exact."""
    if len(text) <= room:
        return [text]
    return textwrap.wrap(
        text, room, drop_whitespace=False, break_on_hyphens=False, replace_whitespace=False, expand_tabs=False
    ) or [text]


def _room(width: int) -> int:
    return max(MIN_WRAP, WIDTH - 6 - width - 1)


def _name_width(names: Iterable[str]) -> int:
    return max((len(name) + 1 for name in names), default=0)


def _is_list(data: Any) -> bool:
    return data is None or isinstance(data, list | tuple)


def _text(data: Any) -> str:
    return data if isinstance(data, str) else ("" if data is None else dump(data))


def rows_text(rows: Iterator[Row] | list[Row]) -> list[str]:
    """Rows as plain lines (offset spaces, then the mark and the text), for tests and summaries."""
    out = []
    for row in rows:
        mark = f"{row.mark} " if row.mark in ("+", "-") else ""
        out.append(f"{' ' * row.offset}{mark}{row.text}".rstrip())
    return out
