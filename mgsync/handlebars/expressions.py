"""The expression inside one tag: ``helper arg "str" 3 (sub x) key=value as |a b|``, per
handlebars.js's grammar (``handlebars.yy``), each part with its offset in the template.

Raises ``TemplateSyntaxError`` for what handlebars.js refuses to parse: an empty tag, an unclosed
``(``, a ``key=`` without a value, a parameter after ``key=value``, a character no expression has.
"""

from __future__ import annotations

import re

from mgsync.handlebars.nodes import Call, Expr, Literal, Path, SubExpression, TemplateSyntaxError

# An identifier: anything but whitespace and the characters handlebars.l keeps out of an ID.
ID = re.compile(r"[^\s!\"#%&'()*+,./;<=>@\[\\\]^`{|}~]+")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?=[\s)}~|]|$)")
STRING = re.compile(r'"((?:\\"|[^"])*)"|\'((?:\\\'|[^\'])*)\'')
KEYWORDS = {"true": True, "false": False, "null": None, "undefined": None}
BLOCK_PARAMS = re.compile(r"as\s+\|")


class Scanner:
    """A cursor over one tag's text; ``base`` is that text's offset in the template."""

    def __init__(self, text: str, base: int):
        self.text, self.base, self.i = text, base, 0

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def at_end(self) -> bool:
        self.skip_space()
        return self.i >= len(self.text)

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def offset(self) -> int:
        return self.base + self.i

    def fail(self, message: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, self.offset())

    def unexpected(self) -> TemplateSyntaxError:
        return self.fail(f'unexpected "{self.peek()}" in the expression')


def parse_call(text: str, base: int, *, block: bool = False) -> Call:
    """The whole tag text as one call; ``block``: ``as |a b|`` is allowed at its end."""
    scan = Scanner(text, base)
    if scan.at_end():
        raise scan.fail("empty expression: write a name between the braces")
    call = _call(scan, block=block)
    if not scan.at_end():
        raise scan.unexpected()
    return call


def _call(scan: Scanner, *, block: bool = False, closer: str = "") -> Call:
    head = _operand(scan)
    params: list[Expr] = []
    pairs: list[tuple[str, Expr]] = []
    block_params: tuple[str, ...] = ()
    while not scan.at_end() and scan.peek() != closer:
        if BLOCK_PARAMS.match(scan.text, scan.i):
            if not block:
                raise scan.fail('"as |…|" block parameters belong on a block tag ({{#each items as |item|}})')
            block_params = _block_params(scan)
            break
        key = _hash_key(scan)
        if key is not None:
            pairs.append((key, _value_of(scan, key)))
        elif pairs:
            raise scan.fail("a parameter comes after key=value pairs: put the pairs last")
        else:
            params.append(_operand(scan))
    return Call(head, tuple(params), tuple(pairs), block_params)


def _hash_key(scan: Scanner) -> str | None:
    match = re.compile(r"([^\s=()|]+)\s*=").match(scan.text, scan.i)
    if match is None:
        return None
    scan.i = match.end()
    return match.group(1)


def _value_of(scan: Scanner, key: str) -> Expr:
    scan.skip_space()
    if scan.at_end() or scan.peek() in ")|":
        raise scan.fail(f'"{key}=" has no value')
    return _operand(scan)


def _block_params(scan: Scanner) -> tuple[str, ...]:
    start = scan.offset()
    match = re.compile(r"as\s+\|\s*([^|]*?)\s*\|").match(scan.text, scan.i)
    if match is None or not match.group(1):
        raise TemplateSyntaxError('"as |" block parameters are never closed with "|"', start)
    names = tuple(match.group(1).split())
    if any(ID.fullmatch(name) is None for name in names):
        raise TemplateSyntaxError("block parameters must be plain names: as |item index|", start)
    scan.i = match.end()
    return names


def _operand(scan: Scanner) -> Expr:
    scan.skip_space()
    start, ch = scan.offset(), scan.peek()
    if ch == "(":
        return _subexpression(scan)
    if ch in "\"'":
        return _string(scan)
    number = NUMBER.match(scan.text, scan.i)
    if number is not None:
        scan.i = number.end()
        value = float(number.group()) if "." in number.group() else int(number.group())
        return Literal(value, number.group(), start)
    path = _path(scan)
    if len(path.parts) == 1 and not path.data and path.depth == 0 and path.original in KEYWORDS:
        return Literal(KEYWORDS[path.original], path.original, start)
    return path


def _subexpression(scan: Scanner) -> SubExpression:
    start = scan.offset()
    scan.i += 1
    if scan.at_end():
        raise TemplateSyntaxError('"(" is never closed with ")"', start)
    if scan.peek() == ")":
        raise scan.fail('empty "()": a sub-expression needs a helper name')
    call = _call(scan, closer=")")
    if scan.peek() != ")":
        raise TemplateSyntaxError('"(" is never closed with ")"', start)
    scan.i += 1
    return SubExpression(call, start)


def _string(scan: Scanner) -> Literal:
    match = STRING.match(scan.text, scan.i)
    if match is None:
        raise scan.fail(f"the string starting here is never closed with {scan.peek()}")
    start = scan.offset()
    scan.i = match.end()
    quote = match.group()[0]
    body = match.group(1) if match.group(1) is not None else match.group(2)
    return Literal(body.replace("\\" + quote, quote), match.group(), start)


def _path(scan: Scanner) -> Path:
    """``a.b``, ``a/b``, ``../a``, ``this.a``, ``@root.a``, ``[odd key].b``."""
    start, begin = scan.offset(), scan.i
    data = scan.peek() == "@"
    scan.i += data
    parts: list[str] = []
    depth, first = 0, True
    while True:
        segment = _segment(scan)
        if segment is None:
            raise scan.unexpected() if scan.i < len(scan.text) else scan.fail("an expression ends after a separator")
        name, literal = segment
        if not literal and name in ("..", ".", "this"):
            if not first or (data and name != ".."):
                raise TemplateSyntaxError(
                    f'invalid path "{scan.text[begin : scan.i]}": "{name}" may only start a path', start
                )
            depth += name == ".."
            first = name == ".."  # ../../a keeps going up; this/.. does not
        else:
            parts.append(name)
            first = False
        if scan.i >= len(scan.text) or scan.text[scan.i] not in "./":
            break
        scan.i += 1
    return Path(tuple(parts), scan.text[begin : scan.i], start, depth, data)


def _segment(scan: Scanner) -> tuple[str, bool] | None:
    if scan.text.startswith("..", scan.i):
        scan.i += 2
        return "..", False
    if scan.peek() == "[":
        close = scan.text.find("]", scan.i)
        if close < 0:
            raise scan.fail('"[" is never closed with "]"')
        name = scan.text[scan.i + 1 : close]
        scan.i = close + 1
        return name, True
    if scan.peek() == "." and (scan.i + 1 >= len(scan.text) or scan.text[scan.i + 1] in " \t\r\n)/"):
        scan.i += 1
        return ".", False
    match = ID.match(scan.text, scan.i)
    if match is None:
        return None
    scan.i = match.end()
    return match.group(), False
