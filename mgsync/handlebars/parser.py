"""Tags → the syntax tree: blocks matched with their closing tags, ``{{else}}`` and ``{{else if}}``
chains, partials, raw blocks. The first thing mailgun/raymond (``parser/parser.go``) refuses raises
``TemplateSyntaxError`` at the offset to show: a block never closed (at its opening tag), a closing
tag that closes nothing or names another block (at the closing tag), an ``{{else}}`` outside a block
or given twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mgsync.handlebars.expressions import parse_call
from mgsync.handlebars.lexer import Chunk, Tag, tokens
from mgsync.handlebars.nodes import Block, Literal, Mustache, Node, Partial, Path, TemplateSyntaxError, Text


@dataclass
class Open:
    """A block being filled: where its children go now, and the block its ``{{else if}}`` chains from."""

    block: Block
    name: str
    into: list[Node]
    root: Open | None = None  # for a chained {{else if}}: the block the closing tag names
    seen_else: bool = False
    inverted: bool = False  # opened by {{^x}}


@dataclass
class Builder:
    text: str
    top: list[Node] = field(default_factory=list)
    stack: list[Open] = field(default_factory=list)

    def target(self) -> list[Node]:
        return self.stack[-1].into if self.stack else self.top

    def add(self, token: Chunk | Tag) -> None:
        if isinstance(token, Chunk):
            self.target().append(Text(token.value, token.start))
            return
        match token.sigil:
            case "!":
                return
            case "*" | "#*" | "#>":  # lexer.go lexExpression: "Unexpected character in expression"
                what = "partial blocks ({{#> name}})" if token.sigil == "#>" else "decorators ({{*name}}, {{#*inline}})"
                raise TemplateSyntaxError(f"{what} are handlebars.js only: Mailgun cannot parse them", token.start)
            case "" | "{" | "&":
                call = parse_call(token.inner, token.inner_start)
                self.target().append(Mustache(call, token.sigil == "", token.start))
            case ">":
                self.target().append(Partial(_partial_name(token), token.start))
            case "#" | "^" | "raw":
                self.open(token)
            case "else":
                self.otherwise(token)
            case "/":
                self.close(token)

    def open(self, token: Tag) -> None:
        if token.sigil == "^" and not token.inner.strip():
            self.otherwise(token)  # {{^}} is {{else}}
            return
        call = parse_call(token.inner, token.inner_start, block=True)
        block = Block(call, token.start, raw=token.sigil == "raw")
        self.target().append(block)
        name = _name(call.head)
        if token.sigil == "^":  # {{^x}}…{{else}}…{{/x}}: the else part is the program (parser.go parseInverse)
            block.inverse = []
            self.stack.append(Open(block, name, block.inverse, inverted=True))
        else:
            self.stack.append(Open(block, name, block.program))

    def otherwise(self, token: Tag) -> None:
        if not self.stack:
            glued = token.inner[:1].strip()
            raise TemplateSyntaxError(
                f'{{{{else{token.inner}}}}} reads as {{{{else {token.inner}}}}} in Mailgun: rename "else{token.inner}"'
                if glued
                else "{{else}} outside a block: it belongs between {{#name}} and {{/name}}",
                token.start,
            )
        current = self.stack[-1]
        if current.seen_else or (current.inverted and token.inner.strip()):
            raise TemplateSyntaxError(
                f"a second {{{{else}}}} in {{{{#{current.name}}}}}: a block has at most one", token.start
            )
        current.seen_else = True
        if not token.inner.strip():
            if current.inverted:
                current.into = current.block.program
                return
            current.block.inverse = []
            current.into = current.block.inverse
            return
        current.block.inverse = []
        call = parse_call(token.inner, token.inner_start, block=True)  # {{else if x}}: a chained block
        chained = Block(call, token.start, chained=True)
        current.block.inverse.append(chained)
        self.stack.append(Open(chained, _name(call.head), chained.program, root=current.root or current))

    def close(self, token: Tag) -> None:
        name = token.inner.strip()
        shown = f"{{{{/{name}}}}}"
        if not self.stack:
            raise TemplateSyntaxError(f"{shown} closes no open block", token.start)
        current = self.stack[-1]
        root = current.root or current
        if name != root.name:
            raise TemplateSyntaxError(
                f"{shown} does not close {{{{#{root.name}}}}} (opened at {{opened}}); write {{{{/{root.name}}}}}",
                token.start,
                opened=root.block.start,
            )
        while self.stack and self.stack[-1] is not root:
            self.stack.pop()
        self.stack.pop()

    def finish(self) -> list[Node]:
        if self.stack:
            unclosed = self.stack[-1].root or self.stack[-1]
            raise TemplateSyntaxError(
                f"{{{{#{unclosed.name}}}}} is never closed: add {{{{/{unclosed.name}}}}}", unclosed.block.start
            )
        return self.top


def _name(head: object) -> str:
    if isinstance(head, Path):
        return head.original
    if isinstance(head, Literal):
        return str(head.original)
    return "(…)"


def _partial_name(token: Tag) -> str:
    call = parse_call(token.inner, token.inner_start, partial=True)
    head = call.head
    return head.value if isinstance(head, Literal) and isinstance(head.value, str) else _name(head)


def parse(text: str) -> list[Node]:
    """The syntax tree of ``text``; raises ``TemplateSyntaxError`` at the first thing Handlebars refuses."""
    builder = Builder(text)
    for token in tokens(text):
        builder.add(token)
    return builder.finish()
