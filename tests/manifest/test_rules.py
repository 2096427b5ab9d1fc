"""Mailgun syntax rules: route expressions and actions are parsed, with the column of the problem; values
Mailgun accepts but may not act on are valid with a warning; emails, URLs and member addresses."""

from __future__ import annotations

import pytest

from mgsync.shapes import route_syntax, rules

GOOD_EXPRESSIONS = [
    'match_recipient("support@example.com")',
    "match_recipient('.*@example.com')",
    'match_recipient(".*@gmail.com") and match_header("subject", ".*support")',
    'match_recipient("a@x.com") OR match_recipient("b@x.com") Or catch_all()',
    'match_header("X-Mailgun-Sflag", "Yes")',
    'match_recipient("(?P<user>.*?)@example.com")',
    'match_recipient("quote\\"inside@example.com")',
    "catch_all()",
    "  catch_all( )  ",
    # grouping: posted to Mailgun by keephq/keep (keep/providers/mailgun_provider/mailgun_provider.py)
    '(match_recipient(".*@a.example") and match_header("from", ".*@b.example"))',
    "((catch_all()))",
    'match_recipient("a@x.com") or (match_recipient("b@x.com") and match_header("subject", "x"))',
]

BAD_EXPRESSIONS = [
    (
        "",
        "invalid expression at column 1: expected a filter (match_recipient, match_header or catch_all), found the end",
    ),
    ("catch_all", 'invalid expression at column 10: expected "(" after catch_all, found the end'),
    ("catch_all(", "invalid expression at column 11: expected a quoted string, found the end"),
    ('match_recipient("x"', 'invalid expression at column 20: expected "," or ")", found the end'),
    ('match_recipient("x)', "invalid expression at column 17: unterminated string"),
    ("match_recipient(x)", 'invalid expression at column 18: expected "=" after x, found ")"'),
    (
        'match_recipient("a") match_recipient("b")',
        'invalid expression at column 22: expected "and", "or" or the end of the expression, found "match_recipient"',
    ),
    (
        'match_recipient("a") and',
        "invalid expression at column 25: expected a filter (match_recipient, match_header or catch_all), found the end",
    ),
    ('match_recipient("a") | catch_all()', 'invalid expression at column 22: unexpected character "|"'),
    ('(match_recipient("a")', 'invalid expression at column 22: expected "and", "or" or ")", found the end'),
    (
        'match_recipient("a"))',
        'invalid expression at column 21: expected "and", "or" or the end of the expression, found ")"',
    ),
    ("()", 'invalid expression at column 2: expected a filter (match_recipient, match_header or catch_all), found ")"'),
    (
        'Match_Recipient("a")',
        'invalid expression at column 1: unknown filter "Match_Recipient" (did you mean "match_recipient"?)',
    ),
    ('catch_all("x")', "invalid expression at column 1: catch_all() takes 0 quoted arguments, got 1"),
    ('match_recipient("a", "b")', "invalid expression at column 1: match_recipient() takes 1 quoted argument, got 2"),
    (
        'match_recipient(pattern="a")',
        "invalid expression at column 1: match_recipient() takes 1 quoted argument, without names",
    ),
]

GOOD_ACTIONS = [
    'forward("https://app.example.com/inbound")',
    'forward("http://localhost:8080/hook?x=1")',
    'forward("ops@example.com")',
    "forward('\\1@example.com')",
    'forward("\\g<user>@example.com")',
    "store()",
    'store(notify="https://app.example.com/stored")',
    "stop()",
    # a comma-separated list of destinations (Mailgun's user manual, "Route Actions")
    'forward("http://myapp.com/messages, mailbox@myapp.com")',
]

BAD_ACTIONS = [
    ("stop", 'invalid action at column 5: expected "(" after stop, found the end'),
    ("drop()", 'invalid action at column 1: unknown action "drop" (expected one of: forward, store, stop)'),
    ("forward()", "invalid action at column 1: forward() takes one quoted destination"),
    ('forward(to="a@example.com")', "invalid action at column 1: forward() takes one quoted destination"),
    ('store("https://x.example.com")', 'invalid action at column 1: store() takes no argument or notify="URL"'),
    ('stop("now")', "invalid action at column 1: stop() takes no argument"),
    (
        "stop(), stop()",
        'invalid action at column 7: expected the end of the action (one action per list item), found ","',
    ),
]


@pytest.mark.parametrize("text", GOOD_EXPRESSIONS)
def test_valid_expressions_pass_unchanged(text: str) -> None:
    assert route_syntax.check_expression(text) == text


