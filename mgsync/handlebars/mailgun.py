"""Handlebars as Mailgun runs it: mailgun/raymond, a Go port of Handlebars (``helpers``, ``govalues``,
``runtime`` follow its code); here, what it refuses and what it accepts but won't render as written.

Why raymond: Mailgun's page "Handlebars Template Engine"
(https://documentation.mailgun.com/docs/mailgun/user-manual/templates/handlebars) lists the block
helpers ``if``, ``unless``, ``each``, ``with`` and ``equal``, and ``equal`` is raymond's
(aymerick/raymond#7); mailgun/raymond adds ``ifGt ifLt ifEq ifMatchesRegexStr pluralize length``
under Mailgun's Jira keys (PIP-1383, PIP-1384); recipients see ``&APOS;`` (mailgun/mailgun.js#321),
raymond's ``&apos;``. Which commit of mailgun/raymond Mailgun runs, and whether it registers more
helpers of its own, is UNCONFIRMED: this follows e9dbaad (2022).

A name written as a helper that raymond lacks is no error there (raymond has no ``helperMissing``:
README "Limitations"): the variable of that name renders, its arguments ignored. It is a warning.

What Mailgun refuses: a template that raymond cannot parse is refused here, before anything is sent.
That Mailgun itself answers such an upload with a 400 is UNCONFIRMED: no SDK recording uploads a
broken template (mailgun-ruby's ``vcr_cassettes/templates.yml``, mailgun-go's mock, the OpenAPI spec
are silent); but a template that does not parse can never render, so every message sent with it
would fail. Partials (``{{> name}}``) parse, but Mailgun stores no partials: a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from mgsync.handlebars.helpers import ARITY, BLOCK_HELPERS, FEWER, HELPERS, NO_SINGULAR, go_regexp
from mgsync.handlebars.nodes import Block, Call, Expr, Literal, Mustache, Node, Partial, Path, SubExpression
from mgsync.handlebars.runtime import helper_name, plural

RAW, END = "{{{{", "}}}}"


def warnings(nodes: list[Node]) -> Iterator[tuple[int, str]]:
    """(offset, message) of what Mailgun accepts but will not render as written."""
    for node in nodes:
        match node:
            case Partial():
                yield node.start, f'partial "{{{{> {node.name}}}}}": Mailgun stores no partials, so the send fails'
            case Mustache():
                yield from _calls(node.call)
            case Block():
                if node.raw and isinstance(node.call.head, Path) and node.call.head.original not in HELPERS:
                    name = node.call.head.original
                    yield (
                        node.start,
                        (
                            f'raw block "{RAW}{name}{END}": Mailgun has no helper for raw blocks, '
                            f'so its text shows only when the data has a true "{name}"'
                        ),
                    )
                else:
                    yield from _calls(node.call, block=True)
                if helper_name(node.call.head) == "equal" and node.inverse is not None:
                    yield node.start, "{{else}} in {{#equal}} never renders: Mailgun's equal has no else branch"
                yield from warnings(node.program)
                yield from warnings(node.inverse or [])


def _calls(call: Call, *, block: bool = False, sub: bool = False) -> Iterator[tuple[int, str]]:
    """A helper given the wrong number of arguments, a block helper written in a plain tag, a name
    written as a helper (with arguments, or in a sub-expression) that Mailgun lacks."""
    head, name = call.head, helper_name(call.head)
    if name in HELPERS:
        yield from _known(name, call, block=block)
    elif name == "length" and (call.is_helper_call or sub):
        yield head.start, "length is no helper in Mailgun: write items.length"
    elif name and (call.is_helper_call or sub):
        yield (
            head.start,
            f'helper "{name}" is not one of Mailgun\'s: it renders the variable "{name}", ignoring the arguments',
        )
    for expr in (head, *call.params, *(value for _, value in call.hash)):
        yield from _sub(expr)
        yield from _spaced(expr)


def _known(name: str, call: Call, *, block: bool) -> Iterator[tuple[int, str]]:
    wanted, given = ARITY[name], len(call.params)
    if given == FEWER.get(name):
        yield call.head.start, NO_SINGULAR
    elif given != wanted:
        yield call.head.start, f'helper "{name}" takes {plural(wanted, "argument")}, not {given}: the send fails'
    elif name in BLOCK_HELPERS and not block:
        yield (
            call.head.start,
            f'"{name}" is a block helper ({{{{#{name} …}}}}…{{{{/{name}}}}}): in a plain tag or "(…)" '
            "Mailgun renders the enclosing block's text in its place",
        )
    elif name == "ifMatchesRegexStr":
        pattern = call.params[0]
        if isinstance(pattern, Literal) and isinstance(pattern.value, str) and go_regexp(pattern.value) is None:
            yield (
                pattern.start,
                "Go's regexp (RE2) refuses this pattern (no lookaround or backreferences): it never matches",
            )


def _sub(expr: Expr) -> Iterator[tuple[int, str]]:
    if isinstance(expr, SubExpression):
        yield from _calls(expr.call, sub=True)


# Go template words: {{if .X}} under the handlebars engine reads as the path if.X, which renders nothing
GO_WORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "len", "index"})


def _spaced(expr: Expr) -> Iterator[tuple[int, str]]:
    """``{{user .name}}``, ``{{a / b}}``: raymond's lexer skips the spaces, so one path (``a/b``)."""
    if isinstance(expr, Path) and expr.spaced:
        joined, words = "".join(expr.original.split()), expr.original.split()
        hint = "this looks like Go template syntax: set engine: go" if words[0] in GO_WORDS else f"write {joined}"
        yield expr.start, f'Mailgun reads "{expr.original}" as the one name {joined}: {hint}'
