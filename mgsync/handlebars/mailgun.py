"""Handlebars as Mailgun runs it: its helpers, what it refuses, what it accepts but won't render.

Mailgun's helpers, from its page "Handlebars Template Engine"
(https://documentation.mailgun.com/docs/mailgun/user-manual/templates/handlebars): "Mailgun supports
the following Handlebars block helpers: ``if``, ``unless``, ``each``, ``with``, and ``equal``"; the
page shows ``{{else if}}`` chains and ``{{this.service}}`` inside ``{{#each}}``. ``lookup`` and
``log`` are built into every Handlebars (handlebars.js and the Go port Mailgun's ``equal`` comes from)
and are kept; any other helper name is a warning naming it: Mailgun accepts the template, and the
send fails. ``equal`` compares its two arguments as text (the Go port's ``equal``: ``Str(a) ==
Str(b)``), so ``{{#equal count "3"}}`` holds for the number 3.

What Mailgun refuses: a template that Handlebars cannot parse is refused here, before anything is
sent. That Mailgun itself answers such an upload with a 400 is UNCONFIRMED: no SDK recording
uploads a broken template (mailgun-ruby's ``vcr_cassettes/templates.yml``, mailgun-go's mock, the
OpenAPI spec are silent); but a template that does not parse can never render, so every message
sent with it would fail. Partials (``{{> name}}``) parse, but Mailgun stores no partials: a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mgsync.handlebars.nodes import Block, Call, Expr, Mustache, Node, Partial, Path, SubExpression
from mgsync.handlebars.runtime import Helper, Options, is_empty, item_data, member, to_text

RAW, END = "{{{{", "}}}}"
DOCUMENTED = ("if", "unless", "each", "with", "equal")  # Mailgun's page, quoted above
BUILT_IN = ("lookup", "log")  # in every Handlebars


def _if(args: list[Any], options: Options) -> str:
    value = args[0] if args else None
    zero_counts = bool(options.hash.get("includeZero")) and value == 0 and not isinstance(value, bool)
    return (
        options.fn(options.scope)
        if zero_counts or not (is_empty(value) or value == 0)
        else options.inverse(options.scope)
    )


def _unless(args: list[Any], options: Options) -> str:
    swapped = Options(options.hash, options.block_params, options.scope, options.inverse, options.fn)
    return _if(args, swapped)


def _with(args: list[Any], options: Options) -> str:
    value = args[0] if args else None
    if is_empty(value):
        return options.inverse(options.scope)
    params = dict(zip(options.block_params, [value]))
    return options.fn(options.scope.inner(value, params=params))


def _each(args: list[Any], options: Options) -> str:
    value = args[0] if args else None
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = list(enumerate(value))
    else:
        pairs = []
    if not pairs:
        return options.inverse(options.scope)
    out = []
    for index, (key, item) in enumerate(pairs):
        params = dict(zip(options.block_params, [item, key]))
        out.append(options.fn(options.scope.inner(item, item_data(index, len(pairs), key), params)))
    return "".join(out)


def _equal(args: list[Any], options: Options) -> str:
    same = len(args) == 2 and to_text(args[0]) == to_text(args[1])
    return options.fn(options.scope) if same else options.inverse(options.scope)


def _lookup(args: list[Any], options: Options) -> Any:
    return member(args[0], to_text(args[1])) if len(args) == 2 else None


def _log(args: list[Any], options: Options) -> str:
    return ""


HELPERS: dict[str, Helper] = {
    "if": _if,
    "unless": _unless,
    "each": _each,
    "with": _with,
    "equal": _equal,
    "lookup": _lookup,
    "log": _log,
}


def warnings(nodes: list[Node]) -> Iterator[tuple[int, str]]:
    """(offset, message) of what Mailgun accepts but will not render as written."""
    for node in nodes:
        match node:
            case Partial():
                yield node.start, f'partial "{{{{> {node.name}}}}}": Mailgun stores no partials, so the send fails'
            case Mustache():
                yield from _calls(node.call)
            case Block():
                if node.decorator:
                    yield node.start, "decorator blocks ({{#*inline}}) are not documented by Mailgun"
                elif node.raw and isinstance(node.call.head, Path) and node.call.head.original not in HELPERS:
                    name = node.call.head.original
                    yield (
                        node.start,
                        (
                            f'raw block "{RAW}{name}{END}": Mailgun has no helper for raw blocks, '
                            f'so its text shows only when the data has a true "{name}"'
                        ),
                    )
                else:
                    yield from _calls(node.call)
                yield from warnings(node.program)
                yield from warnings(node.inverse or [])


def _calls(call: Call, *, sub: bool = False) -> Iterator[tuple[int, str]]:
    """An unknown helper: a name written with arguments, or in a sub-expression (always a helper call);
    ``{{#name}}`` alone is a section over a variable, no helper needed."""
    head = call.head
    if isinstance(head, Path) and head.parts == (head.original,) and (call.is_helper_call or sub):
        name = head.original
        if name not in HELPERS:
            yield head.start, f'helper "{name}" is not one of Mailgun\'s ({", ".join(DOCUMENTED)}); the send fails'
    for expr in (*call.params, *(value for _, value in call.hash)):
        yield from _sub(expr)


def _sub(expr: Expr) -> Iterator[tuple[int, str]]:
    if isinstance(expr, SubExpression):
        yield from _calls(expr.call, sub=True)