@pytest.mark.parametrize(("text", "message"), BAD_EXPRESSIONS)
def test_invalid_expressions_name_the_column(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        route_syntax.check_expression(text)
    assert str(err.value) == message


@pytest.mark.parametrize("text", GOOD_ACTIONS)
def test_valid_actions_pass_unchanged(text: str) -> None:
    assert route_syntax.check_action(text) == text


@pytest.mark.parametrize(("text", "message"), BAD_ACTIONS)
def test_invalid_actions_name_the_column(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        route_syntax.check_action(text)
    assert str(err.value) == message


# Valid, stored by Mailgun, but maybe not what the author expects: a warning, never an error.
UNUSUAL_EXPRESSIONS = [
    # Mailgun stored this route (mailgun-ruby issue #357, 2025-07-03): not a Python regular expression
    (
        "match_recipient('^+?d+@me')",
        [
            'expression at column 17: "^+?d+@me" is not a valid Python regular expression '
            "(nothing to repeat at position 1); Mailgun accepts it, but its route engine may "
            "never match it"
        ],
    ),
    (
        'match_header("bad header", "x")',
        [
            'expression at column 14: "bad header" is not a header name; Mailgun accepts it, '
            "but no message header can match it"
        ],
    ),
    (
        'not match_recipient("spam@.*")',
        [
            'expression at column 1: "not" is not in Mailgun\'s documented filter language '
            '(filters joined by "and" and "or"); Mailgun may refuse the route or not read it '
            "as you mean"
        ],
    ),
    (
        'match_recipient("a") or match_recipient("b") AND catch_all()',
        [
            'expression at column 46: "or" and "AND" are mixed without parentheses; Mailgun\'s docs do not say which binds '
            "tighter, so add parentheses to say which you mean"
        ],
    ),
]

ODD_DESTINATION = (
    "is neither an email address nor an http(s) URL; Mailgun accepts it, but forwards only to addresses "
    "and URLs (a pattern is not expanded), so mail may not arrive where you expect"
)

UNUSUAL_ACTIONS = [
    # stored by Mailgun: mailgun-ruby vcr_cassettes/routes.yml, 27 Jan 2025
    ('forward(".*@")', [f'action at column 9: forward destination ".*@" {ODD_DESTINATION}']),
    ('forward(".*@example.com")', [f'action at column 9: forward destination ".*@example.com" {ODD_DESTINATION}']),
    (
        'forward("ftp://example.com")',
        [f'action at column 9: forward destination "ftp://example.com" {ODD_DESTINATION}'],
    ),
    (
        'forward("ops@example.com, not an address")',
        [f'action at column 9: forward destination "not an address" {ODD_DESTINATION}'],
    ),
    (
        'store(notify="nope")',
        [
            'action at column 14: notify "nope" is not an http(s) URL; Mailgun accepts it, but '
            "cannot notify it when a message is stored"
        ],
    ),
]


def test_length_limit_of_4k() -> None:
    """ "The length of the Filter or Action fields cannot exceed 4k" (Mailgun's user manual, Routes)."""
    pattern = "a" * 4080
    near = f'match_recipient("{pattern}")'  # 4099 characters
    assert len(near) == 4099
    with pytest.raises(ValueError) as err:
        route_syntax.check_expression(near)
    assert str(err.value) == (
        "invalid expression at column 1: it is 4099 characters long; Mailgun allows at most 4k "
        "(4096); split it over several routes"
    )
    action = f'forward("https://example.com/{"x" * 3990}")'
    assert route_syntax.check_action(action) == action
    assert route_syntax.action_warnings(action) == [
        f'action at column 1: it is {len(action)} characters long; Mailgun allows at most "4k", which may mean 4000: '
        "keep it shorter or split it over several routes"
    ]
    assert route_syntax.action_warnings(f'forward("https://example.com/{"x" * 3900}")') == []


@pytest.mark.parametrize(("text", "warnings"), UNUSUAL_EXPRESSIONS)
def test_unusual_expressions_are_valid_with_a_warning(text: str, warnings: list[str]) -> None:
    assert route_syntax.check_expression(text) == text
    assert route_syntax.expression_warnings(text) == warnings


@pytest.mark.parametrize(("text", "warnings"), UNUSUAL_ACTIONS)
def test_unusual_actions_are_valid_with_a_warning(text: str, warnings: list[str]) -> None:
    assert route_syntax.check_action(text) == text
    assert route_syntax.action_warnings(text) == warnings


@pytest.mark.parametrize("text", GOOD_EXPRESSIONS)
def test_usual_expressions_have_no_warning(text: str) -> None:
    assert route_syntax.expression_warnings(text) == []


@pytest.mark.parametrize("text", GOOD_ACTIONS)
def test_usual_actions_have_no_warning(text: str) -> None:
    assert route_syntax.action_warnings(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Alice <alice@example.com>", ("Alice", "alice@example.com")),  # Mailgun's mailing-list docs
        ('"Doe, Jane" <jane@example.com>', ("Doe, Jane", "jane@example.com")),
        ("<bob@example.com>", ("", "bob@example.com")),
        ("bob@example.com", None),
        ("Alice <alice@example.com", None),
        ("Alice <a@x.com> <b@x.com>", None),
    ],
)
def test_mailbox_splits_name_and_address(text: str, found: tuple[str, str] | None) -> None:
    assert rules.mailbox(text) == found


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("Alice <alice@example.com>", True),
        ("alice@example.com", True),
        ("Alice <not-an-address>", False),
        ("Alice alice@example.com", False),
        ("", False),
    ],
)
def test_member_address(text: str, valid: bool) -> None:
    assert rules.is_member_address(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("bob@example.org", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("Bob@Example.ORG", True),
        ("bob@localhost", False),
        ("bob@@example.org", False),
        ("bob.@example.org", False),
        (".bob@example.org", False),
        ("bob smith@example.org", False),
        ("bob/x@example.org", False),  # "/" separates scope and name in addresses
        ("bob@exa_mple.org", False),
        ("bob@example.123", False),
        ("x" * 65 + "@example.org", False),
    ],
)
def test_email_syntax(text: str, valid: bool) -> None:
    assert rules.is_email(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("https://hooks.example.com/mailgun", True),
        ("http://127.0.0.1:8080/x?y=1#z", True),
        ("https://[::1]/x", True),
        ("ftp://example.com", False),
        ("https://", False),
        ("https:///path", False),
        ("hooks.example.com/mailgun", False),
        ("https://example.com/a b", False),
        ("https://example.com:99999/", False),
    ],
)
def test_url_syntax(text: str, valid: bool) -> None:
    assert rules.is_url(text) is valid


