"""The renderer against handlebars.js, where mailgun/raymond (what Mailgun runs) agrees: each row's
expected output is what handlebars.js 4.7.8 itself rendered for that template and data (run once
through its js2py transpilation, the ``handlebars`` package on PyPI, when this table was written);
truthiness, escaping, value printing, ``../`` depths, @data, block parameters, whitespace control and
standalone lines. Rows where raymond renders otherwise moved to ``test_raymond.py``, with its source."""

from __future__ import annotations

from typing import Any

import pytest

from mgsync.handlebars import render

HANDLEBARS_JS = [
    ("a {{~{x}~}} b", {"x": "<i>"}, "a<i>b"),
    ("a {{~{x}}} b", {"x": "<i>"}, "a<i> b"),
    ("a {{{x}~}} b", {"x": "<i>"}, "a <i>b"),
    ("{{#if a}} x {{~else~}} y {{/if}}", {"a": False}, "y "),
    ("{{#if a}}x{{~^~}} y{{/if}}", {}, "y"),
    ("{{#each xs}}{{@index}}{{/each}}", {"xs": {"a": 1}}, "0"),
    ("{{foo-bar}} {{foo_bar}} {{foo$}}", {"foo-bar": 1, "foo_bar": 2, "foo$": 3}, "1 2 3"),
    ("{{a.b-c}}", {"a": {"b-c": 4}}, "4"),
    ("{{#if a}}\n  {{#if b}}\n    x\n  {{/if}}\n{{/if}}\n", {"a": 1, "b": 1}, "    x\n"),
    ("<p>\n  {{! note }}\n</p>", {}, "<p>\n</p>"),
    ("{{x.y.z}}", {"x": None}, ""),
    ("{{#with x}}{{y}}{{/with}}", {"x": {"y": 0}}, "0"),
    ("{{#each xs}}{{#unless @last}}{{this}},{{/unless}}{{/each}}", {"xs": [1, 2, 3]}, "1,2,"),
    ("{{ x }}{{~ y ~}}{{ z}}", {"x": 1, "y": 2, "z": 3}, "123"),
    ("{{x}}", {"x": "aé\u2028b"}, "aé\u2028b"),
    ("{{#if x}}yes{{/if}}", {"x": " "}, "yes"),
    ("{{x}}", {"x": 0.1}, "0.1"),
    ("{{x}}", {"x": 123456789012345678}, "123456789012345680"),
    ("{{{x}}}|{{&x}}", {"x": "<b>"}, "<b>|<b>"),
    ("{{a.b.c}}", {"a": {"b": {"c": 1}}}, "1"),
    ("{{a/b}}", {"a": {"b": 2}}, "2"),
    ("{{#if a}}y{{else}}n{{/if}}", {"a": 0}, "n"),
    ("{{#if a}}y{{else}}n{{/if}}", {"a": []}, "n"),
    ("{{#if a}}y{{else}}n{{/if}}", {"a": "0"}, "y"),
    ("{{#unless a}}y{{else}}n{{/unless}}", {"a": False}, "y"),
    ("{{#if a}}A{{else if b}}B{{else if c}}C{{else}}D{{/if}}", {"c": 1}, "C"),
    (
        "{{#each xs}}{{@index}}:{{this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}},{{/each}}",
        {"xs": ["a", "b", "c"]},
        "0:aF,1:b,2:cL,",
    ),
    ("{{#each o}}{{@key}}={{.}} {{/each}}", {"o": {"k": 1, "j": True}}, "k=1 j=true "),
    ("{{#each xs}}x{{else}}empty{{/each}}", {"xs": []}, "empty"),
    ("{{#each xs as |v i|}}{{i}}{{v}}{{/each}}", {"xs": ["p", "q"]}, "0p1q"),
    ("{{#each xs}}{{../t}}{{name}}{{/each}}", {"xs": [{"name": "n"}], "t": "T"}, "Tn"),
    ("{{#with p}}{{name}} {{../t}}{{/with}}", {"p": {"name": "N"}, "t": "T"}, "N T"),
    ("{{#with p}}x{{else}}none{{/with}}", {}, "none"),
    ("{{#with p as |q|}}{{q.name}}{{/with}}", {"p": {"name": "N"}}, "N"),
    ("{{#if a}}{{../t}}{{/if}}", {"a": 1, "t": "T"}, ""),
    ("{{#each xs}}{{#if ../flag}}{{this}}{{/if}}{{/each}}", {"xs": [1, 2], "flag": True}, "12"),
    ("{{#xs}}[{{.}}]{{/xs}}", {"xs": [1, 2]}, "[1][2]"),
    ("{{#p}}{{name}}{{/p}}", {"p": {"name": "N"}}, "N"),
    ("{{^p}}none{{/p}}", {}, "none"),
    ("{{#p}}yes{{^}}no{{/p}}", {"p": False}, "no"),
    ("a {{~x~}} b", {"x": "X"}, "aXb"),
    ("a\n  {{~#if x}}\n  b\n  {{~/if~}}\n c", {"x": 1}, "a  bc"),
    (
        "<ul>\n  {{#each xs}}\n  <li>{{.}}</li>\n  {{/each}}\n</ul>\n",
        {"xs": [1, 2]},
        "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n",
    ),
    ("line\n{{! comment }}\nnext\n", {}, "line\nnext\n"),
    ("line\n  {{!-- long }} comment --}}\nnext", {}, "line\nnext"),
    ("{{#if a}}\nA\n{{else}}\nB\n{{/if}}\n", {}, "B\n"),
    ("  {{#if a}}x{{/if}}  \n", {"a": 1}, "  x  \n"),
    ("\\{{x}} {{x}}", {"x": 1}, "{{x}} 1"),
    ("{{{{raw}}}}{{x}}{{{{/raw}}}}", {"x": 1}, ""),
    ("{{lookup o k}}", {"o": {"a": "A"}, "k": "a"}, "A"),
    ("{{lookup xs 1}}", {"xs": ["a", "b"]}, "b"),
    ("{{xs.length}} {{xs.[1]}}", {"xs": ["a", "b"]}, "2 b"),
    ("{{[weird key]}}", {"weird key": "W"}, "W"),
    ("{{this.name}} {{./name}}", {"name": "N"}, "N N"),
    ("{{@root.t}}{{#each xs}}{{@root.t}}{{/each}}", {"t": "T", "xs": [1]}, "TT"),
    ("{{#each xs}}{{#each this}}{{@../index}}{{/each}}{{/each}}", {"xs": [[1], [2]]}, "01"),
    ("{{#if (lookup o 'a')}}y{{/if}}", {"o": {"a": 1}}, "y"),
    ("{{x}}", {"x": 2.0}, "2"),
    ("{{x}}", {"x": -0.5}, "-0.5"),
    ("%recipient.name% {{name}} %unsubscribe_url%", {"name": "N"}, "%recipient.name% N %unsubscribe_url%"),
    ("{{#each xs}}\n{{.}}\n{{/each}}", {"xs": ["a"]}, "a\n"),
    ("{{#if a}}\r\nA\r\n{{/if}}\r\n", {"a": 1}, "A\r\n"),
    ("{{ spaced.name }}", {"spaced": {"name": "S"}}, "S"),
    ("{{#if a}}{{#if b}}AB{{else}}A{{/if}}{{/if}}", {"a": 1}, "A"),
    ("{{#unless a}}{{else}}has{{/unless}}", {"a": 1}, "has"),
    ("{{#each o as |v k|}}{{k}}:{{v}};{{/each}}", {"o": {"x": 1, "y": 2}}, "x:1;y:2;"),
    ("{{log 'x'}}ok", {}, "ok"),
    ("{{'str'}}", {"str": "S"}, "S"),
    ("{{true}} {{5}}", {}, " "),
]


