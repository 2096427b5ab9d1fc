"""The lists service's pretty JSON (``wire.pretty``): byte for byte what ``json.dumps(indent=2,
sort_keys=True)`` writes, for any JSON value, and the fast path is the one a page of members takes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.emulator import wire

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8)
KEYS = st.text(alphabet=st.sampled_from('ab"\\\n{},: é\u2028'), max_size=4)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_pretty_is_json_dumps_indented(value: Any) -> None:
    assert wire.pretty(value) == json.dumps(value, indent=2, sort_keys=True)


@given(st.lists(st.dictionaries(KEYS, SCALARS | st.just({}) | st.just([]), max_size=5), min_size=1, max_size=5))
def test_pages_of_flat_objects(items: list[dict[str, Any]]) -> None:
    page = {"items": items, "paging": {"first": "https://api.mailgun.net/v3/lists/x/members/pages?page=first"}}
    assert wire.pretty(page) == json.dumps(page, indent=2, sort_keys=True)


def test_keys_json_converts_and_tuples_are_written_as_json_dumps_does() -> None:
    for value in ({1: "a", 2: {3: [4]}}, {"a": {None: 1}}, ("t", [(), {"k": (1, 2)}]), [{"a": (1,)}]):
        assert wire.pretty(value) == json.dumps(value, indent=2, sort_keys=True)


def test_a_members_page_is_written_by_the_c_encoder(monkeypatch) -> None:
    """The whole page without one call of the pure-Python indenting encoder."""
    page = {
        "items": [
            {"address": f"m{i}@example.org", "name": f"M {i}", "subscribed": True, "vars": {}} for i in range(50)
        ],
        "paging": {"next": "n", "previous": "p"},
    }
    expected = json.dumps(page, indent=2, sort_keys=True)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pure-Python encoder was used")

    monkeypatch.setattr(json.encoder, "_make_iterencode", refuse)
    assert wire.pretty(page) == expected
