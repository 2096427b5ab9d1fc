"""Bulk tables: the whole-table check (``all_settled``) says exactly what the entry-by-entry check
(``settled``) says whenever the entries share one ``Written``, and never says yes wrongly."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.kinds.mailing_list import Member
from mgsync.rows import all_settled, settled
from mgsync.state import Address, Resource, State

NAMES = st.sampled_from(["a@x.org", "b@x.org", "c@x.org", "d@x.org"])
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["", "Ann", "Bob"]),
        "vars": st.sampled_from([{}, {"k": 1}]),
        "subscribed": st.booleans(),
    },
)


@st.composite
def tables(draw: st.DrawFn, one_written: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    shared = draw(FIELDS).keys()
    wanted = {}
    for name in draw(st.lists(NAMES, unique=True, max_size=4)):
        fields = draw(FIELDS)
        if one_written:
            fields = {
                key: draw(FIELDS.map(lambda f: {"name": "", "vars": {}, "subscribed": True, **f}))[key]
                for key in shared
            }
        wanted[name] = Member.entry(fields)
    live = {
        name: Member.full(
            *draw(st.tuples(st.sampled_from(["", "Ann", "Bob"]), st.sampled_from([{}, {"k": 1}]), st.booleans()))
        )
        for name in draw(st.lists(NAMES, unique=True, max_size=4))
    }
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
@given(
    items=st.lists(
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_the_piecewise_fingerprint_of_a_list_is_its_fingerprint(items: list[Any]) -> None:
    from mgsync.fingerprint import canonical_json, fingerprint, fingerprint_texts

    ordered = sorted(items, key=canonical_json)
    assert fingerprint_texts([canonical_json(item) for item in ordered]) == fingerprint(ordered)


def test_collections_compared_as_they_arrive_plan_as_the_whole_diff_does(tmp_path: Any) -> None:
    """plan_changes compares each collection as soon as it is read (``Differ.table``); the plan is
    the one ``diff`` makes of the finished states: creates, updates, unmanaged and pruned entries."""
    from mgsync import render
    from mgsync.engine import canonical, observe, wanted_scopes
    from mgsync.kinds import KINDS
    from mgsync.lockfile import Lockfile
    from mgsync.plan import Inputs, diff
    from tests.support.harness import Harness

    h = Harness(tmp_path)
    h.write("""\
    domains:
      mg.example.com:
        suppressions:
          bounces: [a@x.org, {address: b@x.org, code: 551}]
          unsubscribes: [{address: u@x.org, tags: [news]}]
    mailing_lists:
      news@mg.example.com:
        members: [ann@x.org, {address: bob@x.org, name: Bob}]
    """)
    h.apply()
    h.write("""\
    domains:
      mg.example.com:
        prune: [bounces]
        suppressions:
          bounces: [{address: b@x.org, code: 552}, c@x.org]
          unsubscribes: [{address: u@x.org, tags: [promo]}]
    mailing_lists:
      news@mg.example.com:
        members: [{address: ann@x.org, name: Ann}, cy@x.org]
    """)
    desired, lock = h.desired(), Lockfile.read(h.lock_path)
    arrived = h.plan()
    locked = canonical(lock.state())
    observed = canonical(observe(h.client, wanted_scopes(desired, locked), locked))
    prune = desired.prune | frozenset(desired.prune)
    whole = diff(Inputs(canonical(desired.state), observed, locked, prune), KINDS)
    whole.notes = arrived.notes  # the kinds' review notes come after the diff, in plan_changes
    assert render.text(arrived) == render.text(whole)
    assert arrived.digest == whole.digest and arrived.existing == whole.existing
    assert [(str(c.address), c.action.value) for c in arrived.changes] == [
        ("bounce:mg.example.com/b@x.org", "update"),
        ("bounce:mg.example.com/c@x.org", "create"),
        ("unsubscribe:mg.example.com/u@x.org", "update"),
        ("member:news@mg.example.com/ann@x.org", "update"),
        ("member:news@mg.example.com/cy@x.org", "create"),
        ("bounce:mg.example.com/a@x.org", "delete"),
    ]
    assert arrived.unmanaged == {"member": [Address("member", "news@mg.example.com/bob@x.org")]}


ITEM_VALUES = {
    "address": st.sampled_from(["a@x.org", "b@x.org", "c@x.org"]),
    "value": st.sampled_from(["x.org", "a@x.org"]),
    "code": st.sampled_from(["550", "421", 550, None]),
    "error": st.sampled_from(["", "gone", None]),
    "reason": st.sampled_from(["", "why", None]),
    "name": st.sampled_from(["", "Ann", None]),
    "vars": st.sampled_from([{}, {"k": 1}, None]),
    "subscribed": st.sampled_from([True, False, None]),
    "tags": st.sampled_from([["a"], ["b", "a"], [], None]),
    "tag": st.sampled_from(["news", "", None]),
}


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_page_converted_column_by_column_is_the_page_item_by_item(data: st.DataObject) -> None:
    from mgsync.kinds import KINDS
    from mgsync.kinds.bulk import BulkKind

    kind = data.draw(st.sampled_from([k for k in KINDS if isinstance(k, BulkKind)]))
    optional = [key for key in ITEM_VALUES if key != kind.key_field]
    item = st.fixed_dictionaries(
        {kind.key_field: ITEM_VALUES[kind.key_field]}, optional={key: ITEM_VALUES[key] for key in optional}
    )
    page = data.draw(st.lists(item, max_size=5, unique_by=lambda one: one[kind.key_field]))
    page = [one for one in page if kind.item().fits(one)]  # pages reach conversion only of the checked shape
    assert kind.page_entries(page) == {one[kind.key_field]: kind.entry_of(one) for one in page}
