"""Route expressions and actions, checked offline as Mailgun reads them (mailgun-api.md §4).

Every check takes a string and raises ``ValueError`` with a one-sentence message (pydantic turns it
into a validation error at the value's position). Route expressions and actions are tokenized and
parsed by a small recursive-descent parser, never pattern-matched, so errors can name the column
inside the expression. Grammar (Mailgun's route filters and actions, mailgun-api.md §4)::

    expression := term (("and" | "or") term)*             keywords case-insensitive
    term       := filter | "(" expression ")" | "not" term   grouping, as working code posts it
    filter     := match_recipient(STR) | match_header(STR, STR) | catch_all()
    action     := forward(STR) | store() | store(notify=STR) | stop()
    STR        := "..." | '...'                             backslash escapes the next character

Never stricter than Mailgun: what Mailgun cannot parse is an error; what Mailgun accepts and stores
but may not do what the author expects is valid, with a warning (``expression_warnings``,
``action_warnings``): a pattern that is no Python regular expression (Mailgun stored
``match_recipient('^+?d+@me')``, mailgun-ruby issue #357, 2025), a ``forward`` destination that is
neither an address nor an http(s) URL (Mailgun stored ``forward(".*@")``, mailgun-ruby
vcr_cassettes/routes.yml, 27 Jan 2025), ``and`` mixed with ``or`` without parentheses (the docs do
not say which binds tighter), ``not`` (undocumented, but Mailgun's engine is Python-based). ``forward`` takes a comma-separated list of destinations (Mailgun's
user manual, "Route Actions"), each of which may use captures (``\\1``, ``\\g<name>``).
Patterns are Python regular expressions (Mailgun's route engine is Python-based).
This module knows nothing about YAML, files or pydantic models.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from mgsync.shapes.rules import is_email, is_url, unknown

_HEADER_NAME = re.compile(r"[!-9;-~]+")
_CAPTURE = re.compile(r"\\g<\w+>|\\\d+")

FILTERS = {"match_recipient": 1, "match_header": 2, "catch_all": 0}
ACTIONS = ("forward", "store", "stop")


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "string", "(", ")", ",", "=", "end"
    text: str
    col: int  # 1-based column inside the expression


class SyntaxProblem(ValueError):
    def __init__(self, what: str, col: int, message: str):
        super().__init__(f"invalid {what} at column {col}: {message}")


_SIMPLE = {"(": "(", ")": ")", ",": ",", "=": "="}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize(text: str, what: str) -> list[Token]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _SIMPLE:
            tokens.append(Token(char, char, i + 1))
            i += 1
        elif char in "\"'":
            token, i = _string(text, i, what)
            tokens.append(token)
        elif match := _NAME.match(text, i):
            tokens.append(Token("name", match.group(), i + 1))
            i = match.end()
        else:
            raise SyntaxProblem(what, i + 1, f'unexpected character "{char}"')
    return [*tokens, Token("end", "", len(text) + 1)]


def _string(text: str, start: int, what: str) -> tuple[Token, int]:
    """A quoted string; ``\\"``, ``\\'`` and ``\\\\`` unescape, other escapes stay (regex syntax)."""
    quote, i, out = text[start], start + 1, []
    while i < len(text) and text[i] != quote:
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(nxt if nxt in "\"'\\" else text[i : i + 2])
            i += 2
        else:
            out.append(text[i])
            i += 1
    if i >= len(text):
        raise SyntaxProblem(what, start + 1, "unterminated string")
    return Token("string", "".join(out), start + 1), i + 1


class _Parser:
    def __init__(self, text: str, what: str, noun: str):
        self.what, self.noun = what, noun
        self.tokens = tokenize(text, what)
        self.at = 0
        self.warnings: list[str] = []

    @property
    def peek(self) -> Token:
        return self.tokens[self.at]

    def fail(self, message: str, token: Token | None = None) -> SyntaxProblem:
        return SyntaxProblem(self.what, (token or self.peek).col, message)

    def warn(self, token: Token, message: str) -> None:
        self.warnings.append(f"{self.what} at column {token.col}: {message}")

    def take(self, kind: str, expected: str) -> Token:
        token = self.peek
        if token.kind != kind:
            found = "the end" if token.kind == "end" else f'"{token.text}"'
            raise self.fail(f"expected {expected}, found {found}")
        self.at += 1
        return token

    def call(self, names: dict[str, int] | tuple[str, ...]) -> tuple[Token, list[tuple[str, Token]]]:
        """``name(arg, key=arg)``: the name token and its (keyword or "", string token) arguments."""
        choices = tuple(names)
        article = "an" if self.noun[0] in "aeiou" else "a"
        name = self.take("name", f"{article} {self.noun} ({', '.join(choices[:-1])} or {choices[-1]})")
        if name.text not in names:
            raise self.fail(unknown(self.noun, name.text, choices), name)
        self.take("(", f'"(" after {name.text}')
        args: list[tuple[str, Token]] = []
        while self.peek.kind != ")":
            if args:
                self.take(",", '"," or ")"')
            args.append(self._argument())
        self.take(")", '")"')
        return name, args

    def _argument(self) -> tuple[str, Token]:
        if self.peek.kind == "name":
            key = self.take("name", "an argument").text
            self.take("=", f'"=" after {key}')
            return key, self.take("string", "a quoted string")
        return "", self.take("string", "a quoted string")


