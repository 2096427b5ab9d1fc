import hashlib
import sys
import unicodedata

import pytest

from mgsync.changes import SENSITIVE, SENSITIVE_CHANGED
from mgsync.render import values

BODY = "<p>Hello</p>\n" * 40  # 520 chars, multi-line: a template body
LONG = "a" * 100


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (0, "0"),
        (True, "true"),
        (None, "null"),
        ("0", '"0"'),
        ("", '""'),
        ("tag", '"tag"'),
        ('match_recipient("a@example.com")', '"match_recipient(\\"a@example.com\\")"'),
        (["a", "b"], '["a", "b"]'),
        ({"Subject": "Hi"}, '{"Subject": "Hi"}'),
        ([], "[]"),
        (SENSITIVE, "(sensitive value)"),
        ("short\ntext", '"short\\ntext"'),
        ("x" * 100, '"' + "x" * 100 + '"'),  # never cut: long values wrap where they are laid out
        ("zwölf ünïcode", '"zwölf ünïcode"'),
        ("evil\x1b[2Jtext\u202e", '"evil\\u001b[2Jtext\\u202e"'),
        ("c1\x9bcontrol", '"c1\\u009bcontrol"'),
    ],
)
def test_value(data, expected):
    assert values.value(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("x" * 100, '"' + "x" * 59 + "… (100 chars)"),
        (BODY, f"(520 chars, sha256 {sha(BODY)}…)"),
        ("tag", '"tag"'),
    ],
)
def test_brief_cuts_for_one_line_summaries(data, expected):
    assert values.brief(data) == expected


def test_digest_is_size_and_hash_prefix():
    assert values.digest("abc") == "(3 chars, sha256 ba7816bf…)"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("disabled", "tag", '"disabled" -> "tag"'),
        (0, 5, "0 -> 5"),
        (None, ["https://a"], 'null -> ["https://a"]'),
        (SENSITIVE, SENSITIVE_CHANGED, "(sensitive value changed)"),
        # Both would be cut to the same prefix: the digests show that they differ.
        (LONG + "1", LONG + "2", f"(101 chars, sha256 {sha(LONG + '1')}…) -> (101 chars, sha256 {sha(LONG + '2')}…)"),
    ],
)
def test_change(before, after, expected):
    assert values.change(before, after) == expected


def test_body_rows_flatten_nested_align_and_skip_null():
    body = {"open": {"active": True}, "unsubscribe": {"html_footer": "x", "text_footer": None}, "empty": {}}
    assert values.rows_text(values.body_rows(body)) == [
        "open.active:             true",
        'unsubscribe.html_footer: "x"',
        "empty:                   {}",
    ]


def test_every_format_character_this_python_knows_is_escaped():
    # Category Cf (bidi controls, zero-width characters, BOM, tags ...) and the line/paragraph separators
    # show nothing, or move text about; wire.UNSAFE lists them as of Unicode 15.1, this checks it is whole.
    hidden = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")]
    assert [c for c in hidden if values.clean(f"a{c}b") == f"a{c}b"] == []
    assert values.clean("a\u200bb\U000e0041") == "a\\u200bb\\U000e0041"
    assert values.clean("zwölf ünïcode 日本") == "zwölf ünïcode 日本"
