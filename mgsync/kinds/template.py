"""Kind ``template``: a stored template and its active version (``template:<domain>/<name>``). §6.

Changed content becomes a new version that is activated; ``keep_versions`` (policy, never sent)
bounds how many versions mgsync leaves behind.
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from mgsync.changes import Change
from mgsync.fingerprint import fingerprint
from mgsync.kinds.base import Kind, Spec, path_quote
from mgsync.shape import BOOL, STR, MapOf, Obj
from mgsync.state import Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

MAX_VERSIONS = 40  # "A template can store up to 40 versions" (mailgun-api.md §6.1)
MAX_TEMPLATE_BYTES = 100 * 1024
HEADER_NAMES = ("From", "Reply-To", "Subject")


class Template(Spec):
    POLICY: ClassVar[frozenset[str]] = frozenset({"keep_versions"})

    description: str = ""
    template: str = ""
    engine: Literal["handlebars", "go"] = "handlebars"
    headers: dict[str, str] = Field(default_factory=dict)
    keep_versions: int = Field(10, ge=1, le=MAX_VERSIONS)


VERSION_FIELDS = ("template", "engine", "headers")


# What reads take from templates and versions (§6.1); the list carries the active version or not.
VERSION = Obj(optional={"tag": STR, "template": STR, "engine": STR, "headers": MapOf(STR)})
ITEM = Obj({"name": STR}, {"description": STR, "version": VERSION})
ONE = Obj({"template": ITEM})
VERSION_ITEM = Obj({"tag": STR}, {"active": BOOL, "createdAt": STR})


class TemplateKind(Kind):
    """Templates: content lives in versions. Changed content becomes a new version, tagged by a
    digest of its content and activated; the oldest inactive versions beyond ``keep_versions`` are
    deleted (Mailgun caps a template at 40 versions, §6.1)."""

    name = "template"
    model = Template

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        base = f"/v3/{path_quote(scope)}/templates"
        items = list(client.iter_pages(base, {"active": "yes"}, limit=100, item=ITEM))
        # The list may carry the active version (active=yes); fetch one by one only what it lacks.
        missing = [item for item in items if "version" not in item]
        fetched = client.map(lambda item: self._one(client, base, item["name"]), missing)
        complete = {item["name"]: item for item in [*items, *fetched]}
        return [self.from_api(scope, item) for _, item in sorted(complete.items())]

    @staticmethod
    def _one(client: Client, base: str, name: str) -> dict[str, Any]:
        return client.read(f"{base}/{path_quote(name)}", ONE, active="yes")["template"]

    def from_api(self, scope: str, item: dict[str, Any]) -> Resource:
        version = item.get("version") or {}
        body = {
            "description": item.get("description") or "",
            "template": version.get("template") or "",
            "engine": version.get("engine") or "handlebars",
            "headers": version.get("headers") or {},
        }
        return self.resource(scope, item["name"], body, active_tag=version.get("tag"))

    def create(self, client: Client, change: Change) -> Resource | None:
        wanted = change.desired.body.managed()
        form = [("name", change.address.name), ("description", wanted.get("description", ""))]
        if wanted.get("template"):
            form += [("tag", version_tag(wanted)), *self._version_form(wanted)]
        client.post(f"/v3/{path_quote(change.address.scope)}/templates", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        changed = {f.field for f in change.fields}
        if "description" in changed:
            client.put(self._path(change), data=[("description", change.after["description"])])
        if changed & set(VERSION_FIELDS):
            self._new_version(client, change)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    def _new_version(self, client: Client, change: Change) -> None:
        after, keep = change.after, change.desired.body.keep_versions
        tag = version_tag(after)
        versions = self._versions(client, change)
        if tag in {v["tag"] for v in versions}:
            # The same content was active once before: activate that version again.
            client.put(f"{self._path(change)}/versions/{path_quote(tag)}", data=[("active", "yes")])
            return
        self._prune(client, change, versions, keep=min(keep, MAX_VERSIONS) - 1)
        form = [("tag", tag), *self._version_form(after), ("active", "yes")]
        client.post(f"{self._path(change)}/versions", data=form)

    def _versions(self, client: Client, change: Change) -> list[dict[str, Any]]:
        pages = client.iter_pages(f"{self._path(change)}/versions", limit=100, items="template.versions",
                                  item=VERSION_ITEM)
        return list(pages)

    def _prune(self, client: Client, change: Change, versions: list[dict[str, Any]], keep: int) -> None:
        """Delete the oldest inactive versions until at most ``keep`` remain."""
        inactive = sorted((v for v in versions if not v.get("active")), key=_created)
        for version in inactive[: max(0, len(versions) - keep)]:
            client.delete(f"{self._path(change)}/versions/{path_quote(version['tag'])}")

    @staticmethod
    def _version_form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        form = [("template", fields.get("template", "")), ("engine", fields.get("engine", "handlebars"))]
        if fields.get("headers"):
            form.append(("headers", json.dumps(fields["headers"], sort_keys=True)))
        return [*form, ("comment", "mgsync")]

    @staticmethod
    def _path(change: Change) -> str:
        return f"/v3/{path_quote(change.address.scope)}/templates/{path_quote(change.address.name)}"


def version_tag(fields: dict[str, Any]) -> str:
    content = {
        "template": fields.get("template") or "",
        "engine": fields.get("engine") or "handlebars",
        "headers": fields.get("headers") or {},
    }
    return "mgsync-" + fingerprint(content).removeprefix("sha256:")[:12]


def _created(version: dict[str, Any]) -> tuple[float, str]:
    try:
        stamp = parsedate_to_datetime(version.get("createdAt", "")).timestamp()
    except (TypeError, ValueError):
        stamp = 0.0
    return (stamp, version.get("tag", ""))
