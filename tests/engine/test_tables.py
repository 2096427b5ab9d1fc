"""Bulk tables: the whole-table check (``all_settled``) says exactly what the entry-by-entry check
(``settled``) says whenever the entries share one ``Written``, and never says yes wrongly."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.kinds.mailing_list import Member
from mgsync.state import State, all_settled, settled, Address, Resource

NAMES = st.sampled_from(["a@x.org", "b@x.org", "c@x.org", "d@x.org"])
FIELDS = st.fixed_dictionaries({}, optional={"name": st.sampled_from(["", "Ann", "Bob"]),
                                             "vars": st.sampled_from([{}, {"k": 1}]),
                                             "subscribed": st.booleans()})


@st.composite
def tables(draw: st.DrawFn, one_written: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    shared = draw(FIELDS).keys()
    wanted = {}
    for name in draw(st.lists(NAMES, unique=True, max_size=4)):
        fields = draw(FIELDS)
        if one_written:
            fields = {key: draw(FIELDS.map(lambda f: {**{"name": "", "vars": {}, "subscribed": True}, **f}))[key]
                      for key in shared}
        wanted[name] = Member.entry(fields)
    live = {name: Member.full(*draw(st.tuples(st.sampled_from(["", "Ann", "Bob"]), st.sampled_from([{}, {"k": 1}]),
                                              st.booleans())))
            for name in draw(st.lists(NAMES, unique=True, max_size=4))}
    return wanted, live


def _each(wanted: dict[str, Any], live: dict[str, Any]) -> bool:
    return all(name in live and settled(entry, live[name]) for name, entry in wanted.items())


@settings(max_examples=300, deadline=None)
@given(pair=tables(one_written=True))
def test_one_written_the_table_check_is_the_entry_check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    wanted, live = pair
    if wanted:
        assert all_settled(wanted, live) == _each(wanted, live)


@settings(max_examples=300, deadline=None)
@given(pair=tables(one_written=False))
def test_the_table_check_never_says_yes_wrongly(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    wanted, live = pair
    if all_settled(wanted, live):
        assert _each(wanted, live)


def test_a_state_shows_table_entries_as_resources() -> None:
    state = State([Resource(Address("member", "news@x.org/ann@x.org"), Member(name="Ann"))])
    assert list(state.tables) == [("member", "news@x.org")]
    found = state[Address("member", "news@x.org/ann@x.org")]
    assert found.body == Member(name="Ann") and found.body.model_fields_set == {"name"}
    assert Address("member", "news@x.org/bob@x.org") not in state and len(state) == 1


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                                   lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                                   max_leaves=8), max_size=6))
def test_the_piecewise_fingerprint_of_a_list_is_its_fingerprint(items: list[Any]) -> None:
    from mgsync.fingerprint import canonical_json, fingerprint, fingerprint_texts

    ordered = sorted(items, key=canonical_json)
    assert fingerprint_texts([canonical_json(item) for item in ordered]) == fingerprint(ordered)
