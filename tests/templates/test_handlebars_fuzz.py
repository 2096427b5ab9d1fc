"""Any text at all: ``check`` answers (an error with an offset inside the text, or none) and
``render`` renders or raises ``TemplateSyntaxError``: never another exception, which would reach
the user as an internal error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.handlebars import TemplateSyntaxError, check, render

PIECES = [
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{{{",
    "}}}}",
    "{{#",
    "{{/",
    "{{^",
    "{{>",
    "{{!",
    "{{!--",
    "--}}",
    "{{~",
    "~}}",
    "else",
    "if",
    "each",
    "with",
    "unless",
    "equal",
    "lookup",
    "as |",
    "|",
    "(",
    ")",
    "=",
    '"',
    "'",
    "[",
    "]",
    "..",
    "../",
    ".",
    "/",
    "@index",
    "@root",
    "this",
    " ",
    "\n",
    "x",
    "y.z",
    "1",
    "-2.5",
    "true",
    "\\",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=40)
DATA = st.fixed_dictionaries(
    {},
    optional={
        "x": st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=3)
        | st.lists(st.integers(), max_size=3)
        | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
        "y": st.dictionaries(st.just("z"), st.integers() | st.floats(allow_nan=True)),
    },
)


@settings(max_examples=400, deadline=None)
@given(TEXTS, DATA)
def test_never_anything_but_a_syntax_error(text: str, data: dict) -> None:
    checked = check(text)
    if checked.error is not None:
        assert 0 <= checked.error.offset <= len(text)
    assert all(0 <= offset <= len(text) for offset, _ in checked.warnings)
    try:
        render(text, data)
    except TemplateSyntaxError as err:
        assert checked.error is not None and err.offset == checked.error.offset
    else:
        assert checked.error is None
