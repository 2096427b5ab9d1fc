"""Mailgun's listings over a client's reads: the two pagination styles, and odd items left out.

``Listings`` is the half of ``client.Client`` that turns listings into items; it knows only the
client's checked ``read`` and how a path is named in errors (``_url``), nothing of HTTP, retries or kinds.

- ``skip``/``limit`` + ``total_count`` (domains, routes, credentials): ``iter_skip``;
- ``paging.next`` URLs (suppressions, lists, members, templates, versions): ``iter_pages``, or a
  page at a time, ``iter_page_lists``. The links name whatever host the answering server believes
  it is; the client rebases them onto its base URL (``client.py``), so the key goes nowhere else.

Within ``odd_items``, a listed item not of its listing's item shape is left out and collected
instead of failing the read (issue 18: a real account imports however odd its data).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from mgsync import answers, wire
from mgsync.answers import INT, OBJECT, STR, ListOf, Obj, Shape
from mgsync.errors import UnreadableAnswerError


class Listings:
    """Listings read through ``read`` (the client's: one checked GET, retries and all)."""

    def read(self, path: str, expected: Shape, **params: Any) -> Any:
        """GET ``path``, its JSON checked against ``expected`` (``Client.read``)."""
        raise NotImplementedError

    def _url(self, path: str) -> tuple[str, str]:
        """The URL to request and the path errors name (``Client._url``)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def odd_items(self) -> Iterator[list[answers.OddItem]]:
        """Within the block, on this thread, a listed item not of its listing's item shape is left out
        of the listing and added to the list yielded, instead of failing the read (issue 18)."""
        with answers.collecting_odd() as found:
            yield found

    def _fitting(self, items: list[Any], expected: ListOf, path: str, start: int) -> list[Any]:
        """A page's items of the listing's item shape (``odd_items``); all of them outside that block
        (the page was checked whole)."""
        sink = answers.odd_sink()
        if sink is None:
            return items
        kept, odd = answers.fitting(items, expected, path, start)
        sink.extend(odd)
        return kept

    def iter_skip(
        self, path: str, params: Mapping[str, Any] | None = None, *, limit: int = 1000, item: Shape = OBJECT
    ) -> Iterator[dict[str, Any]]:
        """Items (each of shape ``item``) of a ``skip``/``limit`` + ``total_count`` listing (domains,
        routes, credentials).

        Stops at ``total_count`` or an empty page; a short page ends it only when ``total_count``
        is missing (a server may cap ``limit`` below what was asked, so short is not always last).
        A page that repeats the one before it is an ``UnreadableAnswerError``: a server that ignores
        ``skip`` would otherwise be read until ``total_count``, however large it says that is.
        """
        whole = ListOf(item)
        lenient = answers.odd_sink() is not None  # odd items are left out, not fatal
        page_shape, skip = Obj({"items": ListOf(answers.ANY) if lenient else whole}, {"total_count": INT}), 0
        before: list[Any] = []
        while True:
            page = self.read(path, page_shape, **{**(params or {}), "skip": skip, "limit": limit})
            items = page["items"]
            if items and items == before:
                repeated = f"the page at skip={skip} repeats the one before it: the server does not page"
                raise UnreadableAnswerError("GET", self._url(path)[1], 200, repeated)
            before = items
            yield from self._fitting(items, whole, path, skip) if lenient else items
            skip += len(items)
            total = page.get("total_count")
            if not items or (total is not None and skip >= total) or (total is None and len(items) < limit):
                return

    def iter_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int = 1000,
        items: str = "items",
        item: Shape = OBJECT,
    ) -> Iterator[dict[str, Any]]:
        """Items (each of shape ``item``) of a paging-URL listing (suppressions, lists, members,
        templates, versions); ``items`` is the key, or dotted key path (``"template.versions"``).

        Follows ``paging.next`` onto the base URL (``_url``); stops on an empty page or one shorter
        than the page size (the ``limit`` in the next link, if the server lowered it).
        """
        for page in self.iter_page_lists(path, params, limit=limit, items=items, item=item):
            yield from page

    def iter_page_lists(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int = 1000,
        items: str = "items",
        item: Shape = OBJECT,
    ) -> Iterator[list[dict[str, Any]]]:
        """``iter_pages``, a page's items at a time (a bulk kind converts a page at once)."""
        keys, whole = items.split("."), ListOf(item)
        lenient = answers.odd_sink() is not None  # odd items are left out, not fatal
        page_shape = _paged(keys, answers.ANY if lenient else item)
        url, query, seen, start = path, {**(params or {}), "limit": limit}, set(), 0
        while True:
            found = page = self.read(url, page_shape, **query)
            for key in keys:
                found = found[key]
            yield self._fitting(found, whole, path, start) if lenient else found
            start += len(found)
            next_url = (page.get("paging") or {}).get("next")
            if not found or not next_url or next_url in seen or len(found) < wire.page_limit(next_url, limit):
                return
            seen.add(next_url)
            url, query = next_url, {}


def _paged(keys: list[str], item: Shape) -> Obj:
    """The shape of one page of a paging-URL listing whose items sit under the key path ``keys``."""
    nested: Shape = ListOf(item)
    for key in reversed(keys[1:]):
        nested = Obj({key: nested})
    return Obj({keys[0]: nested}, {"paging": Obj(optional={"next": STR})})
