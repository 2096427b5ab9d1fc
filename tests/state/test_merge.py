"""The state branch's three-way merge of lockfiles, by address (``lockdoc.merge``, as ``gitstate`` uses it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mgsync.lockdoc import merge

A, B, C = {"body": {"v": 1}}, {"body": {"v": 2}}, {"body": {"v": 3}}


def lock(resources: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"format_version": 1, "resources": resources, "collections": {}, **top}


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged"),
    [
        ({"r:x": A}, {"r:x": A}, {"r:x": B}, {"r:x": B}),  # only theirs changed it
        ({"r:x": A}, {"r:x": B}, {"r:x": A}, {"r:x": B}),  # only ours changed it
        ({"r:x": A}, {"r:x": B}, {"r:x": C}, {"r:x": B}),  # both: ours (it is what this apply just saw)
        ({"r:x": A}, {}, {"r:x": A}, {}),  # ours deleted it
        ({"r:x": A}, {}, {"r:x": B}, {}),  # ours deleted what theirs changed: ours
        ({"r:x": A}, {"r:x": A}, {}, {}),  # theirs deleted it
        ({}, {"r:a": A}, {"r:b": B}, {"r:a": A, "r:b": B}),  # each added one
        ({}, {"r:x": A}, {"r:x": B}, {"r:x": A}),  # both added the same address: ours
    ],
)
def test_each_address_is_ours_if_ours_changed_it_else_theirs(base, ours, theirs, merged) -> None:
    assert merge(lock(base), lock(ours), lock(theirs))["resources"] == merged


def test_collections_merge_alike_and_top_level_fields_are_ours_even_unknown_ones() -> None:
    base = {**lock({}), "collections": {"member:l": {"count": 1, "digest": "d1"}, "bounce:d": {"count": 1}}}
    ours = {
        **lock({}, account={"id": "ours"}, secrets_verifier="scrypt$o"),
        "collections": {"member:l": {"count": 2, "digest": "d2"}, "bounce:d": {"count": 1}},
    }
    theirs = {
        **lock({}, account={"id": "theirs"}, future="theirs"),
        "collections": {"member:l": {"count": 1, "digest": "d1"}, "bounce:d": {"count": 5}},
    }
    assert merge(base, ours, theirs) == {
        "format_version": 1,
        "resources": {},
        "account": {"id": "ours"},
        "secrets_verifier": "scrypt$o",
        "collections": {"member:l": {"count": 2, "digest": "d2"}, "bounce:d": {"count": 5}},
    }


def test_a_merged_lockfile_is_rendered_as_mgsync_writes_one(tmp_path) -> None:
    from mgsync.lockdoc import render_document
    from mgsync.lockfile import Lockfile

    lock = Lockfile(
        tmp_path / "mgsync.lock",
        {"route:x": {"body": {"name": "é"}, "fingerprint": "f"}},
        {"member:l": {"count": 1, "digest": "d"}},
    )
    lock.secrets_verifier = "scrypt$a$b"
    lock.write()
    text = lock.path.read_text(encoding="utf-8")
    assert render_document(json.loads(text)) == text == Lockfile.read(lock.path).render()
