"""Templates and their versions: ``/v3/{d}/templates…`` (mailgun-api.md §6). Names and tags are
lower-cased; the first version is active automatically and ``active=yes`` deactivates the others;
at most 40 versions per template; ``p=`` pivot paging with limit max 100; camelCase dates.
"""

from __future__ import annotations

import json
from typing import Any

from mgsync.emulator import records
from mgsync.emulator.domains import find_domain
from mgsync.emulator.paging import TEMPLATES, limit_arg, paging_urls, pivot_window
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, opt_bool

MAX_VERSIONS = 40
MAX_LIMIT = 100
LIST_FIELDS = ("tag", "engine", "mjml", "createdAt", "comment", "active", "id")


def _domain(store: Store, req: Request) -> str:
    return find_domain(store, req.params[0], "domain not found")["name"]


def _template(store: Store, req: Request) -> tuple[dict[str, Any], Table]:
    domain = _domain(store, req)
    rec = store.templates[domain].get(req.params[1].lower())
    if rec is None:
        raise HttpError(404, "template not found")
    return rec, store.versions[domain].setdefault(rec["name"], Table())


def _version(versions: Table, tag: str) -> dict[str, Any]:
    ver = versions.get(tag.lower())
    if ver is None:
        raise HttpError(404, "template version not found")
    return ver


def _active(versions: Table) -> dict[str, Any] | None:
    return next((v for v in versions.rows.values() if v["active"]), None)


def _headers(req: Request) -> dict[str, str] | None:
    raw = req.arg("headers")
    if raw is None:
        return None
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise HttpError(400, "Invalid headers: must be a JSON object") from None
    if not isinstance(value, dict):
        raise HttpError(400, "Invalid headers: must be a JSON object")
    return value


def _activate(versions: Table, ver: dict[str, Any]) -> None:
    for other in versions.rows.values():
        other["active"] = False
    ver["active"] = True


def _new_version(store: Store, versions: Table, req: Request, content: str, tag: str) -> dict[str, Any]:
    if versions.get(tag) is not None:
        raise HttpError(409, f"version {tag.lower()} already exists")
    if len(versions) >= MAX_VERSIONS:
        raise HttpError(400, f"A template can store up to {MAX_VERSIONS} versions")
    ver = records.version(store.clock(), tag, content, req.arg("engine") or "handlebars",
                          req.arg("comment") or "", _headers(req))
    if not len(versions) or opt_bool(req, "active"):
        _activate(versions, ver)
    versions.put(ver["tag"], ver)
    return ver


def list_templates(store: Store, req: Request) -> dict[str, Any]:
    domain = _domain(store, req)
    table, limit = store.templates[domain], limit_arg(req, MAX_LIMIT, MAX_LIMIT)
    keys = table.sorted_keys()
    rows = [table.rows[k] for k in pivot_window(keys, req, TEMPLATES, limit)]
    items = [dict(r) for r in rows]
    if opt_bool(req, "active"):
        for item in items:
            active = _active(store.versions[domain].get(item["name"]) or Table())
            if active is not None:
                item["version"] = dict(active)
    first, last = (rows[0]["name"], rows[-1]["name"]) if rows else (None, None)
    return {"items": items, "paging": paging_urls(req, TEMPLATES, first, last, limit, empty=not keys)}


def create_template(store: Store, req: Request) -> dict[str, Any]:
    domain = _domain(store, req)
    name = (req.arg("name") or "").strip().lower()
    if not name:
        raise HttpError(400, "Missing mandatory parameter: name")
    if store.templates[domain].get(name) is not None:
        raise HttpError(409, f"template {name} already exists")
    _headers(req)  # validate before storing anything
    rec = records.template(store.clock(), name, req.arg("description") or "", req.arg("createdBy") or "")
    versions = Table()
    out = dict(rec)
    content = req.arg("template")
    if content is not None:
        out["version"] = dict(_new_version(store, versions, req, content, req.arg("tag") or "initial"))
    store.templates[domain].put(name, rec)
    store.versions[domain][name] = versions
    return {"message": "template has been stored", "template": out}


