"""The checker and renderer against mailgun/raymond run, not read: every expected value here is what
raymond e9dbaad, built and run (the templates probe's oracle), printed for the same template and
data. Go is not needed to run these tests: the answers are written into the tables."""

from __future__ import annotations

from typing import Any

import pytest

from mgsync.handlebars import check, render

# raymond e9dbaad, built and run: "Unexpected character in expression: '#'" (for "/": "Expecting ID,
# got: Sep"); lexer.go:66-74 wants the sigil right after {{ or {{~, and lets only else follow a space
SPACE_BEFORE_SIGIL = [
    ("{{ #each items }}x{{/each}}", 0, '"{{" and "#": write {{#each}} without a space after {{'),
    ("{{#if vip}}VIP{{ /if}}", 14, '"{{" and "/": write {{/if}} without a space after {{'),
    ("{{ ^x}}y{{/x}}", 0, '"{{" and "^": write {{^}} without a space after {{'),
    ("{{#x}}a{{ ^ }}b{{/x}}", 7, '"{{" and "^": write {{^}} without a space after {{'),
    ("{{ &x}}", 0, '"{{" and "&": write {{&x}} without a space after {{'),
    ("{{ > footer}}", 0, '"{{" and ">": write {{> footer}} without a space after {{'),
    ("{{~ #if a}}x{{/if}}", 0, '"{{~" and "#": write {{~#if}} without a space after {{~'),
    ("{{\t#if a}}x{{/if}}", 0, '"{{" and "#": write {{#if}} without a space after {{'),
    ("{{ ! note }}", 0, '"{{" and "!": write {{!…}} without a space after {{'),
]


@pytest.mark.parametrize(("template", "offset", "message"), SPACE_BEFORE_SIGIL)
def test_a_space_before_a_sigil_is_refused_with_what_to_write(template: str, offset: int, message: str) -> None:
    error = check(template).error
    assert error is not None
    assert (error.offset, error.message) == (offset, f"Mailgun cannot parse a space between {message}")


BRACES = '"{{{" is closed with "}}}}", which Mailgun cannot parse: for a "}" right after it, write'
TILDE = '"{{{" is closed with "~}}}", which Mailgun cannot parse: write "}~}}"'
# raymond e9dbaad, built and run: "Expecting CloseUnescaped, got: 'CloseRawBlock{"}}}}"}'" (lexer.go:61
# rCloseRaw is tried before rCloseUnescaped ^\}~?\}\}) and "… got: Close{"~}}"}"
TRIPLE_CLOSE = [
    (".btn{background:{{{brand_color}}}}", 16, BRACES),
    ("{{{x}}}}}", 0, BRACES),
    ("{{{x ~}}}", 0, TILDE),
    ("{{{x~}}}", 0, TILDE),
]


@pytest.mark.parametrize(("template", "offset", "message"), TRIPLE_CLOSE)
def test_a_triple_close_raymond_cannot_read_is_refused(template: str, offset: int, message: str) -> None:
    error = check(template).error
    assert error is not None
    assert (error.offset, error.message[: len(message)]) == (offset, message)


HELPER_X = 'helper "x" is not one of Mailgun\'s: it renders the variable "x", ignoring the arguments'
# raymond e9dbaad, built and run: its lexer skips spaces between a path's names and separators, and
# reads "." before a space or "}}" (rDotID) and ".." as names of their own: these render, with a warning
ODD_PATHS = [
    ("{{a / b}}", {"a": {"b": "B"}}, "B", 'Mailgun reads "a / b" as the one name a/b: write a/b'),
    ("{{user .name}}", {"user": {"name": "N"}, "name": "T"}, "N", 'reads "user .name" as the one name user.name'),
    ("{{if .X}}y{{end}}", {"X": True}, "y", "if.X: this looks like Go template syntax: set engine: go"),
    ("{{x.}}", {"x": "X"}, "X", HELPER_X),
    ("{{x this/..}}", {"x": "X"}, "X", HELPER_X),
    ("{{a..b}}", {"a": {"b": "B"}}, "map[b:B]", 'helper "a" is not one of Mailgun\'s'),
]


