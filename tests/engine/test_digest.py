"""The plan digest made column by column (``plandigest.digest_texts``) is the digest made change by change:
the same text for every change, so saved plans, ``--expect-plan`` and reviewed plans keep matching."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.changes import Action, Change
from mgsync.fingerprint import canonical_json, fingerprint, fingerprint_texts
from mgsync.kinds.mailing_list import Member
from mgsync.kinds.suppression import Bounce, Unsubscribe
from mgsync.plan import Plan
from mgsync.plandigest import _digest_entry, digest_texts
from mgsync.rows import Row
from mgsync.state import Address, Resource

TEXT = st.text(alphabet=st.sampled_from('ab%{}"\\\n\té€😀 '), max_size=6)
VALUES = {
    "member": (
        Member,
        {
            "name": TEXT,
            "vars": st.dictionaries(TEXT, st.one_of(st.none(), st.integers(), TEXT, st.lists(TEXT, max_size=2))),
            "subscribed": st.booleans(),
        },
    ),
    "bounce": (Bounce, {"code": st.sampled_from(["550", "421"]), "error": TEXT}),
    "unsubscribe": (Unsubscribe, {"tags": st.lists(TEXT, min_size=1, max_size=3)}),
}


@st.composite
def bulk_create(draw: st.DrawFn) -> Change:
    kind = draw(st.sampled_from(sorted(VALUES)))
    row, fields = VALUES[kind]
    written = draw(st.fixed_dictionaries({}, optional=fields))
    address = Address(kind, f"{draw(st.sampled_from(['mg.x.org', 'l%s@x.org']))}/{draw(TEXT)}@x.org")
    return Change.create(Resource(address, Row.from_entry(row.entry(written))), None)


OTHER = st.builds(
    Change,
    st.builds(Address, st.just("route"), TEXT),
    st.sampled_from([Action.CREATE, Action.DELETE]),
    st.none(),
    st.dictionaries(TEXT, TEXT, max_size=2),
)


def _one_by_one(changes: list[Change]) -> list[str]:
    return sorted(canonical_json(_digest_entry(change)) for change in changes)


@settings(max_examples=300, deadline=None)
@given(changes=st.lists(st.one_of(bulk_create(), OTHER), max_size=12))
def test_the_digest_texts_of_bulk_creates_are_those_of_each_change(changes: list[Change]) -> None:
    assert sorted(digest_texts(changes)) == _one_by_one(changes)
    assert Plan(changes=changes).digest == fingerprint_texts(_one_by_one(changes))


def test_a_large_plan_has_the_digest_of_its_changes_one_by_one() -> None:
    """Thousands of creates in several groups (kinds, written fields), hashed across slices."""
    changes = [
        Change.create(Resource(Address("member", f"news@x.org/m{i}@x.org"), Row.from_entry(entry)), None)
        for i, entry in enumerate(
            Member.entry({"name": f"M {i}"} if i % 3 else {"vars": {"n": i}, "subscribed": i % 2 == 0})
            for i in range(9000)
        )
    ]
    changes += [Change(Address("route", "r"), Action.DELETE, {"priority": 1}, None)]
    texts = _one_by_one(changes)
    assert Plan(changes=changes).digest == fingerprint_texts(texts) == fingerprint([_json(t) for t in texts])


def _json(text: str) -> Any:
    import json

    return json.loads(text)
