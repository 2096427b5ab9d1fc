"""The fast check of CSV rows (``BulkKind.plain``) accepts only what the entry document accepts, and
takes the row exactly as the document would store it; everything else goes to the document."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mgsync.kinds import KINDS
from mgsync.kinds.bulk import BulkKind
from mgsync.manifest.csvdata import fields_of

BULK = [kind for kind in KINDS if isinstance(kind, BulkKind)]
ADDRESSES = [
    "bob@example.org",
    "Bob.Smith+x@Example.ORG",
    "bob@",
    "@example.org",
    "bob",
    "bob@localhost",
    "a b@example.org",
    "bob@exa_mple.org",
    "bob@xn--bcher-kva.example",
    "x" * 65 + "@example.org",
    "bob@example.org ",
    "",
    "example.org",
    "EXAMPLE.org",
    "mg.example.com",
    "-bad-.example.org",
]
ARABIC_550 = "٥٥٠"  # noqa: RUF001  (Arabic-Indic digits on purpose: str.isdigit() is true for them)
EXTRAS: list[dict[str, Any]] = [
    {},
    {"code": "550"},
    {"code": "55"},
    {"code": "5500"},
    {"code": "abc"},
    {"code": ARABIC_550},
    {"error": "gone"},
    {"tags": ["*"]},
    {"tags": ["b", "a", "a"]},
    {"tags": []},
    {"name": "Bob"},
    {"subscribed": False},
    {"vars": {"k": [1, {"n": None}]}},
    {"vars": []},
    {"vars": "text"},
    {"vars": 3},
    {"vars": None},
    {"reason": "why"},
]


def _rows(kind: BulkKind[Any]) -> list[dict[str, Any]]:
    allowed = {kind.csv_columns[0], *kind.csv_columns[1]}
    rows = [{kind.plain_key: value, **extra} for value in ADDRESSES for extra in EXTRAS if extra.keys() <= allowed]
    return [*rows, *[extra for extra in EXTRAS if extra.keys() <= allowed]]  # the key's cell left empty


@pytest.mark.parametrize("kind", BULK, ids=lambda kind: kind.name)
def test_plain_rows_are_exactly_what_the_document_accepts(kind: BulkKind[Any]) -> None:
    plain = 0
    for data in _rows(kind):
        if not kind.plain(dict(data)):
            continue
        plain += 1
        try:
            doc = kind.entry_doc.model_validate(data)
        except ValidationError as err:  # pragma: no cover - the failure this test is for
            pytest.fail(f"{kind.name}: plain() accepted {data!r}, the document refuses it: {err}")
        assert fields_of(doc) == data, data
    assert plain >= 2  # the check does take the plain rows
