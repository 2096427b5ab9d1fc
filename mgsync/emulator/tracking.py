"""Domain tracking settings: ``/v3/domains/{d}/tracking`` GET and PUT open/click/unsubscribe
(mailgun-api.md §3). PUT echoes only the changed section; click ``active`` may be the string
``"htmlonly"``.
"""

from __future__ import annotations

from typing import Any

from mgsync.emulator.domains import find_domain
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, to_bool

UPDATED = "Domain tracking settings have been updated"


def get_tracking(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    t = store.tracking[rec["name"]]
    return {
        "tracking": {
            "open": dict(t["open"]),
            "click": dict(t["click"]),
            "unsubscribe": dict(t["unsubscribe"]),
            "web_scheme": rec["web_scheme"],
        }
    }


def _active(req: Request, allow_htmlonly: bool = False) -> bool | str | None:
    value = req.arg("active")
    if value is None:
        return None
    if allow_htmlonly and value.strip().lower() == "htmlonly":
        return "htmlonly"
    return to_bool(value, "active")


def put_open(store: Store, req: Request) -> dict[str, Any]:
    section = store.tracking[find_domain(store, req.params[0])["name"]]["open"]
    active, top = _active(req), req.arg("place_at_the_top")
    top_value = None if top is None else to_bool(top, "place_at_the_top")
    if active is not None:
        section["active"] = active
    if top_value is not None:
        section["place_at_the_top"] = top_value
    return {"message": UPDATED, "open": dict(section)}


def put_click(store: Store, req: Request) -> dict[str, Any]:
    section = store.tracking[find_domain(store, req.params[0])["name"]]["click"]
    active = _active(req, allow_htmlonly=True)
    if active is None:
        raise HttpError(400, "Missing mandatory parameter: active")
    section["active"] = active
    return {"message": UPDATED, "click": dict(section)}


def put_unsubscribe(store: Store, req: Request) -> dict[str, Any]:
    section = store.tracking[find_domain(store, req.params[0])["name"]]["unsubscribe"]
    if (active := _active(req)) is not None:
        section["active"] = active
    for name in ("html_footer", "text_footer"):  # omitted = keep current (§3)
        if (value := req.arg(name)) is not None:
            section[name] = value
    return {"message": UPDATED, "unsubscribe": dict(section)}


ENDPOINTS = (
    Endpoint("GET", "/v3/domains/{name}/tracking", get_tracking, GO),
    Endpoint("PUT", "/v3/domains/{name}/tracking/open", put_open, GO),
    Endpoint("PUT", "/v3/domains/{name}/tracking/click", put_click, GO),
    Endpoint("PUT", "/v3/domains/{name}/tracking/unsubscribe", put_unsubscribe, GO),
)