def get_template(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    out = dict(rec)
    if opt_bool(req, "active") and (active := _active(versions)) is not None:
        out["version"] = dict(active)
    return {"template": out}


def update_template(store: Store, req: Request) -> dict[str, Any]:
    rec, _ = _template(store, req)
    description = req.arg("description")
    if description is None:
        raise HttpError(400, "No fields are provided to update")
    rec["description"] = description
    return {"message": "template has been updated", "template": {"name": rec["name"]}}


def delete_template(store: Store, req: Request) -> dict[str, Any]:
    rec, _ = _template(store, req)
    domain = _domain(store, req)
    store.templates[domain].pop(rec["name"])
    store.versions[domain].pop(rec["name"], None)
    return {"message": "template has been deleted", "template": {"name": rec["name"]}}


def delete_templates(store: Store, req: Request) -> dict[str, Any]:
    domain = _domain(store, req)
    store.templates[domain].clear()
    store.versions[domain].clear()
    return {"message": "templates have been deleted"}


def list_versions(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    limit = limit_arg(req, MAX_LIMIT, MAX_LIMIT)
    keys = versions.sorted_keys()
    rows = [versions.rows[k] for k in pivot_window(keys, req, TEMPLATES, limit)]
    first, last = (rows[0]["tag"], rows[-1]["tag"]) if rows else (None, None)
    items = [{f: v[f] for f in LIST_FIELDS} for v in rows]  # listings omit content and headers
    return {"template": {**rec, "versions": items},
            "paging": paging_urls(req, TEMPLATES, first, last, limit, empty=not keys)}


def create_version(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    content, tag = req.arg("template"), req.arg("tag")
    if content is None:
        raise HttpError(400, "Missing mandatory parameter: template")
    if not tag:
        raise HttpError(400, "Missing mandatory parameter: tag")
    ver = _new_version(store, versions, req, content, tag)
    return {"message": "new version of the template has been stored", "template": {**rec, "version": dict(ver)}}


def get_version(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    return {"template": {**rec, "version": dict(_version(versions, req.params[2]))}}


def update_version(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    ver = _version(versions, req.params[2])
    headers, active = _headers(req), opt_bool(req, "active")
    for name in ("template", "comment", "engine"):
        if (value := req.arg(name)) is not None:
            ver[name] = value
    if headers is not None:
        ver["headers"] = headers
    if active:
        _activate(versions, ver)
    elif active is False:
        ver["active"] = False
    return {"message": "version has been updated", "template": {"name": rec["name"], "version": {"tag": ver["tag"]}}}


def delete_version(store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(store, req)
    ver = _version(versions, req.params[2])
    versions.pop(ver["tag"])
    return {"message": "version has been deleted", "template": {"name": rec["name"], "version": {"tag": ver["tag"]}}}


def copy_version(store: Store, req: Request) -> dict[str, Any]:
    """Copy a version to ``new_tag`` (overwriting an existing one); the copy is not active."""
    _, versions = _template(store, req)
    source = _version(versions, req.params[2])
    new_tag = req.params[3].lower()
    existing = versions.get(new_tag)
    if existing is None and len(versions) >= MAX_VERSIONS:
        raise HttpError(400, f"A template can store up to {MAX_VERSIONS} versions")
    comment = req.query.get("comment")
    ver = records.version(store.clock(), new_tag, source["template"], source["engine"],
                          source["comment"] if comment is None else comment, source["headers"],
                          active=bool(existing and existing["active"]))
    versions.put(new_tag, ver)
    return {"message": "version has been copied", "version": dict(ver), "template": dict(ver)}


BASE = "/v3/{domain}/templates"
ENDPOINTS = (
    Endpoint("GET", BASE, list_templates, GO),
    Endpoint("POST", BASE, create_template, GO),
    Endpoint("DELETE", BASE, delete_templates, GO),
    Endpoint("GET", f"{BASE}/{{name}}", get_template, GO),
    Endpoint("PUT", f"{BASE}/{{name}}", update_template, GO),
    Endpoint("DELETE", f"{BASE}/{{name}}", delete_template, GO),
    Endpoint("GET", f"{BASE}/{{name}}/versions", list_versions, GO),
    Endpoint("POST", f"{BASE}/{{name}}/versions", create_version, GO),
    Endpoint("GET", f"{BASE}/{{name}}/versions/{{tag}}", get_version, GO),
    Endpoint("PUT", f"{BASE}/{{name}}/versions/{{tag}}", update_version, GO),
    Endpoint("DELETE", f"{BASE}/{{name}}/versions/{{tag}}", delete_version, GO),
    Endpoint("PUT", f"{BASE}/{{name}}/versions/{{tag}}/copy/{{new_tag}}", copy_version, GO),
)
