"""``${env:NAME}`` references in YAML string values, and keeping their values out of messages.

Substitution happens in place on the loaded YAML tree, in string *values* only (never keys, never
template files or CSV cells). Each substituted value becomes an ``EnvStr`` that remembers what was
written, so a credential can insist on an environment reference, and ``Redactor`` can replace a
variable's value by its reference in every message: a secret is never printed.

An unset variable is reported as an ``EnvProblem`` naming it (``missing``), so the loader can make it
a warning for ``validate`` (which must work without secrets, e.g. on a fork's pull request) and an
error for ``plan`` and ``apply``; a malformed reference is always an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_ATTEMPT = re.compile(r"\$\{env:[^}]*\}?")


class EnvStr(str):
    """A string value that contained ``${env:...}``; ``raw`` is the text as written."""

    raw: str

    def __new__(cls, value: str, raw: str) -> EnvStr:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj

    @property
    def whole_reference(self) -> bool:
        return REFERENCE.fullmatch(self.raw) is not None


@dataclass(frozen=True)
class EnvProblem:
    path: tuple[Any, ...]  # where the string sits in the YAML tree
    message: str
    missing: str | None = None  # the unset variable's name; None for a malformed reference


@dataclass
class Redactor:
    """Replaces every substituted value (long enough to be recognisable) by its reference."""

    values: dict[str, str] = field(default_factory=dict)

    def remember(self, value: str, reference: str) -> None:
        if len(value) >= 4:
            self.values.setdefault(value, reference)

    def __call__(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, self.values[value])
        return text


def substitute(root: Any, env: Mapping[str, str], redactor: Redactor) -> list[EnvProblem]:
    """Replace references in every string value under ``root``; report missing or malformed ones."""
    problems: list[EnvProblem] = []
    for container, key, path in _string_slots(root):
        text = container[key]
        if "${env:" not in text:
            continue
        value, found = _expand(text, env, redactor)
        problems.extend(EnvProblem(path, message, name) for message, name in found)
        container[key] = EnvStr(value, str(text))
    return problems


def _expand(text: str, env: Mapping[str, str], redactor: Redactor) -> tuple[str, list[tuple[str, str | None]]]:
    """The expanded text and its problems: (message, name of the unset variable or None)."""
    problems: list[tuple[str, str | None]] = [
        (f'malformed environment reference "{bad.group()}" (expected ${{env:NAME}})', None)
        for bad in _ATTEMPT.finditer(text)
        if not REFERENCE.fullmatch(bad.group())
    ]

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            problems.append((f"environment variable {name} is not set", name))
            return match.group()
        redactor.remember(env[name], match.group())
        return env[name]

    return REFERENCE.sub(replace, text), problems


def _string_slots(root: Any) -> Iterator[tuple[Any, Any, tuple[Any, ...]]]:
    """(container, key, path) of every string value, iteratively (YAML may nest deeply or alias)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            if isinstance(value, str):
                yield node, key, (*path, key)
            elif isinstance(value, (dict, list)):
                stack.append((value, (*path, key)))
