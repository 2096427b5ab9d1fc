"""The CSV text import writes is csv.writer's, whether the cells are joined directly or quoted by it."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.rows import Row
from mgsync.shapes.output import _csv_text
from tests.engine.test_lock_digest import tables

CELL = st.text(alphabet=st.sampled_from('aZé☃ ,"\n\r;\t'), max_size=4)


def _writer(lines: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 3).flatmap(lambda width: st.lists(st.tuples(*[CELL] * width), min_size=1, max_size=6)))
def test_csv_text_is_what_csv_writer_writes(lines: list[tuple[str, ...]]) -> None:
    assert _csv_text(lines) == _writer(lines)


def test_plain_cells_are_joined_and_odd_ones_quoted() -> None:
    assert _csv_text([("address", "name"), ("a@x.org", "Ann")]) == "address,name\na@x.org,Ann\n"
    assert _csv_text([("address",), ("",)]) == 'address\n""\n'
    assert (
        _csv_text([("address", "error"), ("a@x.org", 'said "no", twice')])
        == 'address,error\na@x.org,"said ""no"", twice"\n'
    )


def test_an_allowlisted_domain_mailgun_shows_in_mixed_case_imports_in_lower_case() -> None:
    """Manifests refuse a domain that is not lower-case; Mailgun matches allowlisted domains case-blind."""
    from mgsync.kinds.suppression import ALLOWLIST, Allowlist

    assert ALLOWLIST.csv_row(("Friends.Example.com", Allowlist.full("partner"))) == ("friends.example.com", "partner")
    assert ALLOWLIST.inline(("Friends.Example.com", Allowlist.full(""))) == "friends.example.com"
    assert ALLOWLIST.csv_row(("Ann@Example.com", Allowlist.full(""))) == ("Ann@Example.com", "")


@settings(max_examples=300, deadline=None)
@given(tables())
def test_a_tables_csv_rows_are_its_entries_csv_rows(table: tuple[type[Row], dict[str, tuple[Any, ...]]]) -> None:
    """Made column by column, every row is the one ``csv_row`` makes of its entry; None when CSV cannot
    hold one of them (the collection is then written inline)."""
    row, entries = table
    names = sorted(entries)
    each = [row.csv_row(name, entries[name]) for name in names]  # type: ignore[attr-defined]
    expected = None if None in each else each
    assert row.csv_rows(names, [entries[name] for name in names]) == expected  # type: ignore[attr-defined]
