"""The shapes reads expect of Mailgun's answers, and the one check of an answer against its shape.

A shape is plain data: ``Obj`` (keys that must be there, keys that may be missing or null),
``ListOf``, ``MapOf``, ``Nullable`` and the scalars ``STR``, ``INT``, ``BOOL``, ``ANY``. Kinds declare
the shapes of what they read (beside their models); ``Client.read`` checks every answer with
``check`` before anything uses it, so an odd answer becomes one sentence instead of a ``KeyError``::

    expected an object with "tracking", got a non-JSON body 'OK'
    expected items[3].name to be a string, got null

Knows JSON text and Python values only: nothing of HTTP, kinds or plans.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any, Protocol

from mgsync import jsontext

_HTML = re.compile(r"\s*<(!doctype|html|head|title|body)", re.IGNORECASE)
_TITLE = re.compile(r"<title>([^<]*)</title>", re.IGNORECASE)


class Shape(Protocol):
    def describe(self) -> str: ...

    def fits(self, value: Any) -> bool: ...  # the quick yes (no words): 200,000 items a plan

    def mismatch(self, value: Any, where: str) -> str | None: ...  # the words, when it does not fit


@dataclass(frozen=True)
class Scalar:
    name: str  # "a string"
    types: tuple[type, ...]

    def describe(self) -> str:
        return self.name

    def fits(self, value: Any) -> bool:
        return isinstance(value, self.types) and (value.__class__ is not bool or bool in self.types)

    def mismatch(self, value: Any, where: str) -> str | None:
        return None if self.fits(value) else _expected(self, value, where)


@dataclass(frozen=True)
class Anything:
    def describe(self) -> str:
        return "any value"

    def fits(self, value: Any) -> bool:
        return True

    def mismatch(self, value: Any, where: str) -> str | None:
        return None


STR = Scalar("a string", (str,))
INT = Scalar("a number", (int,))
BOOL = Scalar("true or false", (bool,))
ANY = Anything()


@dataclass(frozen=True)
class Nullable:
    shape: Shape

    def describe(self) -> str:
        return f"{self.shape.describe()} or null"

    def fits(self, value: Any) -> bool:
        return value is None or self.shape.fits(value)

    def mismatch(self, value: Any, where: str) -> str | None:
        return None if value is None else self.shape.mismatch(value, where)


@dataclass(frozen=True)
class Obj:
    """An object with ``required`` keys, and ``optional`` ones that may be missing or null."""

    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)

    def describe(self) -> str:
        keys = [f'"{key}"' for key in self.required]
        if not keys:
            return "an object"
        listed = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
        return f"an object with {listed}"

    def fits(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for key, shape in self.required.items():
            if key not in value or not shape.fits(value[key]):
                return False
        for key, shape in self.optional.items():
            found = value.get(key)
            if found is not None and not shape.fits(found):
                return False
        return True

    def mismatch(self, value: Any, where: str) -> str | None:
        if not isinstance(value, dict) or any(key not in value for key in self.required):
            return _expected(self, value, where)
        for key, shape in [*self.required.items(), *self.optional.items()]:
            if key in value and (key in self.required or value[key] is not None):
                problem = shape.mismatch(value[key], _join(where, key))
                if problem:
                    return problem
        return None


@dataclass(frozen=True)
class ListOf:
    item: Shape
    _columns: tuple[tuple[str, frozenset[type], frozenset[type] | None], ...] | None = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", _columns(self.item))

    def describe(self) -> str:
        return "a list"

    def fits(self, value: Any) -> bool:
        if not isinstance(value, list):
            return False
        if isinstance(self.item, Anything):  # a lenient page (``Client.odd_items``): its items are checked after
            return True
        if self._columns is None:
            return all(map(self.item.fits, value))
        # A list of flat objects (a page of 1000 members): the types of each key's values, all at once.
        if not set(map(type, value)) <= {dict}:
            return False
        for key, types, inner in self._columns:
            cells = list(map(dict.get, value, repeat(key)))
            if not set(map(type, cells)) <= types:
                return False
            if inner is not None and not set(map(type, chain.from_iterable(filter(None, cells)))) <= inner:
                return False  # an item of a list of scalars (an unsubscribe's tags) of another type
        return True

    def mismatch(self, value: Any, where: str) -> str | None:
        if not isinstance(value, list):
            return _expected(self, value, where)
        return next((p for i, one in enumerate(value) if (p := self.item.mismatch(one, f"{where}[{i}]"))), None)


@dataclass(frozen=True)
class MapOf:
    """An object of any keys whose values all have one shape."""

    value: Shape

    def describe(self) -> str:
        return "an object"

    def fits(self, value: Any) -> bool:
        return isinstance(value, dict) and all(map(self.value.fits, value.values()))

    def mismatch(self, value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return _expected(self, value, where)
        return next((p for k, one in value.items() if (p := self.value.mismatch(one, _join(where, k)))), None)


OBJECT = Obj()


def _columns(item: Shape) -> tuple[tuple[str, frozenset[type], frozenset[type] | None], ...] | None:
    """For an object whose values are all scalars, lists of scalars or any object: per key, the exact
    types its value may have (``NoneType`` for a key that may be missing or null) and, for a list, the
    exact types of its items; else None. JSON decodes to exact types, so this says what ``fits`` says,
    with no call per item."""
    if not isinstance(item, Obj):
        return None
    found = []
    for key, shape in [*item.required.items(), *item.optional.items()]:
        inner = None
        if isinstance(shape, Scalar):
            types = _exact(shape)
        elif shape == OBJECT:
            types = {dict}
        elif isinstance(shape, ListOf) and isinstance(shape.item, Scalar):
            types, inner = {list}, frozenset(_exact(shape.item))
        else:
            return None
        found.append((key, frozenset(types if key in item.required else types | {type(None)}), inner))
    return tuple(found)


def _exact(shape: Scalar) -> set[type]:
    """The exact types of the values ``shape`` fits (``bool`` is an ``int`` only where named)."""
    return set(shape.types) - ({bool} if int in shape.types and bool not in shape.types else set())


HINT_KEYS = ("name", "address", "description", "selector", "login", "value", "match", "id", "url", "webhook_id")


@dataclass(frozen=True)
class OddItem:
    """One item of a listing that is not of the listing's item shape: left out of the listing and
    reported (``Client.odd_items``), so that one odd object never fails a whole read. ``kind`` and
    ``scope`` are filled in by whoever knows which read it was (``engine.observe``)."""

    path: str  # the listing's path
    index: int  # its place in the listing, from 0
    names: tuple[str, ...]  # what may name it (name, address, description, id, …): the strings it has
    problem: str
    kind: str = ""
    scope: str = ""
    address: str = ""  # when known: an item of the right shape whose value the kind's model refuses
    setting: str = ""  # when only one setting's value is refused: the object is kept, with the value as read

    def __str__(self) -> str:
        if self.address:
            return f"{self.address} has a value mgsync cannot read: {self.problem}"
        named = f" {self.names[0]!r}" if self.names else ""
        return f"GET {self.path} item {self.index}{named}: {self.problem}"


_sink = threading.local()


@contextmanager
def collecting_odd() -> Iterator[list[OddItem]]:
    """Within the block, on this thread, odd live items are left out and collected in the list
    yielded (``Client.odd_items``, ``Kind.resource``) instead of failing the read."""
    found: list[OddItem] = []
    before = getattr(_sink, "odd", None)
    _sink.odd = found
    try:
        yield found
    finally:
        _sink.odd = before


def odd_sink() -> list[OddItem] | None:
    """The list of ``collecting_odd`` on this thread; None outside such a block (odd items fail)."""
    found: list[OddItem] | None = getattr(_sink, "odd", None)
    return found


def fitting(items: list[Any], expected: ListOf, path: str, start: int = 0) -> tuple[list[Any], list[OddItem]]:
    """The items of one page that have ``expected``'s item shape, and the others as ``OddItem``s
    (``start``: the listing's index of the page's first item)."""
    if expected.fits(items):  # the usual page: checked at once
        return items, []
    kept, odd = [], []
    for i, item in enumerate(items):
        problem = expected.item.mismatch(item, f"items[{start + i}]")
        if problem is None:
            kept.append(item)
        else:
            odd.append(OddItem(path, start + i, _names(item), problem))
    return kept, odd


def _names(item: Any) -> tuple[str, ...]:
    if not isinstance(item, dict):
        return ()
    return tuple(item[key] for key in HINT_KEYS if isinstance(item.get(key), str) and item[key])


def fits(expected: Shape, value: Any) -> bool:
    """Whether an already decoded value has the shape (for answers that may lawfully lack it)."""
    return expected.fits(value)


def check(text: str, expected: Shape) -> tuple[Any, str | None]:
    """The JSON value of ``text``, and how it differs from ``expected`` (None when it fits)."""
    try:
        value = jsontext.loads(text)
    except ValueError as err:
        return None, f"expected {expected.describe()}, got {_not_json(text, err)}"
    return value, None if expected.fits(value) else expected.mismatch(value, "")


def _expected(shape: Shape, value: Any, where: str) -> str:
    wanted = f"{where} to be {shape.describe()}" if where else shape.describe()
    return f"expected {wanted}, got {_got(value, shape)}"


def _got(value: Any, shape: Shape) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"a string {_quote(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if not value:
        return "an empty object"
    keys = [f'"{key}"' for key in list(value)[:4]]
    missing = [f'"{key}"' for key in getattr(shape, "required", {}) if key not in value]
    more = ", …" if len(value) > 4 else ""
    return f"an object with {', '.join(keys)}{more}" + (f" (no {', '.join(missing)})" if missing else "")


def _not_json(text: str, err: ValueError) -> str:
    if not text.strip():
        return "an empty body"
    if _HTML.match(text):  # a proxy's or gateway's error page: its title says the most
        title = _TITLE.search(text)
        return f"an HTML page titled {_quote(title.group(1))}" if title else f"an HTML page {_quote(text)}"
    if text.lstrip()[:1] in ("{", "[", '"'):
        if jsontext.too_deep(err):
            what = "JSON nested too deeply"
        elif jsontext.no_such_value(err):
            what = f"invalid JSON ({err.msg})"
        elif isinstance(err, json.JSONDecodeError):
            what = "invalid or truncated JSON"
        else:  # an integer of thousands of digits: JSON's syntax, but no value it can hold here
            what = f"invalid JSON ({str(err).split(';')[0]})"
        return f"{what} {_quote(text)}"
    return f"a non-JSON body {_quote(text)}"


def _quote(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
