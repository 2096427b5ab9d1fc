"""Mailing lists (account-level ``/v3/lists``, mailgun-api.md §7.1–7.2): create/get/update/delete,
``/v3/lists/pages`` (address pivot, ``page=prev``) and the legacy skip/limit listing.

The lists service pretty-prints JSON with sorted keys and spells dates with ``-0000``. Members live
in ``members.py``.
"""

from __future__ import annotations

from typing import Any

from mgsync.emulator import records
from mgsync.emulator.paging import LISTS as LIST_PAGING
from mgsync.emulator.paging import limit_arg, paging_urls, pivot_window, skip_limit_page
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import LISTS, Endpoint, HttpError, Request

ACCESS_LEVELS = ("readonly", "members", "everyone")
REPLY_PREFERENCES = ("sender", "list")


def find_list(store: Store, address: str, message: str = "Mailing list {} not found") -> dict[str, Any]:
    rec = store.lists.get(address)
    if rec is None:
        raise HttpError(404, message.format(address))
    return rec


def view(store: Store, rec: dict[str, Any]) -> dict[str, Any]:
    return {**rec, "members_count": len(store.member_table(rec["address"]))}


def _fields(req: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("name", "description"):
        if (value := req.arg(name)) is not None:
            out[name] = value
    if (level := req.arg("access_level")) is not None:
        if level not in ACCESS_LEVELS:
            raise HttpError(
                400, f"Invalid access level '{level}'. It can be any of: 'readonly', 'members', 'everyone'."
            )
        out["access_level"] = level
    reply = req.arg("reply_preference") or req.arg("reply_reference")  # the spec's typo, tolerated
    if reply is not None:
        if reply not in REPLY_PREFERENCES:
            raise HttpError(400, f"Invalid reply preference '{reply}'. It can be any of: 'sender', 'list'")
        out["reply_preference"] = reply
    return out


def _address(raw: str | None) -> tuple[str, str]:
    """(display name, address) from ``a@b`` or ``Name <a@b>``."""
    name, address = records.split_address(raw or "")
    if not address or "@" not in address:
        raise HttpError(400, "Missing mandatory parameter: address" if not raw else f"Invalid address '{raw}'")
    return name, address


def create_list(store: Store, req: Request) -> dict[str, Any]:
    display, address = _address(req.arg("address"))
    fields = _fields(req)
    if store.lists.get(address) is not None:
        raise HttpError(400, "Duplicate object")
    fields.setdefault("name", display)
    rec = records.mailing_list(store.clock(), address, fields)
    store.lists.put(address, rec)
    store.member_table(address)
    return {"list": view(store, rec), "message": "Mailing list has been created"}


def list_pages(store: Store, req: Request) -> dict[str, Any]:
    limit = limit_arg(req)
    keys = store.lists.sorted_keys()
    rows = [store.lists.rows[k] for k in pivot_window(keys, req, LIST_PAGING, limit)]
    first, last = (rows[0]["address"], rows[-1]["address"]) if rows else (None, None)
    return {
        "items": [view(store, r) for r in rows],
        "paging": paging_urls(req, LIST_PAGING, first, last, limit, empty=not keys),
    }


def list_legacy(store: Store, req: Request) -> dict[str, Any]:
    rows = [store.lists.rows[k] for k in store.lists.sorted_keys()]
    if address := req.query.get("address"):
        rows = [r for r in rows if r["address"].lower() == address.lower()]
    page = skip_limit_page(rows, req)
    page["items"] = [view(store, r) for r in page["items"]]
    return page


def get_list(store: Store, req: Request) -> dict[str, Any]:
    return {"list": view(store, find_list(store, req.params[0]))}


def update_list(store: Store, req: Request) -> dict[str, Any]:
    rec = find_list(store, req.params[0])
    fields = _fields(req)
    if (new := req.arg("address")) is not None:
        _, new_address = _address(new)
        if new_address.lower() != rec["address"].lower():
            if store.lists.get(new_address) is not None:
                raise HttpError(400, "Duplicate object")
            members = store.members.pop(rec["address"].lower(), Table())
            store.lists.pop(rec["address"])
            store.members[new_address.lower()] = members
        rec["address"] = new_address
        store.lists.put(new_address, rec)
    rec.update(fields)
    return {"list": view(store, rec), "message": "Mailing list has been updated"}


def delete_list(store: Store, req: Request) -> dict[str, Any]:
    rec = find_list(store, req.params[0])
    store.lists.pop(rec["address"])
    store.members.pop(rec["address"].lower(), None)
    return {"address": rec["address"], "message": "Mailing list has been removed"}


ENDPOINTS = (
    Endpoint("POST", "/v3/lists", create_list, LISTS),
    Endpoint("GET", "/v3/lists", list_legacy, LISTS),
    Endpoint("GET", "/v3/lists/pages", list_pages, LISTS),
    Endpoint("GET", "/v3/lists/{address}", get_list, LISTS),
    Endpoint("PUT", "/v3/lists/{address}", update_list, LISTS),
    Endpoint("DELETE", "/v3/lists/{address}", delete_list, LISTS),
)
