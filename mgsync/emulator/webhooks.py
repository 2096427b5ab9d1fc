"""Domain webhooks: v3 per event type (``/v3/domains/{d}/webhooks[/{type}]``) and v4 URL-centric
(``/v4/domains/{d}/webhooks``), mailgun-api.md §5. At most 3 URLs per type; unconfigured types are
omitted from the map (live v3 behaviour).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mgsync.emulator.domains import find_domain
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request

EVENTS = (
    "accepted",
    "clicked",
    "complained",
    "delivered",
    "opened",
    "permanent_fail",
    "temporary_fail",
    "unsubscribed",
)
MAX_URLS = 3


def _hooks(store: Store, req: Request) -> dict[str, list[str]]:
    return store.webhooks[find_domain(store, req.params[0])["name"]]


def _event(name: str | None) -> str:
    if not name:
        raise HttpError(400, "Missing parameter 'id'")
    if name not in EVENTS:
        raise HttpError(400, f"Invalid webhook type '{name}'. It can be any of: {', '.join(EVENTS)}")
    return name


def _urls(req: Request, required: bool = True) -> list[str]:
    urls = req.form.getall("url") or req.query.getall("url")
    if not urls and required:
        raise HttpError(400, "Missing parameter 'url'")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(400, f"{url} is not a valid url")
    if len(urls) > MAX_URLS:
        raise HttpError(400, f"Too many URLs: at most {MAX_URLS} URLs are allowed per webhook")
    return list(dict.fromkeys(urls))


def _map(hooks: dict[str, list[str]]) -> dict[str, Any]:
    return {"webhooks": {e: {"urls": list(hooks[e])} for e in sorted(hooks) if hooks[e]}}


def list_webhooks(store: Store, req: Request) -> dict[str, Any]:
    return _map(_hooks(store, req))


def _configured(hooks: dict[str, list[str]], event: str) -> list[str]:
    urls = hooks.get(event)
    if not urls:
        raise HttpError(404, "Webhook not found")
    return urls


def get_webhook(store: Store, req: Request) -> dict[str, Any]:
    return {"webhook": {"urls": list(_configured(_hooks(store, req), req.params[1]))}}


def create_webhook(store: Store, req: Request) -> dict[str, Any]:
    hooks = _hooks(store, req)
    event = _event(req.arg("id"))
    urls = _urls(req)
    if hooks.get(event):  # an existing type must be changed with PUT (§5.1)
        raise HttpError(400, f"Webhook with id '{event}' already exists, use PUT to update it")
    hooks[event] = urls
    return {"message": "Webhook has been created", "webhook": {"urls": list(urls)}}


def update_webhook(store: Store, req: Request) -> dict[str, Any]:
    hooks = _hooks(store, req)
    event = _event(req.params[1])
    _configured(hooks, event)
    hooks[event] = _urls(req)
    return {"message": "Webhook has been updated", "webhook": {"urls": list(hooks[event])}}


def delete_webhook(store: Store, req: Request) -> dict[str, Any]:
    hooks = _hooks(store, req)
    urls = _configured(hooks, req.params[1])
    del hooks[req.params[1]]
    return {"message": "Webhook has been deleted", "webhook": {"urls": list(urls)}}


def _v4_args(req: Request) -> tuple[str, list[str]]:
    url = (_urls(req) or [""])[0]
    types = req.form.getall("event_types") or req.query.getall("event_types")
    if not types:
        raise HttpError(400, "Missing parameter 'event_types'")
    return url, [_event(t) for t in types]


def _check_room(hooks: dict[str, list[str]], url: str, types: list[str]) -> None:
    """Refuse before changing anything if attaching ``url`` would exceed 3 URLs on a type."""
    for event in types:
        urls = hooks.get(event, [])
        if url not in urls and len(urls) >= MAX_URLS:
            raise HttpError(400, f"Too many URLs: at most {MAX_URLS} URLs are allowed per webhook")


def create_v4(store: Store, req: Request) -> dict[str, Any]:
    hooks = _hooks(store, req)
    url, types = _v4_args(req)
    for event in types:
        if url in hooks.get(event, ()):
            raise HttpError(400, f"Webhook for event type '{event}' with URL '{url}' already exists")
    _check_room(hooks, url, types)
    for event in types:
        hooks.setdefault(event, []).append(url)
    return _map(hooks)


def update_v4(store: Store, req: Request) -> dict[str, Any]:
    """Replace the set of event types ``url`` is attached to."""
    hooks = _hooks(store, req)
    url, types = _v4_args(req)
    if not any(url in urls for urls in hooks.values()):
        raise HttpError(404, "Webhook not found")
    _check_room(hooks, url, types)
    for event in EVENTS:
        if url in hooks.get(event, ()) and event not in types:
            hooks[event].remove(url)
    for event in types:
        if url not in hooks.get(event, ()):
            hooks.setdefault(event, []).append(url)
    _prune(hooks)
    return _map(hooks)


def delete_v4(store: Store, req: Request) -> dict[str, Any]:
    hooks = _hooks(store, req)
    raw = req.query.get("url") or req.form.get("url")
    if not raw:
        raise HttpError(400, "Missing parameter 'url'")
    doomed = {u.strip() for u in raw.split(",") if u.strip()}
    for event in list(hooks):
        hooks[event] = [u for u in hooks[event] if u not in doomed]
    _prune(hooks)
    return _map(hooks)


def _prune(hooks: dict[str, list[str]]) -> None:
    for event in [e for e, urls in hooks.items() if not urls]:
        del hooks[event]


ENDPOINTS = (
    Endpoint("GET", "/v3/domains/{name}/webhooks", list_webhooks, GO),
    Endpoint("POST", "/v3/domains/{name}/webhooks", create_webhook, GO),
    Endpoint("GET", "/v3/domains/{name}/webhooks/{type}", get_webhook, GO),
    Endpoint("PUT", "/v3/domains/{name}/webhooks/{type}", update_webhook, GO),
    Endpoint("DELETE", "/v3/domains/{name}/webhooks/{type}", delete_webhook, GO),
    Endpoint("POST", "/v4/domains/{name}/webhooks", create_v4, GO),
    Endpoint("PUT", "/v4/domains/{name}/webhooks", update_v4, GO),
    Endpoint("DELETE", "/v4/domains/{name}/webhooks", delete_v4, GO),
)
