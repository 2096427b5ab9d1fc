"""The helpers mailgun/raymond registers (helper.go ``init``), as it runs them. ``ARITY``: how many
arguments each takes; raymond fails the render on any other count (eval.go ``callFunc``: "Helper '%s'
called with wrong number of arguments"; one more than that fails too, on the type of the extra one).
``length`` is no helper there but a path step (``items.length``, ``runtime.field_of``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import re2

from mgsync.handlebars.govalues import MISSING, float_value, is_true, to_text
from mgsync.handlebars.runtime import Helper, Options, field_of, iteration

BLOCK_HELPERS = ("if", "unless", "each", "with", "equal", "ifGt", "ifLt", "ifEq", "ifMatchesRegexStr")
ARITY = {**dict.fromkeys(BLOCK_HELPERS, 2), "if": 1, "unless": 1, "each": 1, "with": 1, "lookup": 2, "log": 1}
ARITY["pluralize"] = 3
# Helpers raymond also runs with one argument fewer: its options object takes the last parameter's
# place (eval.go ``callFunc``: ``numIn == len(params)+1`` with an ``interface{}`` last parameter)
FEWER = {"pluralize": 2}
NO_SINGULAR = (
    "pluralize without the singular: for a count of 1 or less Mailgun prints Go's text of the helper's "
    "options object in its place; give the singular too"
)


def _include_zero(args: list[Any], options: Options) -> bool:
    """helper.go ``isIncludableZero``: only a Go int 0 counts, a literal ``0`` or an ``x.length`` or
    ``@index``; a number from the data is a float64, so ``includeZero`` does nothing for it."""
    value = args[0]
    return options.hash.get("includeZero") is True and type(value) is int and value == 0


def _if(args: list[Any], options: Options) -> str:
    return options.fn() if _include_zero(args, options) or is_true(args[0]) else options.inverse()


def _unless(args: list[Any], options: Options) -> str:
    return options.inverse() if _include_zero(args, options) or is_true(args[0]) else options.fn()


def _with(args: list[Any], options: Options) -> str:
    return options.fn(args[0]) if is_true(args[0]) else options.inverse()


def _each(args: list[Any], options: Options) -> str:
    """helper.go ``eachHelper``: a list in order; a mapping in Go's random map order (shown here in
    the test data's order, with a note); anything else truthy renders nothing."""
    value = args[0]
    if not is_true(value):
        return options.inverse()
    if isinstance(value, list):
        return "".join(options.fn(item, iteration(i, len(value)), i) for i, item in enumerate(value))
    if isinstance(value, dict):
        options.note(
            options.start,
            "each over a mapping: Mailgun visits its keys in random order (Go maps; shown here in the data's order)",
        )
        keys = list(value)
        return "".join(options.fn(value[k], iteration(i, len(keys), k), k) for i, k in enumerate(keys))
    return ""


def _equal(args: list[Any], options: Options) -> str:
    """helper.go ``equalHelper``: the two printed alike; no else branch."""
    return options.fn() if to_text(args[0]) == to_text(args[1]) else ""


def _compare(test: Callable[[float, float], bool]) -> Helper:
    def helper(args: list[Any], options: Options) -> str:
        a, b = float_value(args[0]), float_value(args[1])
        return options.fn() if a is not None and b is not None and test(a, b) else options.inverse()

    return helper


def _matches(args: list[Any], options: Options) -> str:
    """helper.go ``ifMatchesRegexStr``: Go's ``regexp`` (RE2) searched in the text; a pattern it
    refuses renders the else branch."""
    pattern = go_regexp(to_text(args[0]))
    if pattern is None:
        return options.inverse()
    return options.fn() if pattern.search(to_text(args[1])) else options.inverse()


def _pluralize(args: list[Any], options: Options) -> Any:
    count = float_value(args[0])
    if count is not None and not count <= 1:  # helper.go:400 c <= 1 is singular: NaN is plural
        return args[1]
    if len(args) < 3:  # raymond prints its *Options here: %s of a Go struct, not worth emulating
        options.note(options.start, NO_SINGULAR)
        return ""
    return args[2]


def _lookup(args: list[Any], options: Options) -> str:
    """helper.go ``lookupHelper``: the field named by the second argument, printed (a string)."""
    name = to_text(args[1])
    found = field_of(args[0], name) if args[0] is not None and name else MISSING
    return to_text(found)


HELPERS: dict[str, Helper] = {
    "if": _if,
    "unless": _unless,
    "with": _with,
    "each": _each,
    "log": lambda args, options: "",
    "lookup": _lookup,
    "equal": _equal,
    "ifGt": _compare(lambda a, b: a > b),
    "ifLt": _compare(lambda a, b: a < b),
    "ifEq": _compare(lambda a, b: a == b),
    "ifMatchesRegexStr": _matches,
    "pluralize": _pluralize,
}

# --- Go's regexp: RE2 itself ----------------------------------------------------------------------

_RE2 = re2.Options()
_RE2.log_errors = False  # a pattern RE2 refuses is an answer here, never a C++ log line on stderr


@functools.lru_cache(maxsize=256)  # compiled once per pattern, not once per pass of a loop
def go_regexp(pattern: str) -> Any | None:
    """``pattern`` as Go's ``regexp`` compiles it: Go's syntax is RE2's, and this is RE2 (google-re2),
    so what it refuses (lookaround, backreferences, ``(?x)``, ``{1001}``) is refused alike, and a
    search takes linear time: a template in a pull request cannot hang a plan, as Python's ``re``
    did on ``(a+)+$`` (exponential backtracking). None where RE2 refuses the pattern."""
    try:
        return re2.compile(pattern, options=_RE2)
    except re2.error:
        return None
