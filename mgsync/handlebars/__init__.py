"""Handlebars, parsed and rendered in Python as Mailgun's stored templates are, following
mailgun/raymond, the Go port Mailgun renders with (``mailgun``): positions for every syntax error,
raymond's helpers, escaping, value printing and lookups. Written here because no package fits (the
comparison is in the commit that added it): pybars3 is LGPL-3.0, unreleased since 2019, silent on an
unclosed block and without ``{{else if}}``; dotpromptz-handlebars gives no positions; the js2py
transpilation of handlebars.js rides on an interpreter that does not run on Python 3.13.

``nodes`` (the tree, offsets), ``lexer`` (tags, ``~`` and standalone lines), ``expressions`` (inside a
tag), ``parser`` (blocks), ``govalues`` (Go's values: printing, truth, numbers), ``runtime``
(rendering), ``helpers`` (raymond's helpers), ``mailgun`` (why raymond; warnings), ``plaintext`` (a
text view of rendered HTML). This package knows no manifest, kind or CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mgsync.handlebars.govalues import go_data
from mgsync.handlebars.helpers import ARITY, FEWER, HELPERS
from mgsync.handlebars.mailgun import warnings
from mgsync.handlebars.nodes import TemplateSyntaxError, position
from mgsync.handlebars.parser import parse
from mgsync.handlebars.runtime import Renderer, Scope

__all__ = ["Checked", "Rendered", "TemplateSyntaxError", "check", "position", "render"]


@dataclass(frozen=True)
class Checked:
    """What validation says of one template text: its syntax error, or what Mailgun won't render."""

    error: TemplateSyntaxError | None = None
    warnings: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Rendered:
    html: str
    missing: tuple[tuple[int, str], ...] = ()  # (offset, variable as written) the data lacks
    notes: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # what fails at send time


# Blocks or subexpressions nested some hundreds deep exhaust Python's recursion, not Handlebars' rules:
# such a text is Mailgun's to judge, so a check says so as a warning, never as an error
TOO_DEEP = "nested too deeply for mgsync to {}"


def check(text: str) -> Checked:
    try:
        nodes = parse(text)
        found = tuple(sorted(set(warnings(nodes))))
    except TemplateSyntaxError as err:
        return Checked(error=err)
    except RecursionError:
        return Checked(warnings=((0, TOO_DEEP.format("check") + ": it goes to Mailgun as written"),))
    return Checked(warnings=found)


def render(text: str, data: Mapping[str, Any]) -> Rendered:
    """``text`` rendered with ``data`` as Mailgun would (``data`` read as Go reads the same JSON:
    ``govalues.go_data``); raises ``TemplateSyntaxError``."""
    renderer = Renderer(HELPERS, ARITY, FEWER)
    try:
        html = renderer.render(parse(text), Scope((go_data(data),), ({},)))
    except RecursionError:
        raise TemplateSyntaxError(TOO_DEEP.format("render"), 0) from None
    missing = sorted((offset, name) for name, offset in renderer.missing.items())
    return Rendered(html, tuple(missing), tuple(sorted(renderer.notes)))
