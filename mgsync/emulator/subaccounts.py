"""Subaccounts of the parent account (``/v5/accounts/subaccounts``): list, create, get, enable,
disable, delete. Shapes follow the official OpenAPI (``SubaccountResponse``, ``SubaccountListResponse``)
and mailgun-go / mailgun.js: ``{"subaccount": {...}}`` and ``{"subaccounts": [...], "total": N}``.

Which account a request acts on (``X-Mailgun-On-Behalf-Of``) is decided in ``app``; these handlers
get that account's store. Only the parent manages subaccounts, except ``DELETE``, which names the
subaccount to delete in that header (OpenAPI ``delete-v5-accounts-subaccounts-subaccount_id``).
Enabling an open subaccount answers 200 with it, as recorded in mailgun-ruby ``vcr_cassettes/subaccounts.yml``.
"""

from __future__ import annotations

from typing import Any

from mgsync.emulator.paging import limit_arg, skip_arg
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, to_bool

NOT_FOUND = "Not Found"


def _parent(store: Store) -> Store:
    # UNCONFIRMED: what Mailgun answers when a subaccount (or the parent on behalf of one) manages
    # subaccounts; the OpenAPI lists 403 "Forbidden" for the delete, so we answer that.
    if store.parent is not None:
        raise HttpError(403, "Forbidden")
    return store


def _find(store: Store, account_id: str) -> dict[str, Any]:
    sub = _parent(store).subaccounts.get(account_id)
    if sub is None:
        raise HttpError(404, NOT_FOUND)
    return sub.record


def list_subaccounts(store: Store, req: Request) -> dict[str, Any]:
    """``sort`` (asc|desc by name), ``filter`` (a name substring; UNCONFIRMED: exact or substring),
    ``enabled``, ``closed`` (no subaccount is ever closed here), ``limit`` (default 10, max 1000), ``skip``."""
    rows = [sub.record for sub in _parent(store).subaccounts.values()]
    if name := req.query.get("filter"):
        rows = [r for r in rows if name.lower() in r["name"].lower()]
    if (enabled := req.query.get("enabled")) is not None:
        rows = [r for r in rows if (r["status"] == "open") == to_bool(enabled, "enabled")]
    if sort := req.query.get("sort"):
        if sort not in ("asc", "desc"):
            raise HttpError(400, f"Invalid value for 'sort': {sort}")
        rows.sort(key=lambda r: r["name"].lower(), reverse=sort == "desc")
    limit, skip = limit_arg(req, default=10), skip_arg(req)
    return {"subaccounts": [dict(r) for r in rows[skip : skip + limit]], "total": len(rows)}


def create_subaccount(store: Store, req: Request) -> dict[str, Any]:
    name = (req.arg("name") or "").strip()  # the OpenAPI puts it in the query, the SDKs in the form
    if not name:
        raise HttpError(400, "Bad request")  # the OpenAPI's example message
    return {"subaccount": _parent(store).add_subaccount(name)}


def get_subaccount(store: Store, req: Request) -> dict[str, Any]:
    return {"subaccount": dict(_find(store, req.params[0]))}


def _set_status(store: Store, account_id: str, status: str, already: str | None) -> dict[str, Any]:
    """Set the status; ``already``: the 400 for a subaccount that has it already (None: answer as usual)."""
    record = _find(store, account_id)
    if record["status"] == status and already is not None:
        raise HttpError(400, already)
    record["status"] = status
    return {"subaccount": dict(record)}


def disable_subaccount(store: Store, req: Request) -> dict[str, Any]:
    # UNCONFIRMED: whether a disabled subaccount still answers requests made on its behalf; here it does.
    # UNCONFIRMED: the 400 for disabling a disabled subaccount; no recording has one.
    return _set_status(store, req.params[0], "disabled", "subaccount is already disabled")


def enable_subaccount(store: Store, req: Request) -> dict[str, Any]:
    # Enabling an open subaccount is no error: live Mailgun answers 200 with the subaccount, still open
    # (mailgun-ruby vcr_cassettes/subaccounts.yml: GET shows "open", then POST .../enable answers 200).
    return _set_status(store, req.params[0], "open", None)


def delete_subaccount(store: Store, req: Request) -> dict[str, Any]:
    if store.parent is None or store.account_id is None:
        raise HttpError(400, "Bad request")  # no X-Mailgun-On-Behalf-Of: nothing named to delete
    del store.parent.subaccounts[store.account_id]
    return {"message": "Subaccount successfully deleted"}


ENDPOINTS = (
    Endpoint("GET", "/v5/accounts/subaccounts", list_subaccounts, GO),
    Endpoint("POST", "/v5/accounts/subaccounts", create_subaccount, GO),
    Endpoint("DELETE", "/v5/accounts/subaccounts", delete_subaccount, GO),
    Endpoint("GET", "/v5/accounts/subaccounts/{id}", get_subaccount, GO),
    Endpoint("POST", "/v5/accounts/subaccounts/{id}/disable", disable_subaccount, GO),
    Endpoint("POST", "/v5/accounts/subaccounts/{id}/enable", enable_subaccount, GO),
)
