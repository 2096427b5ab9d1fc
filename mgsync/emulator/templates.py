"""Templates and their versions: ``/v3/{d}/templates…`` (mailgun-api.md §6). Names and tags are
lower-cased; the first version is active automatically and ``active=yes`` deactivates the others;
at most 40 versions per template; ``p=`` pivot paging with limit max 100; camelCase dates.

The handlers are a core over a ``Space`` (where one set of templates lives, and the rules that differ
between API versions); ``endpoints()`` mounts them under a base path. Domain templates are mounted
here; account templates (``/v4/templates``) mount the same core from ``account_templates``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from mgsync import handlebars, jsontext
from mgsync.emulator import records
from mgsync.emulator.domains import find_domain
from mgsync.emulator.paging import TEMPLATES, limit_arg, paging_urls, pivot_window
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, opt_bool

MAX_VERSIONS = 40
MAX_LIMIT = 100
LIST_FIELDS = ("tag", "engine", "mjml", "createdAt", "comment", "active", "id")


@dataclass(frozen=True)
class Rules:
    """What differs between the template APIs."""

    max_templates: int | None = None  # None: no cap enforced
    copy_overwrites: bool = True  # v3 copy overwrites an existing tag; v4 "will fail"


@dataclass(frozen=True)
class Space:
    """One set of templates: their table, their versions by template name, the request's path
    arguments after the container (name, tag, new tag) and the API's rules."""

    templates: Table
    versions: dict[str, Table]
    args: tuple[str, ...]
    rules: Rules


Locate = Callable[[Store, Request], Space]
V3 = Rules()


def _domain_space(store: Store, req: Request) -> Space:
    domain = find_domain(store, req.params[0], "domain not found")["name"]
    return Space(store.templates[domain], store.versions[domain], req.params[1:], V3)


def _template(space: Space) -> tuple[dict[str, Any], Table]:
    rec = space.templates.get(space.args[0].lower())
    if rec is None:
        raise HttpError(404, "template not found")
    return rec, space.versions.setdefault(rec["name"], Table())


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
        value = jsontext.loads(raw) if raw.strip() else {}
    except ValueError:
        raise HttpError(400, "Invalid headers: must be a JSON object") from None
    if not isinstance(value, dict):
        raise HttpError(400, "Invalid headers: must be a JSON object")
    return value


def activate(versions: Table, ver: dict[str, Any]) -> None:
    for other in versions.rows.values():
        other["active"] = False
    ver["active"] = True


def _parsed(content: str, engine: str) -> None:
    """Refuse a Handlebars body that does not parse (``handlebars.mailgun``). UNCONFIRMED: that
    Mailgun answers 400 here, and its text; no recording uploads a broken template. A body that
    parses but names a helper Mailgun lacks is stored, as Mailgun stores any text it can parse."""
    if engine.lower() != "handlebars":
        return
    error = handlebars.check(content).error
    if error is not None:
        line, col = handlebars.position(content, error.offset)
        shown = error.describe(lambda offset: "{}:{}".format(*handlebars.position(content, offset)))
        raise HttpError(400, f"template is not valid Handlebars: line {line}, column {col}: {shown}")


def _new_version(store: Store, versions: Table, req: Request, content: str, tag: str) -> dict[str, Any]:
    _parsed(content, req.arg("engine") or "handlebars")
    if versions.get(tag) is not None:
        raise HttpError(409, f"version {tag.lower()} already exists")
    if len(versions) >= MAX_VERSIONS:
        raise HttpError(400, f"A template can store up to {MAX_VERSIONS} versions")
    ver = records.version(
        store.clock(), tag, content, req.arg("engine") or "handlebars", req.arg("comment") or "", _headers(req)
    )
    if not len(versions) or opt_bool(req, "active"):
        activate(versions, ver)
    versions.put(ver["tag"], ver)
    return ver


