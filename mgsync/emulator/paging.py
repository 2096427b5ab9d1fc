"""Mailgun's pagination styles (mailgun-api.md §1.6): skip/limit with ``total_count``, and paging URLs
with a pivot (``address=`` for suppressions and lists, ``p=`` for templates and versions).

Knows nothing of particular endpoints: callers pass sorted keys and the URL dialect.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mgsync.emulator.wire import HttpError, Request, qs

LIMIT_MESSAGE = "The 'limit' parameter can't be larger than {max}"


def limit_arg(req: Request, default: int = 100, maximum: int = 1000, message: str = LIMIT_MESSAGE) -> int:
    raw = req.query.get("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise HttpError(400, f"Invalid value for 'limit': {raw}") from None
    if limit > maximum:
        raise HttpError(400, message.format(max=maximum))
    if limit < 1:
        raise HttpError(400, f"Invalid value for 'limit': {raw}")
    return limit


def skip_arg(req: Request) -> int:
    raw = req.query.get("skip") or "0"
    try:
        skip = int(raw)
    except ValueError:
        raise HttpError(400, f"Invalid value for 'skip': {raw}") from None
    if skip < 0:
        raise HttpError(400, f"Invalid value for 'skip': {raw}")
    return skip


def skip_limit_page(
    items: Sequence[dict[str, Any]], req: Request, maximum: int = 1000, message: str = LIMIT_MESSAGE, default: int = 100
) -> dict[str, Any]:
    """``{"total_count": N, "items": [...]}`` for the requested window."""
    limit, skip = limit_arg(req, default, maximum, message), skip_arg(req)
    return {"total_count": len(items), "items": list(items[skip : skip + limit])}


@dataclass(frozen=True)
class Dialect:
    """How one service spells its paging URLs."""

    pivot: str  # "address" or "p"
    previous: str  # "previous" or "prev" (lists)
    first_page: bool  # whether the first/last URLs carry page=first (lists) or omit it


SUPPRESSIONS = Dialect("address", "previous", first_page=False)
TEMPLATES = Dialect("p", "previous", first_page=False)
LISTS = Dialect("address", "prev", first_page=True)


def prefix_range(keys: Sequence[str], prefix: str) -> tuple[int, int]:
    if not prefix:
        return 0, len(keys)
    prefix = prefix.lower()
    return bisect_left(keys, prefix), bisect_left(keys, prefix + "\U0010ffff")


def pivot_window(
    keys: Sequence[str], req: Request, dialect: Dialect, limit: int, lo: int = 0, hi: int | None = None
) -> Sequence[str]:
    """The keys of the requested page: first/last, or after/before the pivot."""
    hi = len(keys) if hi is None else hi
    page = (req.query.get("page") or "first").lower()
    pivot = req.query.get(dialect.pivot)
    if page == "last":
        return keys[max(lo, hi - limit) : hi]
    if page == "next" and pivot:
        start = bisect_right(keys, pivot.lower(), lo, hi)
        return keys[start : min(hi, start + limit)]
    if page in ("previous", "prev") and pivot:
        end = bisect_left(keys, pivot.lower(), lo, hi)
        return keys[max(lo, end - limit) : end]
    return keys[lo : min(hi, lo + limit)]


def paging_urls(
    req: Request,
    dialect: Dialect,
    first: str | None,
    last: str | None,
    limit: int,
    tail: tuple[tuple[str, Any], ...] = (),
    empty: bool = False,
) -> dict[str, str]:
    """Absolute first/last/next/previous URLs; ``first``/``last`` are the page's edge keys.

    An empty page keeps the request's pivot so ``next`` is always present (§1.6); an ``empty``
    collection answers the plain first URL four times, as the live API does (VCR suppressions).
    """
    start = (("page", "first"),) if dialect.first_page else ()
    first_url = req.url(qs(*start, ("limit", limit), *tail))
    if empty:
        return {"first": first_url, "last": first_url, "next": first_url, "previous": first_url}
    pivot = req.query.get(dialect.pivot) or None
    nxt, prev = last or pivot, first or pivot

    def at(page: str, key: str | None) -> str:
        if key is None:
            return first_url
        return req.url(qs(("page", page), (dialect.pivot, key), ("limit", limit), *tail))

    return {
        "first": first_url,
        "last": req.url(qs(("page", "last"), ("limit", limit), *tail)),
        "next": at("next", nxt),
        "previous": at(dialect.previous, prev),
    }
