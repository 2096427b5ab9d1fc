"""Routes (account-level ``/v3/routes``, mailgun-api.md §4). PUT answers the flat route plus
``message`` (not wrapped, unlike the published spec's example).

List order is undocumented; we list by priority, then creation (the order routes are evaluated in).
Expressions and actions are stored as sent, never checked beyond presence: Mailgun stored
``forward(".*@")`` (mailgun-ruby vcr_cassettes/routes.yml, 27 Jan 2025) and
``match_recipient('^+?d+@me')`` (mailgun-ruby issue #357), so it does not validate them either.
"""

from __future__ import annotations

import re
from typing import Any

from mgsync.emulator import records
from mgsync.emulator.paging import skip_limit_page
from mgsync.emulator.store import Store
from mgsync.emulator.wire import PLAIN, Endpoint, HttpError, Request

NOT_FOUND = "Route not found"


def _find(store: Store, route_id: str) -> dict[str, Any]:
    rec = store.routes.get(route_id)
    if rec is None:
        raise HttpError(404, NOT_FOUND)
    return rec


def _priority(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise HttpError(400, f"Invalid priority value: '{value}'") from None


def _ordered(store: Store) -> list[dict[str, Any]]:
    return sorted(store.routes.values(), key=lambda r: (r["priority"], r["_seq"]))


def list_routes(store: Store, req: Request) -> dict[str, Any]:
    page = skip_limit_page(_ordered(store), req)
    page["items"] = [records.public(r) for r in page["items"]]
    return page


def get_route(store: Store, req: Request) -> dict[str, Any]:
    return {"route": records.public(_find(store, req.params[0]))}


def create_route(store: Store, req: Request) -> dict[str, Any]:
    expression = req.arg("expression")
    if not expression:
        raise HttpError(400, "Missing mandatory parameter: expression")
    actions = req.form.getall("action") or req.query.getall("action")
    if not actions:
        raise HttpError(400, "Missing mandatory parameter: action")
    rec = records.route(
        store.clock(),
        store.next_seq(),
        store.salt,
        expression,
        actions,
        _priority(req.arg("priority") or "0"),
        req.arg("description") or "",
    )
    store.routes[rec["id"]] = rec
    return {"message": "Route has been created", "route": records.public(rec)}


def update_route(store: Store, req: Request) -> dict[str, Any]:
    rec = _find(store, req.params[0])
    if (priority := req.arg("priority")) is not None:
        rec["priority"] = _priority(priority)
    for name in ("description", "expression"):
        if (value := req.arg(name)) is not None:
            rec[name] = value
    if actions := req.form.getall("action") or req.query.getall("action"):
        rec["actions"] = actions
    return {**records.public(rec), "message": "Route has been updated"}


def delete_route(store: Store, req: Request) -> dict[str, Any]:
    rec = _find(store, req.params[0])
    del store.routes[rec["id"]]
    return {"id": rec["id"], "message": "Route has been deleted"}


def match_route(store: Store, req: Request) -> dict[str, Any]:
    address = req.query.get("address") or ""
    for rec in _ordered(store):
        if _matches(rec["expression"], address):
            return {"route": records.public(rec)}
    raise HttpError(404, NOT_FOUND)


# A quoted argument: Mailgun's own tests and the OpenAPI examples write single quotes
# (``match_recipient('.*@example.com')``, mailgun-python tests/integration), the Go SDK double.
_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_FILTER = re.compile(
    rf"\s*(?:(catch_all)\(\s*\)|match_recipient\(\s*{_STRING}\s*\)|match_header\(\s*{_STRING}\s*,\s*{_STRING}\s*\))\s*",
    re.IGNORECASE,
)
_JOIN = re.compile(r"\s*(and|or)\b", re.IGNORECASE)
_OPEN, _CLOSE = re.compile(r"\s*\("), re.compile(r"\s*\)\s*")
_NOT = re.compile(r"\s*not\b", re.IGNORECASE)


def _matches(expression: str, address: str) -> bool:
    """Whether a recipient matches: filters joined by ``and``/``or`` (``and`` binds tighter), grouped
    by parentheses (working code posts ``(match_recipient(…) and match_header(…))``), negated by an
    undocumented ``not``;
    ``match_header`` never matches an address alone. Unparsable expressions match nothing."""
    found = _sequence(expression, 0, address)
    return found is not None and found[1] == len(expression) and found[0]


def _sequence(expression: str, pos: int, address: str) -> tuple[bool, int] | None:
    """(value, end) of terms joined by and/or from ``pos``; None when unparsable."""
    alternatives: list[bool] = []
    current = True
    while True:
        term = _term(expression, pos, address)
        if term is None:
            return None
        current, pos = current and term[0], term[1]
        join = _JOIN.match(expression, pos)
        if not join:
            return any([*alternatives, current]), pos
        if join.group(1).lower() == "or":
            alternatives, current = [*alternatives, current], True
        pos = join.end()


def _term(expression: str, pos: int, address: str) -> tuple[bool, int] | None:
    if negated := _NOT.match(expression, pos):  # undocumented; read as Python reads it
        inner = _term(expression, negated.end(), address)
        return (not inner[0], inner[1]) if inner is not None else None
    if opened := _OPEN.match(expression, pos):
        inner = _sequence(expression, opened.end(), address)
        closed = _CLOSE.match(expression, inner[1]) if inner is not None else None
        return (inner[0], closed.end()) if inner is not None and closed else None
    found = _FILTER.match(expression, pos)
    return (_filter_matches(found, address), found.end()) if found else None


def _filter_matches(found: re.Match[str], address: str) -> bool:
    if found.group(1):
        return True
    if found.group(2) is None:
        return False  # match_header: no headers to look at
    pattern = re.sub(r"\\([\"'])", r"\1", found.group(2)[1:-1])
    try:
        return re.match(pattern, address) is not None
    except re.error:
        return False


ENDPOINTS = (
    Endpoint("GET", "/v3/routes", list_routes, PLAIN),
    Endpoint("POST", "/v3/routes", create_route, PLAIN),
    Endpoint("GET", "/v3/routes/match", match_route, PLAIN),
    Endpoint("GET", "/v3/routes/{id}", get_route, PLAIN),
    Endpoint("PUT", "/v3/routes/{id}", update_route, PLAIN),
    Endpoint("DELETE", "/v3/routes/{id}", delete_route, PLAIN),
)
