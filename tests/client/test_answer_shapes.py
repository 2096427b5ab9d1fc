"""``Shape.fits`` (the quick yes every page of 1000 items goes through) agrees with ``Shape.mismatch``
(the words for an answer that does not fit) on every shape the kinds read, for any JSON value."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mgsync.kinds
from mgsync import answers
from mgsync.answers import ANY, BOOL, INT, STR, ListOf, MapOf, Nullable, Obj

KEYS = st.sampled_from(
    [
        "items",
        "address",
        "name",
        "vars",
        "subscribed",
        "code",
        "tags",
        "tag",
        "value",
        "reason",
        "error",
        "webhooks",
        "urls",
        "template",
        "version",
        "tracking",
        "active",
        "x",
    ]
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 600), st.text(max_size=4))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)


def _declared_shapes() -> list[Any]:
    """Every shape a kind module declares at its top level, and the paged-listing page around each."""
    found: list[Any] = []
    for info in pkgutil.iter_modules(mgsync.kinds.__path__):
        module = importlib.import_module(f"mgsync.kinds.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, (Obj, ListOf, MapOf, Nullable))]
    return found + [Obj({"items": ListOf(shape)}, {"paging": Obj(optional={"next": STR})}) for shape in found]


LENIENT = ListOf(ANY)  # a page read within Client.odd_items: its items are checked one by one after
SHAPES = [*_declared_shapes(), STR, INT, BOOL, ANY, Nullable(INT), MapOf(STR), ListOf(Obj({"address": STR})), LENIENT]


def test_the_kinds_declare_shapes() -> None:
    assert len(SHAPES) > 30


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON, index=st.integers(0, 10_000))
def test_fits_says_yes_exactly_when_mismatch_has_no_words(value: Any, index: int) -> None:
    shape = SHAPES[index % len(SHAPES)]
    assert shape.fits(value) == (shape.mismatch(value, "") is None)


@settings(max_examples=200, deadline=None)
@given(value=st.dictionaries(KEYS, SCALARS, max_size=6))
def test_a_page_of_items_fits_when_every_item_does(value: dict[str, Any]) -> None:
    item = Obj({"address": STR}, {"name": STR, "vars": answers.OBJECT, "subscribed": BOOL})
    page = Obj({"items": ListOf(item)})
    assert page.fits({"items": [value, value]}) == item.fits(value) == (item.mismatch(value, "") is None)


ITEM_VALUE = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(KEYS, SCALARS, max_size=2))


def _fitting(shape: Any) -> Any:
    """A value of ``shape`` (one of a bulk item's), so that a page's other values mostly fit."""
    if isinstance(shape, ListOf):
        return ["a", "b"]
    return {} if shape == answers.OBJECT else ("s" if str in shape.types else 550)


@pytest.mark.parametrize("kind", ["bounce", "unsubscribe", "complaint", "allowlist", "member"])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_page_of_a_bulk_kind_fits_column_by_column_exactly_when_every_item_fits(
    kind: str, data: st.DataObject
) -> None:
    """A bulk kind's page is checked column by column (``ListOf`` over flat items, an unsubscribe's
    list of tags included): the same answer as each item checked on its own."""
    from mgsync.kinds import BY_NAME

    item = BY_NAME[kind].item()
    shapes = {**item.required, **item.optional}
    one = st.fixed_dictionaries(
        {key: st.one_of(st.just(_fitting(shapes[key])), ITEM_VALUE) for key in item.required},
        optional={key: st.one_of(st.just(_fitting(shapes[key])), ITEM_VALUE) for key in item.optional},
    )
    page = data.draw(st.lists(one, max_size=3))
    assert ListOf(item).fits(page) == all(map(item.fits, page))
