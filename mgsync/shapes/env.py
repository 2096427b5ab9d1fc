"""``${env:NAME}`` references in YAML string values, and keeping their values out of messages.

Substitution happens in place on the loaded YAML tree, in string *values* only (never keys, never
template files or CSV cells). Each substituted value becomes an ``EnvStr`` that remembers what was
written, so a credential can insist on an environment reference, and ``Redactor`` can replace a
variable's value by its reference in every message: a secret is never printed.

A variable set to the empty string counts as not set: CI systems hand an empty string for a secret
the job may not read (GitHub Actions does, outside the secret's environment), and no value Mailgun
takes is empty. An unset variable is reported as an ``EnvProblem`` naming it (``missing``), so the
loader can make it a warning for ``validate`` (which must work without secrets, e.g. on a fork's
pull request) and an error for ``apply``; for ``plan`` it is an error too, unless the reference is
a whole secret field (a password): such a field validates to ``UnsetSecret``, which plan shows as
"not checked" (least privilege: a plan needs no SMTP password). A malformed reference is always an
error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
MIN_SHOWN = 4  # a shorter value is not recognisable as a secret, and would replace too much
WHOLE_SHOWN = 16  # a whole string value from ${env:} at least this long is taken for a token (``_secret_like``)
_ATTEMPT = re.compile(r"\$\{env:[^}]*\}?")


class EnvStr(str):
    """A string value that contained ``${env:...}``; ``raw`` is the text as written, ``unset`` the
    variables it names that are not set (or empty), left as written in the value."""

    raw: str
    unset: tuple[str, ...]

    def __new__(cls, value: str, raw: str, unset: tuple[str, ...] = ()) -> EnvStr:
        obj = super().__new__(cls, value)
        obj.raw, obj.unset = raw, unset
        return obj

    @property
    def whole_reference(self) -> bool:
        return REFERENCE.fullmatch(self.raw) is not None


class UnsetSecret(SecretStr):
    """A secret field written ``${env:NAME}`` whose variable is not set: holds nothing (its value is
    empty), names the variable (``variable``) and the string it came from (``origin``, for the loader
    to tell which unset references became secrets). Only ``plan`` accepts one; it cannot be written."""

    def __init__(self, origin: EnvStr) -> None:
        super().__init__("")
        self.origin = origin
        self.variable = origin.unset[0]

    def __repr__(self) -> str:
        return f"UnsetSecret({self.variable})"


@dataclass(frozen=True)
class EnvProblem:
    path: tuple[Any, ...]  # where the string sits in the YAML tree
    message: str
    missing: str | None = None  # the unset variable's name; None for a malformed reference
    value: EnvStr | None = None  # the string it is in


@dataclass
class Redactor:
    """Replaces every substituted value (long enough to be recognisable) by its reference. ``shown``
    holds those substituted outside a secret field that look like secrets (``_secret_like``: a token
    in a webhook URL): plans and the lockfile show their references too (``engine.sealing``), where a
    secret field's value is masked anyway."""

    values: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)

    def remember(self, value: str, reference: str, *, shown: bool = False) -> None:
        if len(value) >= MIN_SHOWN:
            self.values.setdefault(value, reference)
            if shown:
                self.shown.setdefault(value, reference)

    def __call__(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, self.values[value])
        return text


def substitute(
    root: Any, env: Mapping[str, str], redactor: Redactor, secret_keys: frozenset[str] = frozenset()
) -> list[EnvProblem]:
    """Replace references in every string value under ``root``; report missing or malformed ones.
    A value substituted under any other key than ``secret_keys`` (fields a plan masks) is ``shown``."""
    problems: list[EnvProblem] = []
    for container, key, path in _string_slots(root):
        text = container[key]
        if "${env:" not in text:
            continue
        value, found = _expand(text, env, redactor, shown=key not in secret_keys)
        expanded = EnvStr(value, str(text), tuple(name for _, name in found if name is not None))
        problems.extend(EnvProblem(path, message, name, expanded) for message, name in found)
        container[key] = expanded
    return problems


def _expand(
    text: str, env: Mapping[str, str], redactor: Redactor, *, shown: bool
) -> tuple[str, list[tuple[str, str | None]]]:
    """The expanded text and its problems: (message, name of the unset variable or None)."""
    problems: list[tuple[str, str | None]] = [
        (f'malformed environment reference "{bad.group()}" (expected ${{env:NAME}})', None)
        for bad in _ATTEMPT.finditer(text)
        if not REFERENCE.fullmatch(bad.group())
    ]

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not env.get(name):  # empty counts as not set (see the module docstring)
            problems.append((f"environment variable {name} is not set", name))
            return match.group()
        redactor.remember(
            env[name], match.group(), shown=shown and _secret_like(env[name], whole=match.group() == text)
        )
        return env[name]

    return REFERENCE.sub(replace, text), problems


def _secret_like(value: str, *, whole: bool) -> bool:
    """Whether a value substituted outside a secret field is kept out of what is shown: a part of a
    longer string (a token in a URL), or a whole string that is a URL or long enough to be a token.
    A short whole value (``web_scheme: ${env:SCHEME}``, ``access_level: ${env:LEVEL}``) is a setting
    chosen per environment: hidden, each ``https`` in every URL of a plan would read as its reference."""
    return not whole or "://" in value or len(value) >= WHOLE_SHOWN


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
