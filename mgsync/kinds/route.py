"""Kind ``route``: an account-level inbound route (``route:<name>``, the name is its description). §4.

Mailgun identifies routes by a server-assigned id, kept in ``Resource.meta["id"]`` and the lockfile.
Names are matched exactly (a description is free text). Import writes ``routes.yaml``.
Expressions and actions are kept exactly as written (and as Mailgun stores them); what is valid but
unusual (``route_syntax.expression_warnings``, ``action_warnings``) is a validation warning here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, StrictInt
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import INT, STR, ListOf, Obj, fits
from mgsync.changes import Change
from mgsync.kinds.base import Exact, Kind, Loc, path_quote
from mgsync.kinds.capabilities import Deletable, OwnFile, Prunable, Writable
from mgsync.shapes import route_syntax
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.fields import name_check
from mgsync.shapes.output import Output, block_seq
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

ROUTES_NOTE = """\
Routes are named by their Mailgun description; apply writes the name as the description of a route
it creates, and writes it again where the description was changed in Mailgun since.
Routes without a description are named route#<id>; when several share a description, the oldest
keeps it and the others are named <description>#<id>. Surrounding spaces are dropped and "/"
becomes "-". mgsync derives the same names from the live account, and mgsync.lock ties each name
to its route id, so renaming a route here renames it in Mailgun."""


# Priority: any integer. Mailgun documents no bound ("Smaller number indicates higher priority",
# mailgun-api.md §4); a negative one taken live is UNCONFIRMED, but an account that holds one must import.
class Route(Spec):
    priority: StrictInt = 0
    expression: str = Field(min_length=1)
    actions: tuple[str, ...] = Field(min_length=1)
    # Mailgun's description, only where it no longer gives the route's name (``names_it``): changed
    # outside mgsync. None otherwise, and then left out of the body, so that a lockfile is as before.
    description: str | None = None

    def comparable(self) -> dict[str, Any]:
        body = super().comparable()
        if body["description"] is None:
            del body["description"]
        return body


RouteName = Annotated[str, AfterValidator(name_check("route name"))]


ITEM = Obj(
    {"id": STR, "expression": STR}, {"priority": INT, "actions": ListOf(STR), "description": STR, "created_at": STR}
)  # §4


class RouteDoc(Doc):
    """An inbound route; its key in `routes` is written to Mailgun as the route's description."""

    priority: StrictInt = UNSET
    expression: Annotated[str, AfterValidator(route_syntax.check_expression)]
    actions: Annotated[list[Annotated[str, AfterValidator(route_syntax.check_action)]], Field(min_length=1)]


class RouteKind(Exact, Kind[Route], Writable, Deletable, Prunable, OwnFile):
    name = "route"
    model = Route
    section = "routes"
    document = dict[RouteName, RouteDoc]
    note = ROUTES_NOTE
    import_file = "routes.yaml"
    import_title = "inbound routes"
    lock_meta = ("id",)

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        super().declare_one(out, scope, key, doc, loc)
        for message in route_syntax.expression_warnings(doc.expression):
            out.warn((*loc, "expression"), message)
        for i, action in enumerate(doc.actions):
            for message in route_syntax.action_warnings(action):
                out.warn((*loc, "actions", i), message)

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        entries = CommentedMap()
        for route in sorted(resources, key=lambda r: (self.spec(r).priority, r.address.key)):
            body = self.spec(route)
            entries[route.address.key] = CommentedMap(
                priority=body.priority, expression=body.expression, actions=block_seq(body.actions)
            )
        return entries

    def import_names(self, observed: State) -> list[str]:
        names = import_names(observed.of_kind(self.name))
        rename(observed, names)
        return [f"route {n.name!r}: {n.note}." for n in names.values() if n.note]

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = sorted(client.iter_skip("/v3/routes", limit=1000, item=ITEM), key=age)
        return [self.from_api(item, name) for item, name in route_names(items, locked)]

    def from_api(self, item: dict[str, Any], name: str) -> Resource:
        description = item.get("description") or ""
        body = {
            "priority": item.get("priority") or 0,
            "expression": item["expression"],
            "actions": item.get("actions") or [],
        }
        if not names_it(description, name, item["id"]):
            body["description"] = description
        return self.resource("", name, body, id=item["id"], description=description)

    def recorded(self, locked: Resource, observed: Resource) -> dict[str, Any]:
        """A record without a description had the route's name as its description (``names_it``)."""
        record = super().recorded(locked, observed)
        if self.spec(observed).description is not None:
            record.setdefault("description", locked.address.key)
        return record

    def wanted(self, desired: Resource, observed: Resource) -> dict[str, Any]:
        """A description changed outside mgsync goes back to the route's name, as apply wrote it (the
        key is written as the description); the mgsync.lock ties the name to the route's id."""
        fields = super().wanted(desired, observed)
        if self.spec(observed).description is not None:
            fields["description"] = desired.address.key
        return fields

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("description", change.address.key), *self._form(self.spec(change.desired).managed())]
        data = client.post("/v3/routes", data=form)
        route = data.get("route") if isinstance(data, dict) else None
        return self.from_api(route, change.address.key) if route is not None and fits(ITEM, route) else None

    def update(self, client: Client, change: Change) -> Resource | None:
        # The description only to write back one changed outside mgsync (``wanted``); else an update
        # leaves it as it is: a name is a description only where a manifest can hold it (import_names).
        route_id, after = self.live(change).meta["id"], change.after or {}
        form = self._form(after)
        if isinstance(after.get("description"), str):
            form.append(("description", after["description"]))
        data = client.put(f"/v3/routes/{path_quote(route_id)}", data=form)
        # PUT answers a flat route (§4); anything else and the re-read after apply fills the gap.
        return self.from_api(data, change.address.key) if fits(ITEM, data) else None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/routes/{path_quote(self.live(change).meta['id'])}")

    def find(self, client: Client, address: Address) -> Resource | None:
        matches = [r for r in self.read(client, "", State()) if r.meta["description"] == address.key]
        return matches[0] if len(matches) == 1 else None

    @staticmethod
    def _form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        form = []
        if "priority" in fields:
            form.append(("priority", str(fields["priority"])))
        if "expression" in fields:
            form.append(("expression", fields["expression"]))
        form += [("action", action) for action in fields.get("actions", ())]
        return form