# "The length of the Filter or Action fields cannot exceed 4k" (Mailgun's user manual, Routes): over
# 4096 characters Mailgun refuses either reading of "4k"; between 4000 and 4096 only one refuses.
MAX_LENGTH, SURE_LENGTH = 4096, 4000


def _length(parser: _Parser, text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise SyntaxProblem(
            parser.what,
            1,
            f"it is {len(text)} characters long; Mailgun allows at most 4k (4096); split it over several routes",
        )
    if len(text) > SURE_LENGTH:
        parser.warnings.append(
            f"{parser.what} at column 1: it is {len(text)} characters long; Mailgun allows at most "
            '"4k", which may mean 4000: keep it shorter or split it over several routes'
        )


def check_expression(text: str) -> str:
    _expression(text)
    return text


def expression_warnings(text: str) -> list[str]:
    """What is unusual in a valid expression and may not do what its author expects (empty if none)."""
    return list(_expression(text).warnings)


@functools.lru_cache(maxsize=4096)
def _expression(text: str) -> _Parser:
    """The parse of a valid expression (``ParseError`` else), kept for the same text: a route's is
    checked, then asked for its warnings."""
    parser = _Parser(text, "expression", "filter")
    _length(parser, text)
    _sequence(parser)
    parser.take("end", '"and", "or" or the end of the expression')
    return parser


def _sequence(parser: _Parser) -> None:
    """Terms joined by ``and``/``or``; mixing both without parentheses gets a warning."""
    _term(parser)
    joins: list[Token] = []
    while parser.peek.kind == "name" and parser.peek.text.lower() in ("and", "or"):
        joins.append(parser.peek)
        parser.at += 1
        _term(parser)
    mixed = [join for join in joins if join.text.lower() != joins[0].text.lower()]
    if mixed:
        parser.warn(
            mixed[0],
            f'"{joins[0].text}" and "{mixed[0].text}" are mixed without parentheses; '
            "Mailgun's docs do not say which binds tighter, so add parentheses to say which you mean",
        )


def _term(parser: _Parser) -> None:
    if parser.peek.kind == "name" and parser.peek.text.lower() == "not":
        parser.warn(
            parser.peek,
            f'"{parser.peek.text}" is not in Mailgun\'s documented filter language (filters joined by '
            '"and" and "or"); Mailgun may refuse the route or not read it as you mean',
        )
        parser.at += 1
        _term(parser)
    elif parser.peek.kind == "(":
        parser.at += 1
        _sequence(parser)
        parser.take(")", '"and", "or" or ")"')
    else:
        _filter(parser)


def _filter(parser: _Parser) -> None:
    name, args = parser.call(FILTERS)
    arity = FILTERS[name.text]
    plural = "argument" if arity == 1 else "arguments"
    if any(key for key, _ in args):
        raise parser.fail(f"{name.text}() takes {arity} quoted {plural}, without names", name)
    if len(args) != arity:
        raise parser.fail(f"{name.text}() takes {arity} quoted {plural}, got {len(args)}", name)
    if name.text == "match_header" and not _HEADER_NAME.fullmatch(args[0][1].text):
        parser.warn(
            args[0][1],
            f'"{args[0][1].text}" is not a header name; Mailgun accepts it, but no message header can match it',
        )
    for _, token in args[-1:] if arity else ():
        _regex(parser, token)


def _regex(parser: _Parser, token: Token) -> None:
    try:
        re.compile(token.text)
    except re.error as err:
        parser.warn(
            token,
            f'"{token.text}" is not a valid Python regular expression ({err}); Mailgun accepts it, '
            "but its route engine may never match it",
        )


def check_action(text: str) -> str:
    _action(text)
    return text


def action_warnings(text: str) -> list[str]:
    """What is unusual in a valid action and may not do what its author expects (empty if none)."""
    return list(_action(text).warnings)


@functools.lru_cache(maxsize=4096)
def _action(text: str) -> _Parser:
    """The parse of a valid action, kept as ``_expression``'s is."""
    parser = _Parser(text, "action", "action")
    _length(parser, text)
    name, args = parser.call(ACTIONS)
    parser.take("end", "the end of the action (one action per list item)")
    match name.text:
        case "forward":
            _forward(parser, name, args)
        case "store":
            if [key for key, _ in args] not in ([], ["notify"]):
                raise parser.fail('store() takes no argument or notify="URL"', name)
            if args and not is_url(args[0][1].text):
                parser.warn(
                    args[0][1],
                    f'notify "{args[0][1].text}" is not an http(s) URL; Mailgun accepts it, '
                    "but cannot notify it when a message is stored",
                )
        case "stop":
            if args:
                raise parser.fail("stop() takes no argument", name)
    return parser


def forward_destinations(text: str) -> list[str]:
    """The destinations of one ``forward()`` argument: a comma-separated list, each stripped."""
    return [part.strip() for part in text.split(",")]


def _forward(parser: _Parser, name: Token, args: list[tuple[str, Token]]) -> None:
    if len(args) != 1 or args[0][0]:
        raise parser.fail("forward() takes one quoted destination", name)
    token = args[0][1]
    for dest in forward_destinations(token.text):
        if not _is_destination(_CAPTURE.sub("x", dest)):  # captured groups are filled in by Mailgun
            parser.warn(
                token,
                f'forward destination "{dest}" is neither an email address nor an http(s) URL; '
                "Mailgun accepts it, but forwards only to addresses and URLs (a pattern is not "
                "expanded), so mail may not arrive where you expect",
            )


def _is_destination(text: str) -> bool:
    return is_email(text) or is_url(text)
