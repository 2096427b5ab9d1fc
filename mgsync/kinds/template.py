"""Kind ``template``: a stored template and its active version (``template:<domain>/<name>``). §6.

Changed content becomes a new version that is activated; ``keep_versions`` (policy, never sent)
bounds how many versions mgsync leaves behind.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictInt, WithJsonSchema, model_validator
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import BOOL, STR, MapOf, Obj
from mgsync.changes import Action, Change
from mgsync.errors import ApiError
from mgsync.kinds.base import Kind, Loc, is_not_found, path_quote, read_item, response_lost
from mgsync.kinds.capabilities import Deletable, Lossy, Prunable, Writable
from mgsync.kinds.domain import DOMAIN
from mgsync.kinds.template_versions import DEFAULT_KEEP, MAX_VERSIONS, pruned_by_adding, to_prune, version_tag
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc, written
from mgsync.shapes.fields import name_check
from mgsync.shapes.output import Output, file_stem, flow_map
from mgsync.shapes.template_body import check_body, check_headers
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

ENGINE_SUFFIX = {"handlebars": ".hbs", "go": ".tmpl"}


class Template(Spec):
    POLICY: ClassVar[frozenset[str]] = frozenset({"keep_versions"})

    description: str = ""
    template: str = ""
    engine: Literal["handlebars", "go"] = "handlebars"
    headers: dict[str, str] = Field(default_factory=dict)
    keep_versions: int = Field(DEFAULT_KEEP, ge=1, le=MAX_VERSIONS)


VERSION_FIELDS = ("template", "engine", "headers")
VERSIONS = "versions"  # meta: the versions listing, read only where a plan weighs a content change's losses


def _keep_versions(count: int) -> int:
    if not 1 <= count <= MAX_VERSIONS:
        raise ValueError(f"must be between 1 and {MAX_VERSIONS} (Mailgun stores at most {MAX_VERSIONS} versions)")
    return count


KeepVersions = Annotated[
    StrictInt,
    AfterValidator(_keep_versions),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_VERSIONS}),
]
TemplateText = Annotated[str, AfterValidator(rules.check_template_size)]
TemplateName = Annotated[str, AfterValidator(name_check("template name"))]


# What reads take from templates and versions (§6.1); the list carries the active version or not.
VERSION = Obj(optional={"tag": STR, "template": STR, "engine": STR, "headers": MapOf(STR)})
ITEM = Obj({"name": STR}, {"description": STR, "version": VERSION})
ONE = Obj({"template": ITEM})
VERSION_ITEM = Obj({"tag": STR}, {"active": BOOL, "createdAt": STR})


class HeadersDoc(Doc):
    KEY_NOUN: ClassVar[str] = "header"

    from_: str = Field(UNSET, alias="From")
    subject: str = Field(UNSET, alias="Subject")
    reply_to: str = Field(UNSET, alias="Reply-To")


class TemplateDoc(Doc):
    """A stored template; content inline (`template:`) or from a file relative to the manifest."""

    description: str = UNSET
    template: TemplateText = UNSET
    file: str = UNSET
    engine: Literal["handlebars", "go"] = UNSET
    headers: HeadersDoc = UNSET
    keep_versions: KeepVersions = UNSET

    @model_validator(mode="after")
    def _one_content(self) -> TemplateDoc:
        written = {"template", "file"} & self.model_fields_set
        if not written:
            raise ValueError("needs its content: template: (inline) or file: (a file beside the manifest)")
        if len(written) == 2:
            raise ValueError("has both template: and file:; keep one")
        return self


TEMPLATES_NOTE = """\
The active version of each template. When content changes, mgsync adds and activates a version and
keeps at most keep_versions of them (default 10): raise it to keep more of the history."""


class TemplateKind(Kind[Template], Writable, Deletable, Prunable, Lossy):
    """Templates: content lives in versions. Changed content becomes a new version, tagged by a
    digest of its content and activated; the oldest inactive versions beyond ``keep_versions`` are
    deleted (Mailgun caps a template at 40 versions, §6.1)."""

    name = "template"
    model = Template
    parent: ClassVar[Kind[Any] | None] = DOMAIN  # typed as the base does: a subclass may mount templates elsewhere
    section = "templates"
    document = dict[TemplateName, TemplateDoc]
    note = TEMPLATES_NOTE

    def declare_one(self, out: Harvest, scope: str, key: str, doc: TemplateDoc, loc: Loc) -> None:
        data = written(doc, Template.model_fields)
        if doc.file is not None:
            content = out.read_text(doc.file, (*loc, "file"), rules.check_template_size)
            if content is None:
                return
            data["template"] = content
        if doc.engine in (None, "handlebars") and data.get("template"):
            shown = out.beside(doc.file)[1] if doc.file is not None else None
            check_body(out, loc, data["template"], str(self.address(scope, key)), shown)
        if doc.engine in (None, "handlebars") and data.get("headers"):
            check_headers(out, loc, data["headers"], str(self.address(scope, key)))
        out.declare(self.address(scope, key), Template, data, loc)

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        templates, taken = CommentedMap(), set[str]()
        for template in resources:
            body = self.spec(template)
            headers = flow_map(dict(sorted(body.headers.items())))  # sorted: apply sends them sorted
            entry = CommentedMap(description=body.description, engine=body.engine, headers=headers)
            if body.template:
                path = template_file(self.files_folder(scope), template.address.name, body.engine, taken)
                out.add_text(path, body.template)
                entry["file"] = path
            else:
                entry["template"] = ""
            templates[template.address.name] = entry
        return templates

    def weigh(self, client: Client, live: Resource, change: Change) -> Resource:
        """``live`` with its versions listing (one request), only when ``change`` makes a version, which
        prunes (``losses``); a no-op plan reads none, and neither does import (its cost stays its listings)."""
        if not (change.action is Action.UPDATE and _versioned(change)):
            return live
        try:
            versions = self._versions(client, self._at(live.address))
        except ApiError as err:
            if not is_not_found(err):  # deleted since it was listed: nothing to weigh
                raise
            return live
        return replace(live, meta={**live.meta, VERSIONS: tuple(versions)})

    def losses(self, change: Change) -> list[str]:
        # Versions beyond keep_versions go when a change adds one; mgsync never made most of an imported history.
        read = change.observed.meta.get(VERSIONS) if change.observed is not None else None
        if read is None or change.desired is None or not _versioned(change):
            return []
        keep = self.spec(change.desired).keep_versions
        count = len(pruned_by_adding(read, version_tag(change.after or {}), keep))
        noun = "version" if count == 1 else "versions"
        return [f"{count} older {noun} deleted (keep_versions: {keep})"] if count else []

    def base(self, scope: str) -> str:
        """The API path of the templates in ``scope`` (a domain's; a subclass mounts them elsewhere)."""
        return f"/v3/{path_quote(scope)}/templates"

    def files_folder(self, scope: str) -> str:
        """Where import writes the content files of the templates in ``scope``."""
        return f"templates/{scope}"

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        base = self.base(scope)
        items = list(client.iter_pages(base, {"active": "yes"}, limit=100, item=ITEM))
        # The list may carry the active version (active=yes); fetch one by one only what it lacks.
        missing = [item for item in items if "version" not in item]
        fetched = client.pool.map(lambda item: self._one(client, scope, item["name"]), missing)
        gone = {item["name"] for item, one in zip(missing, fetched) if one is None}
        complete = {item["name"]: item for item in [*items, *fetched] if item is not None}
        return [self.from_api(scope, item) for name, item in sorted(complete.items()) if name not in gone]

    def _one(self, client: Client, scope: str, name: str) -> dict[str, Any] | None:
        """A template's detail read; None when it was deleted since the listing (``read_item``)."""
        found = read_item(
            client, f"{self.base(scope)}/{path_quote(name)}", ONE, str(self.address(scope, name)), active="yes"
        )
        return None if found is None else dict(found["template"])

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
        wanted = self.spec(change.desired).managed()
        form = [("name", change.address.name), ("description", wanted.get("description", ""))]
        if wanted.get("template"):
            form += [("tag", version_tag(wanted)), *self._version_form(wanted)]
        client.post(self.base(self.scope_of(change.address)), data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        changed = {f.field for f in change.fields}
        if "description" in changed:
            client.put(self._path(change), data=[("description", (change.after or {})["description"])])
        if changed & set(VERSION_FIELDS):
            self._new_version(client, change)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    def _new_version(self, client: Client, change: Change) -> None:
        after, keep = change.after or {}, self.spec(change.desired).keep_versions
        tag = version_tag(after)
        versions = self._listed(client, change)
        if tag in {v["tag"] for v in versions}:
            # The same content was active once before: activate that version again.
            client.put(f"{self._path(change)}/versions/{path_quote(tag)}", data=[("active", "yes")])
            return
        # Room first only at Mailgun's cap, which refuses one more (§6.1); else the oldest go after the
        # new version is in, so one Mailgun refuses for any other reason costs no history.
        gone = self._prune(client, change, versions, keep=MAX_VERSIONS - 1)
        try:
            self._add_version(client, change, tag, after)
        except ApiError as err:
            if gone:
                room = f"Mailgun keeps at most {MAX_VERSIONS}"
                err.args = (f"{err} (before it, deleted the oldest version {', '.join(gone)}: {room})",)
                err.wrote = True
            raise
        # The version active until now stays too (the one to go back to): only older inactive ones go.
        now = [v for v in versions if v["tag"] not in gone]
        self._prune(client, change, [*now, {"tag": tag, "active": True}], keep=keep)

    def _add_version(self, client: Client, change: Change, tag: str, after: dict[str, Any]) -> None:
        """POST the version, active; after a lost answer, re-read whether it landed (never sent twice blindly)."""
        form = [("tag", tag), *self._version_form(after), ("active", "yes")]
        try:
            client.post(f"{self._path(change)}/versions", data=form)
        except ApiError as err:  # never sent twice blindly (DESIGN §3.9): re-read whether it landed
            if not response_lost(err):
                raise
            landed = next((v for v in self._versions(client, self._path(change)) if v["tag"] == tag), None)
            if landed is None:
                client.post(f"{self._path(change)}/versions", data=form)
            elif not landed.get("active"):
                client.put(f"{self._path(change)}/versions/{path_quote(tag)}", data=[("active", "yes")])

    def _listed(self, client: Client, change: Change) -> list[dict[str, Any]]:
        """The versions the plan read (``weigh``: the live object's meta), else read now."""
        read = change.observed.meta.get(VERSIONS) if change.observed is not None else None
        return [dict(v) for v in read] if read is not None else self._versions(client, self._path(change))

    @staticmethod
    def _versions(client: Client, path: str) -> list[dict[str, Any]]:
        pages = client.iter_pages(f"{path}/versions", limit=100, items="template.versions", item=VERSION_ITEM)
        return list(pages)

    def _prune(self, client: Client, change: Change, versions: list[dict[str, Any]], keep: int) -> list[str]:
        """Delete the oldest inactive versions until at most ``keep`` remain; the tags deleted."""
        gone = to_prune(versions, keep)
        for old in gone:
            try:
                client.delete(f"{self._path(change)}/versions/{path_quote(old)}")
            except ApiError as err:  # gone already: a retried DELETE whose first answer was lost had landed
                if not is_not_found(err):
                    raise
        return gone

    @staticmethod
    def _version_form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        form = [("template", fields.get("template", "")), ("engine", fields.get("engine", "handlebars"))]
        if fields.get("headers"):
            form.append(("headers", json.dumps(fields["headers"], sort_keys=True)))
        return [*form, ("comment", "mgsync")]

    def _path(self, change: Change) -> str:
        return self._at(change.address)

    def _at(self, address: Address) -> str:
        return f"{self.base(self.scope_of(address))}/{path_quote(address.name)}"


def _versioned(change: Change) -> bool:
    """Whether ``change`` makes a new version (its content changes)."""
    return any(f.field in VERSION_FIELDS for f in change.fields)


def template_file(folder: str, name: str, engine: str, taken: set[str]) -> str:
    """Where import writes a template's content: ``<folder>/<name>.hbs|.tmpl``."""
    stem, suffix = file_stem(name), ENGINE_SUFFIX.get(engine, ".txt")
    path, n = f"{folder}/{stem}{suffix}", 1
    while path.lower() in taken:  # case-blind: two names may only differ in case or in unsafe characters
        n += 1
        path = f"{folder}/{stem}-{n}{suffix}"
    taken.add(path.lower())
    return path


TEMPLATE = TemplateKind()
