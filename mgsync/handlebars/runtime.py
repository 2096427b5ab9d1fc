"""Rendering a syntax tree with data as mailgun/raymond (``eval.go``) does, where it differs from
handlebars.js: a name not found in the current context is looked up in the enclosing ones (eval.go
``evalDepthPath``, test "checks path in parent contexts"), even after ``this.``; a block over a value
pushes that value as the context; ``@key`` of a list item is nil and an unset ``@name`` falls back to
the variable ``name`` (``evalPathExpression``); ``x.length`` is the length of a list, mapping or
string (in UTF-8 bytes) unless ``x`` has a ``length`` (helper.go ``lengthParamHelper``); a helper's
``fn`` renders the innermost block being rendered (helper.go ``evalBlock``: ``curBlock()``), even
when the helper is written in a plain tag or a sub-expression. Values, truthiness and escaping are
``govalues``; the helpers are the ones given (``helpers.HELPERS``).

A template rendered here never raises: what fails at send time renders as empty and becomes a
``note``; every variable looked up and not found is kept in ``missing`` (first offset of each).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mgsync.handlebars.govalues import MISSING, escape, is_true, to_text
from mgsync.handlebars.nodes import (
    Block,
    Call,
    Expr,
    Literal,
    Mustache,
    Node,
    Partial,
    Path,
    SubExpression,
    TemplateSyntaxError,
    Text,
)

NIL = (None, MISSING)
# A rendered email over this is no preview: Gmail clips a message at 102 KB, Mailgun's limit is 25 MB
MAX_OUTPUT = 1_000_000


@dataclass(frozen=True)
class Scope:
    """raymond's stacks: contexts, @data frames and block parameters, innermost last."""

    contexts: tuple[Any, ...]
    frames: tuple[Mapping[str, Any], ...]
    params: tuple[Mapping[str, Any], ...] = ()

    @property
    def context(self) -> Any:
        return self.contexts[-1]

    def inner(
        self, context: Any = None, data: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None
    ) -> Scope:
        """eval.go ``evalProgram``: a nil context is not pushed."""
        contexts = self.contexts if context is None else (*self.contexts, context)
        frames = (*self.frames, {**self.frames[-1], **data}) if data is not None else self.frames
        return Scope(contexts, frames, (*self.params, params) if params else self.params)

    def block_param(self, name: str) -> Any:
        for params in reversed(self.params):
            if name in params:
                return params[name]
        return None


@dataclass
class Options:
    """What a helper is handed (helper.go ``Options``): its hash, the scope, ``fn(context, data,
    key)`` rendering the current block's program and ``inverse()`` its else branch."""

    hash: dict[str, Any]
    scope: Scope
    fn: Callable[..., str]
    inverse: Callable[[], str]
    start: int
    note: Callable[[int, str], None]


Helper = Callable[[list[Any], Options], Any]


def iteration(index: int, count: int, key: Any = None) -> dict[str, Any]:
    """data_frame.go ``newIterDataFrame``: @key is nil for a list item."""
    return {"index": index, "key": key, "first": index == 0, "last": index == count - 1}