def age(item: dict[str, Any]) -> tuple[float, str]:
    """Oldest first: ``created_at`` is RFC 2822 text ("Mon, 27 Jan 2025 18:13:42 GMT", §4), whose
    text order is the weekday's name; a route with no date, or one that cannot be read, comes last."""
    try:
        created = parsedate_to_datetime(item.get("created_at") or "")
    except (TypeError, ValueError):
        return math.inf, item["id"]
    zoned = created if created.tzinfo is not None else created.replace(tzinfo=UTC)  # "-0000": UTC, zone unknown
    return zoned.timestamp(), item["id"]


def names_it(description: str, name: str, route_id: str) -> bool:
    """Whether the live ``description`` gives the route its ``name``, as ``route_names`` and
    ``import_names`` derive names: itself, stripped, "/" as "-"; or the name is one made of the id
    (``<description>#<id>``, ``route#<id>``), which any description leaves as it is."""
    plain = description.strip()
    return name in (plain, plain.replace("/", "-")) or name.endswith(f"#{route_id}")


def route_names(items: list[dict[str, Any]], locked: State) -> list[tuple[dict[str, Any], str]]:
    """Give every live route a stable, unique name.

    A route the lockfile knows (by id) keeps its locked name. Others are named by their
    description; the oldest route with a description gets it plainly, later duplicates and routes
    without a description get ``<description>#<id>`` / ``route#<id>``.
    """
    by_id = {r.meta.get("id"): r.address.key for r in locked.values() if r.address.kind == "route"}
    taken = {by_id[item["id"]] for item in items if item["id"] in by_id}
    named = []
    for item in items:
        name = by_id.get(item["id"])
        if name is None:
            description = (item.get("description") or "").strip()
            name = description if description and description not in taken else f"{description or 'route'}#{item['id']}"
            taken.add(name)
        named.append((item, name))
    return named


# --- import: names a manifest can hold ----------------------------------------------------------
# ``route_names`` above gives every live route a name (so a plan without a lockfile derives the
# same ones). Only a name the manifest cannot hold (one with "/") is changed for import, and the
# lockfile then ties it to the route's id. Every name that differs from the live description comes
# with a note saying why (the manifest states the rule once, in ROUTES_NOTE, so that importing an
# account the manifests were applied to gives identical files).


@dataclass(frozen=True)
class ImportName:
    name: str
    note: str  # "" when the name is the live description as it is


def import_names(routes: list[Resource]) -> dict[Address, ImportName]:
    """The manifest name of every observed route, and why it differs from the description."""
    taken = {r.address.key for r in routes}
    named = {}
    for route in routes:
        name = route.address.key
        if "/" in name:
            wanted = name.replace("/", "-")
            name = wanted if wanted not in taken else f"{wanted}#{route.meta['id']}"
            taken.add(name)
        named[route.address] = ImportName(name, _why(route, name))
    return named


def _why(route: Resource, name: str) -> str:
    description = str(route.meta.get("description") or "")
    if name == description:
        return ""
    if not description.strip():
        return "no description in Mailgun: named by its id"
    if name == f"{description.strip()}#{route.meta['id']}":
        return f"an older route is also described {description.strip()!r}: named by its id"
    if "/" in description:
        return f'described {description!r} in Mailgun; a name cannot hold "/"'
    return f"described {description!r} in Mailgun (surrounding spaces dropped)"


def rename(observed: State, names: dict[Address, ImportName]) -> None:
    """Put the routes of ``observed`` under their manifest names (their ids stay in ``meta``)."""
    for address, named in names.items():
        if named.name != address.key:  # never another route's current name: those are all taken
            resource = observed[address]
            observed.remove(address)
            observed.add(Resource(Address(address.kind, named.name), resource.body, meta=resource.meta))


ROUTE = RouteKind()
