"""Mailing list members (``/v3/lists/{l}/members…``, mailgun-api.md §7.3): CRUD, ``/members/pages``
(address pivot), the legacy skip/limit listing (max 100), and bulk ``members.json`` / ``members.csv``.

Bulk uploads over 100 entries answer "upload started in background" but are applied synchronously.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from mgsync import jsontext
from mgsync.emulator import records
from mgsync.emulator.lists import _address, find_list, view
from mgsync.emulator.paging import LISTS as LIST_PAGING
from mgsync.emulator.paging import limit_arg, paging_urls, pivot_window, skip_limit_page
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import LISTS, Endpoint, HttpError, Request, opt_bool, to_bool

LIST_NOT_FOUND = "Mailing list '{}' not found"
MAX_BULK = 1000
MAX_CSV_BYTES = 5 * 1024 * 1024


def _table(store: Store, req: Request) -> tuple[dict[str, Any], Table]:
    rec = find_list(store, req.params[0], LIST_NOT_FOUND)
    return rec, store.member_table(rec["address"])


def _find(table: Table, req: Request) -> dict[str, Any]:
    member = table.get(req.params[1])
    if member is None:
        raise HttpError(404, f"Member {req.params[1]} of mailing list {req.params[0]} not found")
    return member


def _vars(raw: Any) -> dict[str, Any]:
    value = raw
    if isinstance(raw, str):
        try:
            value = jsontext.loads(raw) if raw.strip() else {}
        except ValueError:
            raise HttpError(400, "Invalid vars: must be a valid JSON object") from None
    if not isinstance(value, dict):
        raise HttpError(400, "Invalid vars: must be a valid JSON object")
    return value


def _selected(table: Table, req: Request) -> list[str]:
    keys = table.sorted_keys()
    subscribed = opt_bool(req, "subscribed")
    if subscribed is None:
        return keys
    return [k for k in keys if table.rows[k]["subscribed"] is subscribed]


def member_pages(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    limit = limit_arg(req)
    keys = _selected(table, req)
    rows = [table.rows[k] for k in pivot_window(keys, req, LIST_PAGING, limit)]
    first, last = (rows[0]["address"], rows[-1]["address"]) if rows else (None, None)
    subscribed = req.query.get("subscribed")
    tail = (("subscribed", subscribed),) if subscribed is not None else ()
    return {
        "items": [dict(r) for r in rows],
        "paging": paging_urls(req, LIST_PAGING, first, last, limit, tail, empty=not keys),
    }


def member_legacy(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    keys = _selected(table, req)
    if address := req.query.get("address"):
        keys = [k for k in keys if k == address.lower()]
    return skip_limit_page([table.rows[k] for k in keys], req, maximum=100)


def get_member(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    return {"member": dict(_find(table, req))}


def _apply(member: dict[str, Any], name: str | None, vars_raw: Any, subscribed: bool | None) -> None:
    if name is not None:
        member["name"] = name
    if vars_raw is not None:
        member["vars"] = _vars(vars_raw)
    if subscribed is not None:
        member["subscribed"] = subscribed


def add_member(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    display, address = _address(req.arg("address"))
    existing = table.get(address)
    upsert = opt_bool(req, "upsert") or False
    if existing is not None and not upsert:
        raise HttpError(400, f"Address already exists '{address}'")
    vars_raw = req.arg("vars")
    changes = (req.arg("name"), None if vars_raw is None else _vars(vars_raw), opt_bool(req, "subscribed"))
    member = existing or records.member(address, display)
    _apply(member, *changes)
    table.put(address, member)
    return {"member": dict(member), "message": "Mailing list member has been created"}


def update_member(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    member = _find(table, req)
    vars_raw = req.arg("vars")
    changes = (req.arg("name"), None if vars_raw is None else _vars(vars_raw), opt_bool(req, "subscribed"))
    if (raw := req.arg("address")) is not None:
        _, address = _address(raw)
        if address.lower() != member["address"].lower():
            if table.get(address) is not None:
                raise HttpError(400, f"Address already exists '{address}'")
            table.pop(member["address"])
        member["address"] = address
        table.put(address, member)
    _apply(member, *changes)
    return {"member": dict(member), "message": "Mailing list member has been updated"}


def delete_member(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    member = _find(table, req)
    table.pop(member["address"])
    return {"member": {"address": member["address"]}, "message": "Mailing list member has been deleted"}


def _upload(
    store: Store, lst: dict[str, Any], table: Table, entries: list[dict[str, Any]], upsert: bool
) -> dict[str, Any]:
    if len(entries) > MAX_BULK:
        raise HttpError(400, f"Too many members in one request: at most {MAX_BULK} are allowed")
    parsed = []  # validate everything before changing anything
    for entry in entries:
        display, address = _address(entry.get("address"))
        subscribed = entry.get("subscribed")
        parsed.append(
            (
                display,
                address,
                entry.get("name"),
                None if entry.get("vars") is None else _vars(entry["vars"]),
                None if subscribed is None else to_bool(subscribed, "subscribed"),
            )
        )
    for display, address, name, vars_, subscribed in parsed:
        existing = table.get(address)
        if existing is not None and not upsert:
            continue  # upsert=no ignores duplicates (§7.3)
        member = existing or records.member(address, display)
        _apply(member, name, vars_, subscribed)
        table.put(address, member)
    store.seq += 1
    message = "Mailing list upload started in background" if len(entries) > 100 else "Mailing list has been updated"
    return {"list": view(store, lst), "message": message, "task-id": f"{store.seq:032x}"}


def upload_json(store: Store, req: Request) -> dict[str, Any]:
    lst, table = _table(store, req)
    raw = req.arg("members")
    data = req.json if raw is None else None
    if raw is not None:
        try:
            data = jsontext.loads(raw)
        except ValueError:
            raise HttpError(400, "Invalid 'members' parameter: it must be a JSON array") from None
    if not isinstance(data, list):
        raise HttpError(400, "Missing mandatory parameter: members")
    entries = [{"address": e} if isinstance(e, str) else e for e in data]
    if not all(isinstance(e, dict) for e in entries):
        raise HttpError(400, "Invalid 'members' parameter: items must be addresses or objects")
    return _upload(store, lst, table, entries, opt_bool(req, "upsert") or False)


def upload_csv(store: Store, req: Request) -> dict[str, Any]:
    lst, table = _table(store, req)
    content = req.files.get("members")
    if content is None:
        raise HttpError(400, "Missing mandatory parameter: members")
    if len(content) > MAX_CSV_BYTES:
        raise HttpError(400, "CSV file is too big, max allowed size is 5 MB")
    default_subscribed = opt_bool(req, "subscribed")
    entries = []
    for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig"))):
        entry: dict[str, Any] = {"address": (row.get("address") or "").strip()}
        for name in ("name", "vars", "subscribed"):
            if row.get(name):
                entry[name] = row[name]
        if "subscribed" not in entry and default_subscribed is not None:
            entry["subscribed"] = default_subscribed
        entries.append(entry)
    return _upload(store, lst, table, entries, opt_bool(req, "upsert") or False)


ENDPOINTS = (
    Endpoint("GET", "/v3/lists/{address}/members/pages", member_pages, LISTS),
    Endpoint("GET", "/v3/lists/{address}/members", member_legacy, LISTS),
    Endpoint("POST", "/v3/lists/{address}/members", add_member, LISTS),
    Endpoint("POST", "/v3/lists/{address}/members.json", upload_json, LISTS),
    Endpoint("POST", "/v3/lists/{address}/members.csv", upload_csv, LISTS),
    Endpoint("GET", "/v3/lists/{address}/members/{member}", get_member, LISTS),
    Endpoint("PUT", "/v3/lists/{address}/members/{member}", update_member, LISTS),
    Endpoint("DELETE", "/v3/lists/{address}/members/{member}", delete_member, LISTS),
)