@dataclass
class Renderer:
    helpers: Mapping[str, Helper]
    arity: Mapping[str, int]
    fewer: Mapping[str, int] = field(default_factory=dict)  # a helper's other argument count raymond runs
    missing: dict[str, int] = field(default_factory=dict)  # path as written → first offset
    notes: set[tuple[int, str]] = field(default_factory=set)  # (offset, what happens at send time), once each
    produced: int = 0  # characters of output made so far
    blocks: list[Block] = field(default_factory=list)  # eval.go's block stack
    repeating: set[int] = field(default_factory=set)  # blocks re-rendered by a helper in a tag

    def render(self, nodes: list[Node], scope: Scope) -> str:
        return "".join(self.node(node, scope) for node in nodes)

    def emit(self, text: str) -> str:
        """``text`` into the output, counted: nested loops over test data can make millions of
        characters, and a plan showing them stalled for minutes."""
        self.produced += len(text)
        if self.produced > MAX_OUTPUT:
            raise TemplateSyntaxError(f"renders over {MAX_OUTPUT:,} characters, too much for mgsync to show", 0)
        return text

    def note(self, offset: int, text: str) -> None:
        self.notes.add((offset, text))  # a note inside a loop: once, not once per pass

    def node(self, node: Node, scope: Scope) -> str:
        match node:
            case Text():
                return self.emit(node.value)
            case Mustache():
                value = self.expression(node.call, scope, node.start, block=None)
                if isinstance(value, Mapping):
                    self.note(node.start, "this prints a whole mapping, as Go does (map[key:value …]): name a field")
                return self.emit(escape(value) if node.escaped else to_text(value))
            case Partial():
                self.note(node.start, f'partial "{node.name}": Mailgun has no partials, the send fails')
                return ""
            case Block():
                self.blocks.append(node)
                try:
                    return self.block(node, scope)
                finally:
                    self.blocks.pop()
        return ""

    def expression(self, call: Call, scope: Scope, start: int, block: Block | None) -> Any:
        """eval.go ``VisitExpression``: a helper; else a literal looked up by its text in the
        current context; else the path (a name that is no helper ignores its arguments)."""
        name = helper_name(call.head)
        if name in self.helpers:
            return self.helper(name, call, scope, start, block)
        head = call.head
        if isinstance(head, Literal):
            return field_of(scope.context, literal_text(head))
        if isinstance(head, Path):
            return self.lookup(head, scope)
        return None

    def helper(self, name: str, call: Call, scope: Scope, start: int, block: Block | None) -> Any:
        args = [self.value(param, scope) for param in call.params]
        pairs = {key: self.value(expr, scope) for key, expr in call.hash}
        if len(args) not in (self.arity[name], self.fewer.get(name)):
            self.note(
                start, f'helper "{name}" takes {plural(self.arity[name], "argument")}, not {len(args)}: the send fails'
            )
            return ""
        current = self.blocks[-1] if self.blocks else None
        options = Options(
            {k: v for k, v in pairs.items() if v not in NIL},
            scope,
            lambda context=None, data=None, key=None: self.program(current, block, scope, context, data, key),
            lambda: self.render(current.inverse or [], scope) if current is not None else "",
            start,
            self.note,
        )
        return self.helpers[name](args, options)

    def program(self, current: Block | None, own: Block | None, scope: Scope, context: Any, data: Any, key: Any) -> str:
        """eval.go ``evalProgram`` of the current block; a helper in a tag inside that block's own
        program renders it again without end (read: helper.go:236 renders curBlock() again;
        UNCONFIRMED: that Go's stack overflow fails Mailgun's send)."""
        if current is None:
            return ""
        if current is not own and id(current) in self.repeating:
            self.note(
                current.start, "a block helper in a tag renders this block inside itself without end: the send fails"
            )
            return ""
        names = current.call.block_params
        params = {names[0]: context} if names else {}
        if len(names) > 1 and key is not None:
            params[names[1]] = key
        if current is own:
            return self.render(current.program, scope.inner(context, data, params))
        self.repeating.add(id(current))
        try:
            return self.render(current.program, scope.inner(context, data, params))
        finally:
            self.repeating.discard(id(current))

    def block(self, node: Block, scope: Scope) -> str:
        """eval.go ``VisitBlock``: a helper renders the block; else the value decides."""
        value = self.expression(node.call, scope, node.start, node)
        if helper_name(node.call.head) in self.helpers:
            return to_text(value)
        if not is_true(value):
            return self.render(node.inverse or [], scope)
        if isinstance(value, list):
            return "".join(
                self.program(node, node, scope, item, iteration(i, len(value)), i) for i, item in enumerate(value)
            )
        return self.program(node, node, scope, value, None, None)

    def value(self, expr: Expr, scope: Scope) -> Any:
        match expr:
            case Literal():
                return expr.value
            case SubExpression():
                return self.expression(expr.call, scope, expr.start, block=None)
        return self.lookup(expr, scope)

    def lookup(self, path: Path, scope: Scope) -> Any:
        found = resolve(path, scope)
        if found is MISSING:
            self.missing.setdefault(path.original, path.start)
        return found


def resolve(path: Path, scope: Scope) -> Any:
    """eval.go ``evalPathExpression``: a block parameter; ``@root.…``; an ``@name`` in the data
    frames, else (nil there) the variable ``name``; a variable, looked up outwards."""
    parts = list(path.parts)
    param = scope.block_param(parts[0]) if parts else None
    if param is not None:
        return _outwards((*scope.contexts, {parts[0]: param}), path.depth, parts)
    tried, found = False, MISSING
    if path.data and parts and parts[0] == "root":
        found, tried = _in(scope.contexts[0], parts[1:])[0], True
    if found in NIL and path.data:
        frame = scope.frames[-1 - path.depth] if path.depth < len(scope.frames) else None
        found = _in(frame, parts)[0] if frame is not None else MISSING
    if found in NIL and not tried:
        found = _outwards(scope.contexts, path.depth, parts)
    return found


def _outwards(contexts: tuple[Any, ...], depth: int, parts: list[str]) -> Any:
    """eval.go ``evalDepthPath``: from ``depth`` outwards until a context has the path's first part."""
    found: Any = MISSING
    while depth < len(contexts):
        found, resolved = _in(contexts[-1 - depth], parts)
        if resolved or found not in NIL:
            return found
        depth += 1
    return found


def _in(context: Any, parts: list[str]) -> tuple[Any, bool]:
    """eval.go ``evalCtxPath``: in a list context, the path in each item (found ones, a list)."""
    if isinstance(context, list):
        return [v for v in (_walk(item, parts)[0] for item in context) if v is not MISSING], False
    return _walk(context, parts)


def _walk(value: Any, parts: list[str]) -> tuple[Any, bool]:
    resolved = False
    for part in parts:
        value = field_of(value, part)
        if value is MISSING:
            break
        resolved = True
    return value, resolved


def field_of(value: Any, name: str) -> Any:
    """eval.go ``evalField``: a mapping's key, a list's index (``Atoi``), then ``length``."""
    found = MISSING
    if isinstance(value, Mapping):
        found = value.get(name, MISSING)
    elif isinstance(value, list) and name.lstrip("+-").isdigit() and name.isascii():
        index = int(name)
        found = value[index] if 0 <= index < len(value) else MISSING  # Go panics below 0
    if found is MISSING and name == "length" and isinstance(value, (str, list, Mapping)):
        found = len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else len(value)
    return found


def literal_text(head: Literal) -> str:
    """ast/node.go ``LiteralStr``: a string as is, ``true``/``false``, a number as Go formats it."""
    return head.value if isinstance(head.value, str) else to_text(head.value)


def helper_name(head: Expr) -> str:
    """ast/node.go ``HelperName``: a plain one-part path (no @, no ../, no this.)."""
    plain = isinstance(head, Path) and not head.data and head.depth == 0 and len(head.parts) == 1
    return head.parts[0] if plain and head.original == head.parts[0] else ""  # type: ignore[union-attr]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"
