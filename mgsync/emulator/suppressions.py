"""Suppressions per domain: ``/v3/{d}/bounces|unsubscribes|complaints|whitelists`` (mailgun-api.md §8).

One set of handlers serves the four tables; ``suppression_kinds.KINDS`` holds what differs (messages,
record fields). Lists are sorted by address with ``address=`` pivot paging URLs and a ``term`` prefix.
"""

from __future__ import annotations

from typing import Any

from mgsync.emulator.domains import find_domain
from mgsync.emulator.paging import SUPPRESSIONS, limit_arg, paging_urls, pivot_window, prefix_range
from mgsync.emulator.store import Store, Table
from mgsync.emulator.suppression_kinds import KINDS, Kind, parse_csv
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request

# "Batch size should be less than 1000" (the OpenAPI's 400 for each table's bulk add), though its text
# says "up to 1000"; mailgun-ruby splits lists at 999 (suppressions.rb). 1,000 is refused: the
# boundary is UNCONFIRMED live, and the stricter reading is the one a client can rely on.
MAX_BATCH = 999


def _table(store: Store, req: Request) -> tuple[Kind, Table]:
    rec = find_domain(store, req.params[0], f"Domain not found: {req.params[0]}")
    kind = KINDS[req.path.strip("/").split("/")[2]]
    return kind, store.suppression_table(rec["name"], kind.name)


def _find(kind: Kind, table: Table, key: str) -> dict[str, Any]:
    rec = table.get(key)
    if rec is None:
        raise HttpError(404, kind.not_found)
    return rec


def list_items(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    limit = limit_arg(req)
    term = req.query.get("term") or ""
    keys = table.sorted_keys()
    lo, hi = prefix_range(keys, term)
    rows = [table.rows[k] for k in pivot_window(keys, req, SUPPRESSIONS, limit, lo, hi)]
    field = "value" if rows and "value" in rows[0] else "address"
    first, last = (rows[0][field], rows[-1][field]) if rows else (None, None)
    return {
        "items": [dict(r) for r in rows],
        "paging": paging_urls(req, SUPPRESSIONS, first, last, limit, (("term", term),), empty=lo >= hi),
    }


def get_item(store: Store, req: Request) -> dict[str, Any]:
    kind, table = _table(store, req)
    return dict(_find(kind, table, req.params[1]))


def _store_all(kind: Kind, table: Table, parsed: list[tuple[str, dict[str, Any]]]) -> None:
    for key, rec in parsed:
        table.put(key, kind.merge(table.get(key), rec))


def add_items(store: Store, req: Request) -> Any:
    kind, table = _table(store, req)
    now = store.clock()
    if isinstance(req.json, list) and kind.bulk_message:
        if len(req.json) > MAX_BATCH:
            raise HttpError(400, "Batch size should be less than 1000")
        if not all(isinstance(item, dict) for item in req.json):
            raise HttpError(400, "Invalid JSON: expected an array of objects")
        parsed = [kind.parse(now, item) for item in req.json]
        _store_all(kind, table, parsed)
        return {"message": kind.bulk_message.format(n=len(parsed))}
    if req.json is not None:  # JSON bodies are for bulk arrays only (§1.3)
        raise HttpError(400, "Invalid JSON: expected an array of objects")
    item = {k: v for k, v in req.form.pairs if k not in kind.form_ignores}
    key, rec = kind.parse(now, item)
    _store_all(kind, table, [(key, rec)])
    stored = table.get(key)
    assert stored is not None  # stored just above
    return kind.added(stored)


def import_csv(store: Store, req: Request) -> Any:
    kind, table = _table(store, req)
    content = req.files.get("file")
    if content is None:
        raise HttpError(400, "Missing mandatory parameter: file")
    rows = parse_csv(content)
    _store_all(kind, table, [kind.parse(store.clock(), row) for row in rows])
    return 202, {"message": "file uploaded successfully for processing. standby..."}


def delete_item(store: Store, req: Request) -> dict[str, Any]:
    kind, table = _table(store, req)
    rec = _find(kind, table, req.params[1])
    tag = req.query.get("tag") if kind.name == "unsubscribes" else None
    if tag:  # remove one tag only (§8.2); the record goes when no tag is left
        if tag not in rec["tags"]:
            raise HttpError(404, "Unsubscribe event for this tag does not exist")
        rec["tags"] = [t for t in rec["tags"] if t != tag]
        if rec["tags"]:
            return kind.removed(rec)
    table.pop(req.params[1])
    return kind.removed(rec)


def delete_all(store: Store, req: Request) -> dict[str, Any]:
    kind, table = _table(store, req)
    table.clear()
    return {"message": kind.removed_all}


def _endpoints() -> tuple[Endpoint, ...]:
    out: list[Endpoint] = []
    for name in KINDS:
        base = f"/v3/{{domain}}/{name}"
        out += [
            Endpoint("GET", base, list_items, GO),
            Endpoint("POST", base, add_items, GO),
            Endpoint("DELETE", base, delete_all, GO),
            Endpoint("POST", f"{base}/import", import_csv, GO),
            Endpoint("GET", f"{base}/{{address}}", get_item, GO),
            Endpoint("DELETE", f"{base}/{{address}}", delete_item, GO),
        ]
    return tuple(out)


ENDPOINTS = _endpoints()