def list_templates(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    table, limit = space.templates, limit_arg(req, MAX_LIMIT, MAX_LIMIT)
    keys = table.sorted_keys()
    rows = [table.rows[k] for k in pivot_window(keys, req, TEMPLATES, limit)]
    items = [dict(r) for r in rows]
    if opt_bool(req, "active"):
        for item in items:
            active = _active(space.versions.get(item["name"]) or Table())
            if active is not None:
                item["version"] = dict(active)
    first, last = (rows[0]["name"], rows[-1]["name"]) if rows else (None, None)
    return {"items": items, "paging": paging_urls(req, TEMPLATES, first, last, limit, empty=not keys)}


def create_template(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    name = (req.arg("name") or "").strip().lower()
    if not name:
        raise HttpError(400, "Missing mandatory parameter: name")
    if space.templates.get(name) is not None:
        raise HttpError(409, f"template {name} already exists")
    cap = space.rules.max_templates
    if cap is not None and len(space.templates) >= cap:
        # UNCONFIRMED: the status and text for the 101st template (documented limit only)
        raise HttpError(400, f"A maximum of {cap} templates is allowed")
    _headers(req)  # validate before storing anything
    rec = records.template(store.clock(), name, req.arg("description") or "", req.arg("createdBy") or "")
    versions = Table()
    out = dict(rec)
    content = req.arg("template")
    if content is not None:
        out["version"] = dict(_new_version(store, versions, req, content, req.arg("tag") or "initial"))
    space.templates.put(name, rec)
    space.versions[name] = versions
    return {"message": "template has been stored", "template": out}


def get_template(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(locate(store, req))
    out = dict(rec)
    if opt_bool(req, "active") and (active := _active(versions)) is not None:
        out["version"] = dict(active)
    return {"template": out}


def update_template(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    rec, _ = _template(locate(store, req))
    description = req.arg("description")
    if description is None:
        raise HttpError(400, "No fields are provided to update")
    rec["description"] = description
    return {"message": "template has been updated", "template": {"name": rec["name"]}}


def delete_template(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    rec, _ = _template(space)
    space.templates.pop(rec["name"])
    space.versions.pop(rec["name"], None)
    return {"message": "template has been deleted", "template": {"name": rec["name"]}}


def delete_templates(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    space.templates.clear()
    space.versions.clear()
    return {"message": "templates have been deleted"}


def list_versions(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(locate(store, req))
    limit = limit_arg(req, MAX_LIMIT, MAX_LIMIT)
    keys = versions.sorted_keys()
    rows = [versions.rows[k] for k in pivot_window(keys, req, TEMPLATES, limit)]
    first, last = (rows[0]["tag"], rows[-1]["tag"]) if rows else (None, None)
    items = [{f: v[f] for f in LIST_FIELDS} for v in rows]  # listings omit content and headers
    return {
        "template": {**rec, "versions": items},
        "paging": paging_urls(req, TEMPLATES, first, last, limit, empty=not keys),
    }


def create_version(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    rec, versions = _template(locate(store, req))
    content, tag = req.arg("template"), req.arg("tag")
    if content is None:
        raise HttpError(400, "Missing mandatory parameter: template")
    if not tag:
        raise HttpError(400, "Missing mandatory parameter: tag")
    ver = _new_version(store, versions, req, content, tag)
    return {"message": "new version of the template has been stored", "template": {**rec, "version": dict(ver)}}


def get_version(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    rec, versions = _template(space)
    return {"template": {**rec, "version": dict(_version(versions, space.args[1]))}}


def update_version(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    rec, versions = _template(space)
    ver = _version(versions, space.args[1])
    headers, active = _headers(req), opt_bool(req, "active")
    if (content := req.arg("template")) is not None:
        _parsed(content, req.arg("engine") or ver["engine"])
    for name in ("template", "comment", "engine"):
        if (value := req.arg(name)) is not None:
            ver[name] = value
    if headers is not None:
        ver["headers"] = headers
    if active:
        activate(versions, ver)
    elif active is False:
        ver["active"] = False
    return {"message": "version has been updated", "template": {"name": rec["name"], "version": {"tag": ver["tag"]}}}


def delete_version(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    space = locate(store, req)
    rec, versions = _template(space)
    ver = _version(versions, space.args[1])
    versions.pop(ver["tag"])
    return {"message": "version has been deleted", "template": {"name": rec["name"], "version": {"tag": ver["tag"]}}}


def copy_version(locate: Locate, store: Store, req: Request) -> dict[str, Any]:
    """Copy a version to ``new_tag`` (v3: overwriting an existing one; v4 refuses); the copy is not active."""
    space = locate(store, req)
    _, versions = _template(space)
    source = _version(versions, space.args[1])
    new_tag = space.args[2].lower()
    existing = versions.get(new_tag)
    if existing is not None and not space.rules.copy_overwrites:
        # UNCONFIRMED: v4 documents only that the copy "will fail"; 409 as for creating a duplicate tag
        raise HttpError(409, f"version {new_tag} already exists")
    if existing is None and len(versions) >= MAX_VERSIONS:
        raise HttpError(400, f"A template can store up to {MAX_VERSIONS} versions")
    comment = req.query.get("comment")
    ver = records.version(
        store.clock(),
        new_tag,
        source["template"],
        source["engine"],
        source["comment"] if comment is None else comment,
        source["headers"],
        active=bool(existing and existing["active"]),
    )
    versions.put(new_tag, ver)
    return {"message": "version has been copied", "version": dict(ver), "template": dict(ver)}


def endpoints(base: str, locate: Locate) -> tuple[Endpoint, ...]:
    """The template endpoints under ``base``, acting on the space ``locate`` finds for a request."""

    def ep(method: str, suffix: str, handler: Callable[..., Any]) -> Endpoint:
        return Endpoint(method, base + suffix, partial(handler, locate), GO)

    return (
        ep("GET", "", list_templates),
        ep("POST", "", create_template),
        ep("DELETE", "", delete_templates),
        ep("GET", "/{name}", get_template),
        ep("PUT", "/{name}", update_template),
        ep("DELETE", "/{name}", delete_template),
        ep("GET", "/{name}/versions", list_versions),
        ep("POST", "/{name}/versions", create_version),
        ep("GET", "/{name}/versions/{tag}", get_version),
        ep("PUT", "/{name}/versions/{tag}", update_version),
        ep("DELETE", "/{name}/versions/{tag}", delete_version),
        ep("PUT", "/{name}/versions/{tag}/copy/{new_tag}", copy_version),
    )


ENDPOINTS = endpoints("/v3/{domain}/templates", _domain_space)
