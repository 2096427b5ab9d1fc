"""A collection's lockfile digest, made from its entry tuples without a row per entry, is the digest the
lockfile has always held: the fingerprint of every entry's address and comparable body, sorted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.fingerprint import canonical_cells, canonical_json, fingerprint
from mgsync.kinds.mailing_list import Member
from mgsync.kinds.suppression import Allowlist, Bounce, Complaint, Unsubscribe
from mgsync.lockdoc import collection_digest
from mgsync.lockfile import Lockfile
from mgsync.rows import Row

TEXT = st.text(alphabet=st.sampled_from("aZé☃ ,;:\"'\\/\n\t#-_.@{}[]0"), max_size=6)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-9, 9) | st.floats(-2, 2) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
VALUES: dict[type[Row], Any] = {
    Member: st.tuples(TEXT, st.dictionaries(TEXT, JSON, max_size=3), st.booleans()),
    Bounce: st.tuples(st.sampled_from(["550", "421"]), TEXT),
    Unsubscribe: st.tuples(st.lists(TEXT, min_size=1, max_size=3)),
    Complaint: st.tuples(),
    Allowlist: st.tuples(TEXT),
}


def _old_digest(kind: str, scope: str, entries: dict[str, tuple[Any, ...]]) -> str:
    return fingerprint(
        sorted((f"{kind}:{scope}/{name}", Row.from_entry(entry).comparable()) for name, entry in entries.items())
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[type[Row], dict[str, tuple[Any, ...]]]:
    row = draw(st.sampled_from(list(VALUES)))
    names = draw(st.lists(TEXT.filter(bool), unique=True, min_size=1, max_size=6))
    return row, {name: row.full(*draw(VALUES[row])) for name in names}


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from(["mg.example.com", "Mixed@List.org", 'odd{0}"\\é.example.com']))
def test_the_digest_is_the_old_digest(table: tuple[type[Row], dict[str, tuple[Any, ...]]], scope: str) -> None:
    row, entries = table
    assert collection_digest(row.__name__.lower(), scope, entries) == _old_digest(row.__name__.lower(), scope, entries)


# Columns of one type each, and mixed ones (True == 1 == 1.0 and 0.0 == -0.0 must not share a text).
COLUMN = st.one_of(
    *(
        st.lists(values, max_size=5)
        for values in (
            TEXT,
            st.booleans(),
            st.lists(TEXT, max_size=2).map(tuple),
            st.dictionaries(TEXT, JSON, max_size=2),
            JSON,
            st.sampled_from([True, 1, 1.0, 0.0, -0.0, False, 0, ("1",), ("a", "b")]),
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(COLUMN)
def test_a_column_is_encoded_as_its_values_are(values: list[Any]) -> None:
    assert list(canonical_cells(values)) == [canonical_json(value) for value in values]


def test_an_empty_collection_has_the_digest_of_nothing() -> None:
    assert collection_digest("member", "news@x.org", {}) == _old_digest("member", "news@x.org", {})


def test_a_recorded_collection_keeps_its_count_and_digest(tmp_path: Any) -> None:
    entries = {"b@x.org": Member.full("Bé", {"k": [1, {"z": None}]}, False), "A@x.org": Member.full("", {}, True)}
    lock = Lockfile(tmp_path / "mgsync.lock")
    lock.record_collection("member", "news@x.org", entries)
    assert lock.collections == {
        "member:news@x.org": {"count": 2, "digest": _old_digest("member", "news@x.org", entries)}
    }
    lock.record_collection("member", "news@x.org", {})
    assert lock.collections == {}


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(TEXT, VALUES[Member], min_size=1, max_size=4), TEXT.filter(lambda t: len(t) >= 2))
def test_a_sealed_value_anywhere_in_an_entry_is_recorded_as_its_reference(rows: dict[str, Any], value: str) -> None:
    """The lockfile looks for a value to seal in the collection's JSON text before walking the entries
    (``Seal.found_in_json``): a value JSON escapes (quotes, backslashes, a newline) is found too, so the
    digest is always the one of the sealed entries."""
    from mgsync.engine.sealing import Seal

    entries = {name: Member.full(n, {**vars_, "t": f"x{value}y"}, s) for name, (n, vars_, s) in rows.items()}
    seal = Seal({value: "${env:T}"})
    lock = Lockfile(Path("unused.lock"))
    lock.seal = seal
    lock.record_collection("member", "news@x.org", entries)
    assert lock.collections["member:news@x.org"]["digest"] == _old_digest("member", "news@x.org", seal.data(entries))