@pytest.mark.parametrize(("template", "data", "expected"), HANDLEBARS_JS)
def test_renders_as_handlebars_js(template: str, data: dict[str, Any], expected: str) -> None:
    assert render(template, data).html == expected


# Odd but valid: handlebars.js 4.7.8 parses every one, and so does raymond (its lexer and parser read
# for each), so validate must not refuse any. What raymond refuses is in test_raymond.py.
PARSED_BY_HANDLEBARS_JS = [
    "{{> (lookup . 'p') }}",
    "{{> p}}",
    "{{> p x=1}}",
    "{{#each xs as |a b|}}{{a}}{{b}}{{/each}}",
    "{{foo.[bar baz]}}",
    "{{#each xs}}{{#each this}}{{@../index}}{{/each}}{{/each}}",
    "{{{{raw}}}}{{x}}{{{{/raw}}}}",
    "{{!-- }} --}}",
    "{{! short }}",
    "{{#if a}}x{{^}}y{{/if}}",
    "\\{{x}}",
    "{{x a=(b c d=e)}}",
    "{{x \"a\" 'b' 1 -1 1.5 true false null undefined}}",
    "{{~x~}}",
    "{{~{x}~}}",
    "{{&x}}",
    "{{#if a}}{{else if b}}{{else if c}}{{else}}{{/if}}",
    "{{#unless a}}{{else}}{{/unless}}",
    "{{../x}}",
    "{{../../x}}",
    "{{./x}}",
    "{{this/x}}",
    "{{@root.x}}",
    "{{x.[0]}}",
    "{{[x y]}}",
    "{{x}} }} {{y}}",
    "{ {x} }",
    "{{#each (x) as |y|}}{{y}}{{/each}}",
    "{{x\n  y\n  z=1}}",
    "{{#with a as |b|}}{{b}}{{/with}}",
    "<style>a{color:red}</style>{{x}}",
    "{{x}}{{{y}}}",
    "{{lookup . 'a b'}}",
    "{{#if a}}{{/if}}{{#if b}}{{/if}}",
    '{{"quoted name"}}',
    "{{x key='va}}lue'}}",
    '{{#equal a "b"}}y{{/equal}}',
]
