"""Rendering a syntax tree with data, as handlebars.js 4 does: the same truthiness (``if`` treats 0,
``""``, ``[]``, null and a missing value as false), the same HTML escaping of ``{{x}}`` (``& < > " '
` =``), JavaScript's way of printing values (``true``, ``1.5``, ``a,b``, ``[object Object]``), context
depths for ``../`` (only blocks that change the context add one), ``@index @first @last @key @root``
and block parameters. The helpers are the ones given (``mailgun.HELPERS``).

A template rendered here never raises: what handlebars.js would fail on at send time (a helper that
does not exist, a partial) renders as empty and becomes a ``note``; every variable looked up and not
found in the data is kept in ``missing`` (first offset of each), for ``template render`` to list.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mgsync.handlebars.nodes import Block, Call, Expr, Literal, Mustache, Node, Partial, Path, SubExpression, Text

MISSING: Any = object()  # a lookup that found nothing (unlike a value that is null)
ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}
ESCAPE_TABLE = str.maketrans(ESCAPES)


def to_text(value: Any) -> str:
    """A value as JavaScript's ``String()`` prints it (null, undefined and missing print nothing)."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int() | float():
            return js_number(value)
        case str():
            return value
        case list() | tuple():
            return ",".join(to_text(v) for v in value)
        case dict():
            return "[object Object]"
    return "" if value is MISSING else str(value)


