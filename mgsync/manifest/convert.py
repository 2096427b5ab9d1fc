"""Validated document entries → canonical ``Resource``s, each with its address and source position.

Canonical models (``mgsync.kinds``) are built only from the fields the user wrote, so unset fields
stay unset ("not managed"). This is also where a manifest reaches outside itself: template bodies
from ``file:`` and collections from CSV files, both relative to the manifest's directory.
Duplicates across entries and files are not decided here (see ``loader.merge``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mgsync.errors import Problem
from mgsync.kinds.credential import Credential
from mgsync.kinds.domain import Domain
from mgsync.kinds.mailing_list import MailingList, Member
from mgsync.kinds.route import Route
from mgsync.kinds.suppression import Allowlist, Bounce, Complaint, Unsubscribe
from mgsync.kinds.template import Template
from mgsync.kinds.tracking import Tracking
from mgsync.kinds.webhook import Webhook
from mgsync.manifest import csvdata, rules
from mgsync.manifest.check import Loc, describe, spot
from mgsync.manifest.document import (
    AllowDoc,
    BounceDoc,
    ComplaintDoc,
    CsvFile,
    DomainDoc,
    ListDoc,
    MemberDoc,
    RouteDoc,
    TemplateDoc,
    UnsubscribeDoc,
)
from mgsync.state import Address, Resource, Source

# collection in YAML -> (kind, entry document model, its canonical model, key of an entry written as a string)
COLLECTIONS: dict[str, tuple[str, type[BaseModel], type[BaseModel], str]] = {
    "bounces": ("bounce", BounceDoc, Bounce, "address"),
    "unsubscribes": ("unsubscribe", UnsubscribeDoc, Unsubscribe, "address"),
    "complaints": ("complaint", ComplaintDoc, Complaint, "address"),
    "allowlist": ("allowlist", AllowDoc, Allowlist, "value"),
    "members": ("member", MemberDoc, Member, "address"),
}
DOMAIN_PRUNE = {
    "webhooks": "webhook",
    "templates": "template",
    "credentials": "credential",
    "bounces": "bounce",
    "unsubscribes": "unsubscribe",
    "complaints": "complaint",
    "allowlist": "allowlist",
}
TOP_PRUNE = {"routes": "route", "mailing_lists": "list"}
ENTRY_KEYS = {"address", "value", "domain"}  # identify an entry; never part of its body


@dataclass
class Harvest:
    """What one manifest file declares, and what went wrong converting it."""

    shown: str  # the file, as the user named it
    root: Any  # its YAML tree, for positions
    resources: list[Resource] = field(default_factory=list)
    prune: set[tuple[str, str]] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # unset ${env:} variables, when allowed

    def source(self, loc: Loc) -> Source:
        at = spot(self.shown, self.root, loc, at_key=True)
        return Source(at.file, at.line, at.col)

    def problem(self, loc: Loc, message: str, at_key: bool = False) -> None:
        at = spot(self.shown, self.root, loc, at_key=at_key)
        self.problems.append(Problem(at.file, at.line, at.col, at.where, message))

    def beside(self, reference: str) -> tuple[Path, str]:
        """A file named relative to this manifest: its path, and how to show it."""
        shown = Path(self.shown).parent / reference
        return shown, str(shown)

    def declare(
        self, address: str, model: type[BaseModel], data: dict[str, Any], loc: Loc, source: Source | None = None
    ) -> None:
        """Add the resource built from ``data``, or a problem per error (never echoing the input)."""
        try:
            body = model.model_validate(data)
        except ValidationError as err:
            for error in err.errors(include_url=False):
                self.problem((*loc, *(p for p in error["loc"] if isinstance(p, str))), describe(error))
            return
        self.resources.append(Resource(Address.parse(address), body, source or self.source(loc)))


def written(doc: BaseModel, names: Any) -> dict[str, Any]:
    """The fields of ``doc`` among ``names`` that the user wrote, by alias."""
    return doc.model_dump(include=set(names) & doc.model_fields_set, exclude_unset=True, by_alias=True)


# --- domains -----------------------------------------------------------------------------------


def domain(out: Harvest, name: str, doc: DomainDoc) -> None:
    loc = ("domains", name)
    out.domains.add(name)
    out.declare(f"domain:{name}", Domain, written(doc, Domain.model_fields), loc)
    if doc.tracking is not None:
        out.declare(f"tracking:{name}", Tracking, _tracking(doc.tracking), (*loc, "tracking"))
    for event in sorted(doc.webhooks.model_fields_set if doc.webhooks else ()):
        urls = getattr(doc.webhooks, event)
        urls = tuple(urls) if isinstance(urls, list) else (urls,)
        out.declare(f"webhook:{name}/{event}", Webhook, {"urls": urls}, (*loc, "webhooks", event))
    for template_name, template in (doc.templates or {}).items():
        _template(out, name, template_name, template)
    for login, credential in (doc.credentials or {}).items():
        _credential(out, name, login, credential)
    for collection in sorted(doc.suppressions.model_fields_set if doc.suppressions else ()):
        _collection(out, name, (*loc, "suppressions", collection), getattr(doc.suppressions, collection))
    out.prune |= {(DOMAIN_PRUNE[collection], name) for collection in doc.prune or ()}


def _tracking(doc: BaseModel) -> dict[str, Any]:
    """Each section written, as the canonical mapping (``open: true`` is ``open: {active: true}``)."""
    sections = {}
    for section in doc.model_fields_set:
        value = getattr(doc, section)
        is_model = isinstance(value, BaseModel)
        sections[section] = written(value, type(value).model_fields) if is_model else {"active": value}
    return sections


def _template(out: Harvest, domain_name: str, name: str, doc: TemplateDoc) -> None:
    loc = ("domains", domain_name, "templates", name)
    data = written(doc, Template.model_fields)
    if doc.file is not None:
        content = _read_template(out, doc.file, (*loc, "file"))
        if content is None:
            return
        data["template"] = content
    out.declare(f"template:{domain_name}/{name.lower()}", Template, data, loc)  # Mailgun lower-cases names


def _read_template(out: Harvest, reference: str, loc: Loc) -> str | None:
    path, shown = out.beside(reference)
    try:
        return rules.check_template_size(path.read_bytes().decode("utf-8"))
    except OSError as err:
        out.problem(loc, f'cannot read "{shown}": {err.strerror or err}')
    except UnicodeDecodeError:
        out.problem(loc, f'cannot read "{shown}": not UTF-8 text')
    except ValueError as err:
        out.problem(loc, f'"{shown}": {err}')
    return None


def _credential(out: Harvest, domain_name: str, login: str, doc: BaseModel) -> None:
    """``alice`` and ``alice@<domain>`` are the same login; a login on another domain is a mistake."""
    loc = ("domains", domain_name, "credentials", login)
    local, at, on = login.rpartition("@")
    if at and on.lower() != domain_name:
        return out.problem(loc, f'login "{login}" is not on this domain (write just "{local}")', at_key=True)
    data = written(doc, Credential.model_fields)
    out.declare(f"credential:{domain_name}/{local if at else login}", Credential, data, loc)


def _collection(out: Harvest, scope: str, loc: Loc, value: Any) -> None:
    """Suppressions or members: each entry inline (an address or a mapping) or a row of a CSV file."""
    kind, entry_model, model, plain_key = COLLECTIONS[loc[-1]]
    for entry, source, entry_loc in _entries(out, loc, value, entry_model, plain_key):
        target = entry.target if isinstance(entry, AllowDoc) else entry.address
        data = written(entry, set(model.model_fields) - ENTRY_KEYS)
        out.declare(f"{kind}:{scope}/{target}", model, data, entry_loc, source)


def _entries(
    out: Harvest, loc: Loc, value: Any, model: type[BaseModel], plain_key: str
) -> list[tuple[Any, Source, Loc]]:
    """(entry document, source, location) of each entry of a collection."""
    if isinstance(value, CsvFile):
        path, shown = out.beside(value.file)
        try:
            rows, problems = csvdata.load(path, shown, str(loc[-1]), model)
        except csvdata.Unreadable as err:
            out.problem((*loc, "file"), str(err))
            return []
        out.problems += problems
        return [(entry, Source(shown, line, 1), loc) for line, entry in rows]
    found = []
    for i, item in enumerate(value):
        entry = item if isinstance(item, BaseModel) else model.model_validate({plain_key: item})
        found.append((entry, out.source((*loc, i)), (*loc, i)))
    return found


# --- account level -----------------------------------------------------------------------------


def route(out: Harvest, name: str, doc: RouteDoc) -> None:
    out.declare(f"route:{name}", Route, written(doc, Route.model_fields), ("routes", name))


def mailing_list(out: Harvest, address: str, doc: ListDoc) -> None:
    loc = ("mailing_lists", address)
    out.lists.add(address)
    out.declare(f"list:{address}", MailingList, written(doc, MailingList.model_fields), loc)
    if doc.members is not None:
        _collection(out, address, (*loc, "members"), doc.members)
    if doc.prune:  # the only collection of a list is its members
        out.prune.add(("member", address))


def top_prune(out: Harvest, names: list[str]) -> None:
    out.prune |= {(TOP_PRUNE[name], "") for name in names}


SECTIONS = {"domains": domain, "routes": route, "mailing_lists": mailing_list}
