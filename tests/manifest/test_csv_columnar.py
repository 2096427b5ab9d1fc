"""A plain CSV file is read column by column (``csvdata.columnar``), every other file row by row
(``csvdata.load``): for any file, when the column path takes it, it gives exactly the names, entries
and lines the row path gives, and it does take the plain files a large account is made of."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgsync.kinds import KINDS
from mgsync.kinds.bulk import BulkKind
from mgsync.manifest import csvdata

BULK = [kind for kind in KINDS if isinstance(kind, BulkKind)]
CELLS = {
    "address": ["bob@example.org", "Bob@Example.org", "ann+x@example.net", "bad@", " cy@example.com ", "", "b@b.io"],
    "value": ["partner.example.org", "a@partner.example.org", "Partner.example.org", "x_y", ""],
    "code": ["550", "421", "55", " 550", ""],
    "error": ["gone", "", " why "],
    "reason": ["contract", ""],
    "tags": ["*", "a;b", "b; a;a", ";", ""],
    "name": ["Bob", "", "Ann Lee"],
    "subscribed": ["yes", "no", "True", "FALSE", "maybe", ""],
    "vars": ['{"k": 1}', "[]", "{", '{"a": {"b": null}}', ""],
    "created_at": ["Mon, 01 Jan 2024 00:00:00 UTC", ""],
}


def _by_rows(text: str, kind: BulkKind[Any]) -> tuple[list[str], list[tuple[Any, ...]], list[int]] | None:
    rows, problems = csvdata.load(text, "x.csv", kind.csv_columns, kind.entry_doc, kind.plain)
    if problems:
        return None
    built = [(kind.entry(fields), line) for line, fields in rows]
    return [name for (name, _), _ in built], [entry for (_, entry), _ in built], [line for _, line in built]


@st.composite
def csv_files(draw: st.DrawFn, kind: BulkKind[Any]) -> str:
    required, optional = kind.csv_columns
    header = [required, *draw(st.lists(st.sampled_from(optional), unique=True))]
    header = draw(st.permutations(header))
    rows = draw(st.lists(st.tuples(*[st.sampled_from(CELLS[name]) for name in header]), min_size=1, max_size=6))
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    text = out.getvalue()
    return text if draw(st.booleans()) else text.rstrip("\r\n")


@pytest.mark.parametrize("kind", BULK, ids=lambda kind: kind.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_column_path_agrees_with_the_row_path(kind: BulkKind[Any], data: st.DataObject) -> None:
    text = data.draw(csv_files(kind))
    fast = csvdata.columnar(text, kind)
    if fast is None:
        return
    slow = _by_rows(text, kind)
    assert slow is not None, "the column path took a file the row path finds problems in"
    names, entries, lines = slow
    assert fast == (names, entries)
    assert lines == list(range(2, len(names) + 2))


@pytest.mark.parametrize("kind", BULK, ids=lambda kind: kind.name)
def test_plain_files_take_the_column_path(kind: BulkKind[Any]) -> None:
    required, optional = kind.csv_columns
    header = [required, *[name for name in optional if name != "created_at"]]
    plain = {
        "address": "bob#@example.org",
        "value": "p#.example.org",
        "code": "550",
        "error": "gone",
        "reason": "contract",
        "tags": "a;b",
        "name": "Bob",
        "subscribed": "no",
        "vars": '{"k": 1}',
    }
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [header, *[[plain[c].replace("#", str(i)) for c in header] for i in range(50)]]
    )
    text = out.getvalue()
    fast = csvdata.columnar(text, kind)
    assert fast is not None and (fast[0], fast[1]) == _by_rows(text, kind)[:2]  # type: ignore[index]
    assert len(fast[0]) == 50


@pytest.mark.parametrize(
    "text",
    [
        "address\nbob@example.org\n\nann@example.org\n",  # a blank line
        'address,name\nbob@example.org,"two\nlines"\n',  # a cell over two lines
        "address\nbob@example.org\nbob@example.org\n",  # a name twice
        "address\rbob@example.org\r",
    ],
)  # old Mac line ends
def test_files_the_row_path_must_word_or_count_go_row_by_row(text: str) -> None:
    member = next(kind for kind in BULK if kind.name == "member")
    assert csvdata.columnar(text, member) is None


def test_a_column_empty_in_every_row_is_as_if_it_were_not_there() -> None:
    """import writes ``subscribed`` and ``vars`` columns left empty for members that set neither."""
    member = next(kind for kind in BULK if kind.name == "member")
    text = "address,name,subscribed,vars\n" + "".join(f"m{i}@example.org,M {i},,\n" for i in range(30))
    fast = csvdata.columnar(text, member)
    assert fast is not None and (fast[0], fast[1]) == _by_rows(text, member)[:2]  # type: ignore[index]
    assert fast[1][0][-1].names == {"name"}


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(["a", "b@x.org", " ", ",", "\n", "\n\n", ",\n", "é", ";", "{", "\\", "'"]), max_size=30
    )
)
def test_a_file_without_quotes_is_split_as_the_csv_reader_reads_it(parts: list[str]) -> None:
    """The column path splits a file with no quote on its line breaks and commas, in C."""
    text = "".join(parts)
    assert csvdata._table(text) == csvdata._read_table(text)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_file_with_quotes_is_read_by_the_csv_reader(data: st.DataObject) -> None:
    member = next(kind for kind in BULK if kind.name == "member")
    text = data.draw(csv_files(member)).replace("\r", "")
    assert csvdata._table(text) == csvdata._read_table(text)
