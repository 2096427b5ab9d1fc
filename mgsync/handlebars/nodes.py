"""The Handlebars syntax tree: every node carries the offset where it starts in the template text.

Offsets, not (line, col): the text is at hand wherever a node is reported, and ``position`` turns an
offset into the 1-based line and column a person reads. Knows nothing about Mailgun.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of ``offset`` in ``text``; a column counts characters."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class TemplateSyntaxError(Exception):
    """A template that Handlebars cannot parse: ``message`` at ``offset`` of the template text;
    ``opened``: the offset of the block a closing tag fails to match, shown where the message
    says ``{opened}`` (``describe``), since only the caller knows how to show a place."""

    def __init__(self, message: str, offset: int, opened: int | None = None):
        super().__init__(message)
        self.message, self.offset, self.opened = message, offset, opened

    def describe(self, show: Callable[[int], str]) -> str:
        return self.message if self.opened is None else self.message.replace("{opened}", show(self.opened))


@dataclass(frozen=True)
class Path:
    """``name``, ``user.name``, ``../title``, ``this``, ``@index``: ``depth`` counts ``../``."""

    parts: tuple[str, ...]
    original: str
    start: int
    depth: int = 0
    data: bool = False  # @-prefixed: a data variable (@index, @root…)
    spaced: bool = False  # written with spaces around a separator (user .name), as raymond allows

    @property
    def is_this(self) -> bool:
        return not self.parts and not self.data


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool or None
    original: str
    start: int


@dataclass(frozen=True)
class SubExpression:
    call: Call
    start: int


Expr = Path | Literal | SubExpression


@dataclass(frozen=True)
class Call:
    """What a tag says: a path or literal, then parameters, ``key=value`` pairs and ``as |a b|``."""

    head: Expr
    params: tuple[Expr, ...] = ()
    hash: tuple[tuple[str, Expr], ...] = ()
    block_params: tuple[str, ...] = ()

    @property
    def is_helper_call(self) -> bool:
        """Written as a helper (with arguments): Handlebars then needs a helper of that name."""
        return bool(self.params or self.hash)


@dataclass
class Text:
    value: str
    start: int


@dataclass
class Mustache:
    """``{{expr}}`` (escaped) or ``{{{expr}}}`` / ``{{& expr}}`` (not escaped)."""

    call: Call
    escaped: bool
    start: int


@dataclass
class Partial:
    """``{{> name}}``: Mailgun registers no partials, so one renders nothing there."""

    name: str
    start: int


@dataclass
class Block:
    """``{{#name …}}…{{else}}…{{/name}}``; ``{{^name}}`` is a block with only an inverse.
    ``{{else if x}}`` is an inverse holding one chained Block (``chained``)."""

    call: Call
    start: int
    program: list[Node] = field(default_factory=list)
    inverse: list[Node] | None = None
    chained: bool = False
    raw: bool = False  # {{{{raw}}}}…{{{{/raw}}}}: the program is one Text, never parsed


Node = Text | Mustache | Partial | Block