def js_number(value: int | float) -> str:
    """A number as JavaScript prints it: integers up to 2**53 exactly, any other number as the
    double it becomes, in the shortest digits, fixed-point from 1e-7 up to 1e21 (``1.5e-7``, ``1e+21``)."""
    if isinstance(value, int) and abs(value) < 2**53:
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    digits = Decimal(repr(number))
    exponent = digits.adjusted()
    if -7 < exponent < 21:
        text = format(digits, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = format(digits.scaleb(-exponent), "f")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def escape(value: Any) -> str:
    return to_text(value).translate(ESCAPE_TABLE)


def is_empty(value: Any) -> bool:
    """handlebars.js ``Utils.isEmpty``: falsy but not 0, or an empty list."""
    if value is MISSING or value is None or value is False or value == "":
        return True
    return isinstance(value, (list, tuple)) and not value


@dataclass(frozen=True)
class Scope:
    """Where a lookup starts: the context stack (innermost last), the @data and block parameters."""

    contexts: tuple[Any, ...]
    frames: tuple[Mapping[str, Any], ...]  # @data, innermost last: @../index reads the one before
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def context(self) -> Any:
        return self.contexts[-1]

    def inner(
        self, context: Any, data: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None
    ) -> Scope:
        contexts = self.contexts if context is self.context else (*self.contexts, context)
        frames = (*self.frames, {**self.frames[-1], **data}) if data else self.frames
        return Scope(contexts, frames, {**self.params, **(params or {})})


@dataclass
class Options:
    """What a block helper is handed: its hash, and its program and inverse as functions of a scope."""

    hash: dict[str, Any]
    block_params: tuple[str, ...]
    scope: Scope
    fn: Callable[[Scope], str]
    inverse: Callable[[Scope], str]


Helper = Callable[[list[Any], Options], Any]


@dataclass
class Renderer:
    helpers: Mapping[str, Helper]
    missing: dict[str, int] = field(default_factory=dict)  # path as written → first offset
    notes: list[tuple[int, str]] = field(default_factory=list)  # (offset, what will fail at send time)

    def render(self, nodes: list[Node], scope: Scope) -> str:
        return "".join(self.node(node, scope) for node in nodes)

    def node(self, node: Node, scope: Scope) -> str:
        match node:
            case Text():
                return node.value
            case Mustache():
                value = self.call(node.call, scope, node.start)
                return escape(value) if node.escaped else to_text(value)
            case Partial():
                self.notes.append((node.start, f'partial "{node.name}": Mailgun has no partials, it renders nothing'))
                return ""
            case Block():
                return self.block(node, scope)
        return ""

    def call(self, call: Call, scope: Scope, start: int) -> Any:
        name = _helper_name(call.head)
        if name in self.helpers:  # a helper wins over a variable of its name, as in handlebars.js
            return self.helpers[name](self.args(call, scope), self.options(call, scope, None))
        if call.is_helper_call:
            self.notes.append((start, f'helper "{name}" does not exist in Mailgun: it fails at send time'))
            return ""
        if isinstance(call.head, Literal):  # {{"name"}}, {{true}}: a lookup of that name, as in handlebars.js
            return member(
                scope.context, to_text(call.head.value) if call.head.value is not None else call.head.original
            )
        return self.value(call.head, scope)

    def block(self, node: Block, scope: Scope) -> str:
        if node.decorator:
            return ""
        name = _helper_name(node.call.head)
        options = self.options(node.call, scope, node)
        if name in self.helpers:
            return to_text(self.helpers[name](self.args(node.call, scope), options))
        if node.call.is_helper_call:
            self.notes.append((node.start, f'helper "{name}" does not exist in Mailgun: it fails at send time'))
            return ""
        return self.section(self.value(node.call.head, scope), options)

    def section(self, value: Any, options: Options) -> str:
        """A block with no helper of its name (handlebars.js ``blockHelperMissing``)."""
        if value is True:
            return options.fn(options.scope)
        if is_empty(value):
            return options.inverse(options.scope)
        if isinstance(value, (list, tuple)):
            return "".join(
                options.fn(options.scope.inner(item, item_data(i, len(value)))) for i, item in enumerate(value)
            )
        return options.fn(options.scope.inner(value))

    def options(self, call: Call, scope: Scope, node: Block | None) -> Options:
        program, inverse = (node.program, node.inverse or []) if node else ([], [])
        return Options(
            {k: self.value(v, scope) for k, v in call.hash},
            call.block_params,
            scope,
            lambda s: self.render(program, s),
            lambda s: self.render(inverse, s),
        )

    def args(self, call: Call, scope: Scope) -> list[Any]:
        return [self.value(param, scope) for param in call.params]

    def value(self, expr: Expr, scope: Scope) -> Any:
        match expr:
            case Literal():
                return expr.value
            case SubExpression():
                return self.call(expr.call, scope, expr.start)
        return self._lookup(expr, scope)

    def _lookup(self, expr: Path, scope: Scope) -> Any:
        found = resolve(expr, scope)
        if found is MISSING:
            self.missing.setdefault(expr.original, expr.start)
        return found


def item_data(index: int, count: int, key: Any = None) -> dict[str, Any]:
    return {"index": index, "first": index == 0, "last": index == count - 1, "key": index if key is None else key}


def resolve(path: Path, scope: Scope) -> Any:
    """The value ``path`` names in ``scope``; ``MISSING`` when there is none."""
    parts = list(path.parts)
    if path.depth >= len(scope.frames if path.data else scope.contexts):
        return MISSING  # ../ above the outermost context (handlebars.js: undefined)
    if path.data:
        value: Any = scope.frames[-1 - path.depth].get(parts[0], MISSING) if parts else MISSING
        parts = parts[1:]
    elif path.depth == 0 and parts and parts[0] in scope.params and not path.original.startswith(("this", ".")):
        value, parts = scope.params[parts[0]], parts[1:]
    else:
        value = scope.contexts[-1 - path.depth]
    for part in parts:
        value = member(value, part)
        if value is MISSING:
            return MISSING
    return value


def member(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(name, MISSING)
    if isinstance(value, (list, tuple, str)):
        if name == "length":
            return len(value)
        if name.isdigit() and int(name) < len(value):
            return value[int(name)]
    return MISSING


def _helper_name(head: Expr) -> str:
    if isinstance(head, Path) and head.parts == (head.original,) and not head.data:
        return head.original
    return head.original if isinstance(head, (Path, Literal)) else "(…)"