@pytest.mark.parametrize(("template", "data", "expected", "warning"), ODD_PATHS)
def test_odd_path_spellings_render_as_raymond_with_a_warning(
    template: str, data: dict[str, Any], expected: str, warning: str
) -> None:
    checked = check(template)
    assert checked.error is None
    assert any(warning in text for _, text in checked.warnings), checked.warnings
    assert render(template, data).html == expected


def test_go_template_syntax_is_refused_naming_the_engine() -> None:
    """raymond e9dbaad, built and run: "Expecting ID, got: 'Sep{"."}'" for {{.title}}."""
    error = check("<h1>{{ .title }}</h1>").error
    assert error is not None
    assert (error.offset, error.message) == (
        7,
        '".title": this is Go template syntax: set engine: go (or write title for Handlebars)',
    )


RENDERED = [
    # raymond e9dbaad, built and run: spaces inside a tag are fine, and before else (rOpenInverseChain)
    ("{{ x }}", {"x": 1}, "1"),
    ("{{{ x }}}", {"x": "<b>"}, "<b>"),
    ("{{#if a}}x{{ else }}y{{/if}}", {}, "y"),
    ("{{#if a}}x{{~ else ~}}y{{/if}}", {}, "y"),
    ("{{#if a}}x{{ else if b }}y{{/if}}", {"b": 1}, "y"),
    # raymond e9dbaad, built and run: the two ways around "}}}}" that the refusal below suggests
    (".btn{background:{{{c}}}{{!}}}", {"c": "#f00"}, ".btn{background:#f00}"),
    (".btn{background:{{{c}}} }", {"c": "#f00"}, ".btn{background:#f00 }"),
    ("{{{x}~}}}} y", {"x": "X"}, "X}} y"),  # }~}} closes, the rest is text
    ("{{~{x}~}} y", {"x": "X"}, "Xy"),
    # raymond e9dbaad, built and run: a standalone tag takes its own line's indentation, never the
    # trailing spaces of the line before (whitespace.go:21 [ \t]+$ anchors at the end of the text)
    ("{{#if a}}\nTotal: \n{{/if}}", {"a": True}, "Total: \n"),
    ("a \n{{! c }}\nb", {}, "a \nb"),
    # raymond e9dbaad, built and run: ".", "this" and ".." may follow one another until a name is read
    ("{{#with a}}{{this/../t}}|{{./../t}}{{/with}}", {"a": {"t": "A"}, "t": "T"}, "T|T"),
    ("{{a.b.}}", {"a": {"b": "B"}}, "B"),
    # raymond e9dbaad, built and run: Go's strconv reads ASCII digits only (an Arabic-Indic or a
    # full-width digit is no number), and pluralize is singular only for c <= 1 (helper.go:400)
    ("{{#ifGt s 0}}gt{{else}}le{{/ifGt}}|{{#ifEq t 1}}eq{{else}}ne{{/ifEq}}", {"s": "\u0661", "t": "\uff11"}, "le|ne"),
    ("{{#ifEq s 12}}eq{{else}}ne{{/ifEq}}", {"s": "1\u0662"}, "ne"),
    ('{{pluralize n "items" "item"}}', {"n": "NaN"}, "items"),
    ('{{pluralize n "items" "item"}}', {"n": "nan"}, "items"),
    ('{{pluralize n "items" "item"}}', {"n": "-Inf"}, "item"),
]


def test_a_number_with_a_digit_go_cannot_read_is_refused() -> None:
    """raymond e9dbaad, built and run: 'bad number syntax: "1\u0661"'."""
    error = check("{{#ifGt 1\u0661 0}}gt{{/ifGt}}").error
    assert error is not None and error.message.startswith('"1\u0661…" is not a number')


@pytest.mark.parametrize(("template", "data", "expected"), RENDERED)
def test_renders_as_raymond_run(template: str, data: dict[str, Any], expected: str) -> None:
    assert check(template).error is None
    assert render(template, data).html == expected