def test_did_you_mean_prefers_case_then_spelling() -> None:
    assert rules.suggest("subject", ("From", "Subject", "Reply-To")) == "Subject"
    assert rules.suggest("deliverd", ("delivered", "opened")) == "delivered"
    assert rules.suggest("zzz", ("delivered", "opened")) is None


# --- the column form of is_email (a CSV file's addresses at once) ---------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EMAILISH = st.one_of(
    st.text(alphabet="aB9.+-_@\n xn-é", max_size=12),
    # each wrong in one place only: two @ (beside a text with none, the @ count of the column is right),
    # no @, a dot at an end of a part, two dots, a line break, a long part, K (KELVIN SIGN lowers to k)
    st.sampled_from(
        [
            "a@example.org@example.org",
            "example.org",
            "a.@example.org",
            ".a@example.org",
            "a@.example.org",
            "a@example.org.",
            "a..b@example.org",
            "a@example..org",
            "a@example.org\n",
            "a" * 64 + "@example.org",
            "a" * 65 + "@example.org",
            "a@" + "b" * 240 + ".org",
            "a@exampl\u212a.org",
            "a@EXAMPLE.ORG",
        ]
    ),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet="ab.9+-", min_size=0, max_size=70),
        st.sampled_from(
            [
                "example.org",
                "EXAMPLE.org",
                "ex_ample.org",
                "xn--bcher-kva.example",
                "localhost",
                "a" * 250 + ".org",
                "-bad.org",
                "mg.example.com.",
            ]
        ),
    ),
)


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(EMAILISH, max_size=8))
def test_the_column_form_of_is_email_agrees_with_it(texts: list[str]) -> None:
    assert rules.all_emails(texts) == all(map(rules.is_email, texts))
    assert rules.all_pass(rules.is_email, texts) == all(map(rules.is_email, texts))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.lists(st.text(max_size=2), max_size=2) | st.text(max_size=2), max_size=6))
def test_the_column_form_of_bool_agrees_with_it(cells: list) -> None:
    assert rules.all_pass(bool, cells) == all(map(bool, cells))


def test_the_column_form_takes_a_large_valid_column() -> None:
    column = [f"user{i}.x+tag@mg{i % 300}.example.org" for i in range(5000)]
    assert rules.all_emails(column) and not rules.all_emails([*column, "user@"])
    assert not rules.all_emails([*column, "a\nb@example.org"])  # a line break never passes
    # as many "@" as texts, but two in one and none in another
    assert not rules.all_emails([*column, "a@example.org@example.org", "example.org"])
    assert rules.all_emails([*column, "a@exampl\u212a.org"])  # not ASCII: one by one, as is_email takes it
