"""The expression inside one tag: ``helper arg "str" 3 (sub x) key=value as |a b|``, as
mailgun/raymond reads it (``lexer/lexer.go``, ``parser/parser.go``), each part with its offset.

Raises ``TemplateSyntaxError`` for what raymond refuses to parse: an empty tag, an unclosed ``(``,
a ``key=`` without a value, a parameter after ``key=value``, a character no expression has, a
number Go cannot read (``1abc``, ``0x1F``), a path step that is not a name (``x.0``: write ``x.[0]``),
Go template syntax (``{{.title}}``). Spaces around a path's separators are skipped (``a / b`` is
``a/b``), as raymond's lexer skips them between tokens.
Where raymond differs from handlebars.js: only space, tab and newline separate (a carriage return
is part of a name), ``null`` and ``undefined`` are names, a name cannot start with a digit, ``+``
or ``-``.
"""

from __future__ import annotations

import math
import re

from mgsync.handlebars.nodes import Call, Expr, Literal, Path, SubExpression, TemplateSyntaxError

# lexer.go unallowedIDChars; a name starting with + - or a digit is read as a number (lexNumber)
ID = re.compile(r"(?![+\-0-9])[^ \n\t!\"#%&'()*+,./;<=>@\[\\\]^`{|}~]+")
SPACE = " \t\n"  # lexer.go isIgnorable
# lexer.go scanNumber (Go's text/template number scanner), then parser.go parseNumber: Atoi or ParseFloat
# re.ASCII: Go reads ASCII digits only, so "1" then U+0661 (an Arabic-Indic one) is no number
NUMBER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]*|\d*)(?:\.\d*)?(?:[eE][+-]?\d*)?i?", re.ASCII)
INT, FLOAT = re.compile(r"[+-]?\d+", re.ASCII), re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
STRING = re.compile(r'"((?:\\"|[^"])*)"|\'((?:\\\'|[^\'])*)\'')
KEYWORDS = {"true": True, "false": False}  # lexer.go rTrue, rFalse; no null, no undefined
KEYWORD = re.compile(r"(true|false)(?=[\s~})]|$)")
BLOCK_PARAMS = re.compile(r"as\s+\|")


class Scanner:
    """A cursor over one tag's text; ``base`` is that text's offset in the template."""

    def __init__(self, text: str, base: int):
        self.text, self.base, self.i = text, base, 0

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in SPACE:
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


def parse_call(text: str, base: int, *, block: bool = False, partial: bool = False) -> Call:
    """The whole tag text as one call; ``block``: ``as |a b|`` is allowed at its end; only a
    partial's name may be a sub-expression (parser.go ``parseHelperName``, ``parsePartialName``)."""
    scan = Scanner(text, base)
    if scan.at_end():
        raise scan.fail("empty expression: write a name between the braces")
    if scan.peek() == "(" and not partial:
        raise scan.fail('a tag starts with a name, not "(": write the helper\'s name first')
    call = _call(scan, block=block)
    if not scan.at_end():
        raise scan.unexpected()
    return call


def _call(scan: Scanner, *, block: bool = False, closer: str = "") -> Call:
    scan.skip_space()
    if closer and scan.peek() == "(":
        raise scan.fail('"((": a sub-expression starts with a helper\'s name')
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
    match = re.compile(ID.pattern + r"(?=[ \t\n]*=)").match(scan.text, scan.i)
    if match is None:
        return None
    scan.i = scan.text.index("=", match.end()) + 1
    return match.group()


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
    if ch in "+-" or (ch.isdigit() and ch.isascii()):
        return _number(scan)
    keyword = KEYWORD.match(scan.text, scan.i)
    if keyword is not None:
        scan.i = keyword.end()
        return Literal(KEYWORDS[keyword.group()], keyword.group(), start)
    return _path(scan)


def _number(scan: Scanner) -> Literal:
    """A Go int when ``strconv.Atoi`` reads it, else a float64 when ``ParseFloat`` does, else an error."""
    start = scan.offset()
    number = NUMBER.match(scan.text, scan.i)
    written = number.group() if number is not None else ""
    scan.i += len(written)
    after = scan.peek()
    if after and (after.isalnum() or after in "_+-"):
        raise TemplateSyntaxError(
            f'"{written}{after}…" is not a number: Mailgun reads a name starting with "{written[:1]}" as one', start
        )
    if INT.fullmatch(written) and abs(int(written)) < 2**63:
        return Literal(int(written), written, start)
    if FLOAT.fullmatch(written) and math.isfinite(float(written)):
        return Literal(float(written), written, start)
    raise TemplateSyntaxError(f'"{written}" is not a number Mailgun can read', start)


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
    """``a.b``, ``a/b``, ``../a``, ``this.a``, ``@root.a``, ``[odd key].b``; as raymond's lexer skips
    spaces between tokens, ``a / b`` and ``user .name`` are one path too (parser.go ``parsePath``)."""
    start, begin = scan.offset(), scan.i
    data = scan.peek() == "@"
    scan.i += data
    parts: list[str] = []
    depth = 0
    while True:
        segment = _segment(scan)
        if segment is None:
            raise _not_a_name(scan)
        name, literal = segment
        if not literal and name in ("..", ".", "this"):
            if parts or (data and name != ".."):  # parser.go:740: only while no name has been read
                raise TemplateSyntaxError(
                    f'invalid path "{scan.text[begin : scan.i]}": "{name}" may only start a path', start
                )
            depth += name == ".."
        else:
            parts.append(name)
        if not _separator_follows(scan):
            break
        if not _name_follows(scan):
            raise scan.fail(f'"{scan.text[begin : scan.i].strip()}" is followed by no name: write x.[0] for an index')
    written = scan.text[begin : scan.i]
    return Path(tuple(parts), written, start, depth, data, spaced=any(ch in SPACE for ch in written))


def _not_a_name(scan: Scanner) -> TemplateSyntaxError:
    if scan.i >= len(scan.text):
        return scan.fail("an expression ends after a separator")
    go_field = ID.match(scan.text, scan.i + 1) if scan.peek() == "." else None
    if go_field is not None:  # {{.title}}: parser.go "Expecting ID, got: Sep"
        name = go_field.group()
        return scan.fail(f'".{name}": this is Go template syntax: set engine: go (or write {name} for Handlebars)')
    return scan.unexpected()


def _separator_follows(scan: Scanner) -> bool:
    """Past the separator (and the spaces around it) when a ``.`` or ``/`` follows, spaces allowed
    before it; ``..`` and a ``.`` before a space or the tag's end are names (lexer.go rDotID)."""
    at = scan.i
    scan.skip_space()
    if scan.peek() in ("/", ".") and not scan.text.startswith("..", scan.i) and not _lone_dot(scan, scan.i):
        scan.i += 1
        scan.skip_space()
        return True
    scan.i = at
    return False


def _lone_dot(scan: Scanner, i: int) -> bool:
    return scan.text[i] == "." and (i + 1 >= len(scan.text) or scan.text[i + 1] in " \t\r\n\f)/=~|")


def _name_follows(scan: Scanner) -> bool:
    """parser.go ``parsePath``: after a separator comes an ID, never a number or true/false."""
    ch = scan.peek()
    return not (ch in "+-" or (ch.isdigit() and ch.isascii()) or KEYWORD.match(scan.text, scan.i))


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
    if scan.peek() == "." and _lone_dot(scan, scan.i):
        scan.i += 1
        return ".", False
    match = ID.match(scan.text, scan.i)
    if match is None:
        return None
    scan.i = match.end()
    return match.group(), False
