"""Account-level webhooks (``/v1/webhooks``, wire-issue11.md §1): one webhook = one URL with its
event types, firing for every domain of the account. State: ``store.family("account_webhooks")``.

Recorded live (mailgun-ruby ``account_webhooks.yml``, 2026): create answers ``{"webhook_id"}`` with
200; GET by id answers the bare webhook; the list is ``{"webhooks": [...]}`` without paging; PUT
(a full replacement) and every DELETE answer 204 with no body; ``created_at`` is RFC 3339 UTC.
Errors follow the API reference: 400 ``{"message"}``, 404 and 409 ``{"Description"}``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mgsync.emulator import records
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, to_bool

FAMILY = "account_webhooks"
EVENTS = (
    "accepted",
    "clicked",
    "opened",
    "unsubscribed",
    "delivered",
    "permanent_fail",
    "temporary_fail",
    "complained",
)
MAX_URLS_PER_EVENT = 3
NOT_FOUND = "Webhook not found"


class DescribedError(HttpError):
    """404/409 of this service: ``{"Description": ...}`` (API reference), not ``{"message": ...}``."""

    def body(self) -> dict[str, Any]:
        return {"Description": self.message}


def _table(store: Store) -> Table:
    return store.family(FAMILY).table("webhooks")


def _ordered(store: Store) -> list[dict[str, Any]]:
    # UNCONFIRMED: the list order is not documented; creation order is the natural one.
    return sorted(_table(store).rows.values(), key=lambda r: r["_seq"])


def _find(store: Store, webhook_id: str) -> dict[str, Any]:
    rec = _table(store).get(webhook_id)
    if rec is None:
        raise DescribedError(404, NOT_FOUND)
    return rec


def _url(req: Request) -> str:
    url = (req.arg("url") or "").strip()
    if not url:
        raise HttpError(400, "Missing mandatory parameter: url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(400, f"{url} is not a valid url")
    return url


def _event_types(req: Request) -> list[str]:
    """The repeated ``event_types``, validated, deduplicated, in the order sent (UNCONFIRMED: the
    response order; one type was recorded)."""
    types = req.form.getall("event_types") or req.query.getall("event_types")
    if not types:
        raise HttpError(400, "Missing mandatory parameter: event_types")
    for event in types:
        if event not in EVENTS:
            raise HttpError(400, f"Invalid event type '{event}'. It can be any of: {', '.join(EVENTS)}")
    return list(dict.fromkeys(types))


def _check(store: Store, url: str, types: Iterable[str], self_id: str | None) -> None:
    """Refuse a URL held by another webhook (409) and a 4th URL on an event type (400).

    UNCONFIRMED: the reference lists a 409 for POST and PUT without saying what triggers it; a URL
    already configured on the account is the plausible trigger ("deduplicated by event type"), and
    makes the URL a webhook's identity as the client expects. The 3-URL limit is counted over the
    account-level webhooks only (whether domain webhooks count too is not documented).
    """
    others = [r for r in _table(store).rows.values() if r["webhook_id"] != self_id]
    if any(r["url"] == url for r in others):
        raise DescribedError(409, f"A webhook with url {url} already exists")
    for event in types:
        if sum(event in r["event_types"] for r in others) >= MAX_URLS_PER_EVENT:
            raise HttpError(400, f"Maximum of {MAX_URLS_PER_EVENT} unique URLs per event type reached for '{event}'")


def _fields(store: Store, req: Request, self_id: str | None) -> tuple[str, list[str], str]:
    url, types = _url(req), _event_types(req)
    _check(store, url, types, self_id)
    # UNCONFIRMED: an omitted description is stored as "" (the reference marks it always present).
    return url, types, req.arg("description") or ""


def rfc3339(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def add_webhook(store: Store, url: str, event_types: Iterable[str], description: str = "") -> dict[str, Any]:
    """Seeding helper (no validation): store a webhook and return it as the API shows it."""
    now, seq = store.clock(), store.next_seq()
    rec: dict[str, Any] = {
        "webhook_id": store.object_id(now, seq),
        "description": description,
        "url": url,
        "event_types": list(event_types),
        "created_at": rfc3339(now),
        "_seq": seq,
    }
    _table(store).put(rec["webhook_id"], rec)
    return records.public(rec)


def _ids(raw: str) -> list[str]:
    return [i.strip() for i in raw.split(",") if i.strip()]


def list_webhooks(store: Store, req: Request) -> dict[str, Any]:
    """``webhook_ids`` filters (an empty value lists all, recorded); unknown ids are left out (UNCONFIRMED)."""
    rows = _ordered(store)
    if wanted := _ids(req.query.get("webhook_ids") or ""):
        rows = [r for r in rows if r["webhook_id"] in wanted]
    return {"webhooks": [records.public(r) for r in rows]}


def create_webhook(store: Store, req: Request) -> dict[str, Any]:
    url, types, description = _fields(store, req, None)
    return {"webhook_id": add_webhook(store, url, types, description)["webhook_id"]}


def get_webhook(store: Store, req: Request) -> dict[str, Any]:
    return records.public(_find(store, req.params[0]))


def replace_webhook(store: Store, req: Request) -> tuple[int, None]:
    """A full replacement (API reference): an omitted description becomes empty."""
    rec = _find(store, req.params[0])
    rec["url"], rec["event_types"], rec["description"] = _fields(store, req, rec["webhook_id"])
    return 204, None


def delete_webhook(store: Store, req: Request) -> tuple[int, None]:
    _table(store).pop(_find(store, req.params[0])["webhook_id"])
    return 204, None


def delete_webhooks(store: Store, req: Request) -> tuple[int, None]:
    """``webhook_ids=a,b`` deletes those (and wins over ``all``, API reference); ``all=true`` deletes all.

    UNCONFIRMED: an unknown id in the list answers 404 and deletes nothing (the reference lists a 404).
    """
    table = _table(store)
    if ids := _ids(req.query.get("webhook_ids") or ""):
        for webhook_id in ids:
            _find(store, webhook_id)
        for webhook_id in ids:
            table.pop(webhook_id)
    elif to_bool(req.query.get("all") or "false", "all"):
        table.clear()
    else:
        raise HttpError(400, "Either webhook_ids or all=true must be provided")
    return 204, None


ENDPOINTS = (
    Endpoint("GET", "/v1/webhooks", list_webhooks, GO),
    Endpoint("POST", "/v1/webhooks", create_webhook, GO),
    Endpoint("DELETE", "/v1/webhooks", delete_webhooks, GO),
    Endpoint("GET", "/v1/webhooks/{id}", get_webhook, GO),
    Endpoint("PUT", "/v1/webhooks/{id}", replace_webhook, GO),
    Endpoint("DELETE", "/v1/webhooks/{id}", delete_webhook, GO),
)
