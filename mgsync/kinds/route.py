"""Kind ``route``: an account-level inbound route (``route:<name>``, the name is its description). §4.

Mailgun identifies routes by a server-assigned id, kept in ``Resource.meta["id"]`` and the lockfile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, StrictInt

from mgsync.changes import Change
from mgsync.kinds.base import Kind, Spec, path_quote
from mgsync.shape import INT, STR, ListOf, Obj, fits
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client


class Route(Spec):
    priority: StrictInt = Field(0, ge=0)
    expression: str = Field(min_length=1)
    actions: tuple[str, ...] = Field(min_length=1)


ITEM = Obj({"id": STR, "expression": STR},
           {"priority": INT, "actions": ListOf(STR), "description": STR, "created_at": STR})  # §4


class RouteKind(Kind):
    name = "route"
    model = Route
    scope = "account"
    lock_meta = ("id",)

    def scope_of(self, address: Address) -> str:
        return ""

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = client.iter_skip("/v3/routes", limit=1000, item=ITEM)
        items = sorted(items, key=lambda r: (r.get("created_at") or "", r["id"]))
        return [self.from_api(item, name) for item, name in route_names(items, locked)]

    def from_api(self, item: dict[str, Any], name: str) -> Resource:
        body = {"priority": item.get("priority") or 0, "expression": item["expression"],
                "actions": item.get("actions") or []}
        return self.resource("", name, body, id=item["id"], description=item.get("description") or "")

    def create(self, client: Client, change: Change) -> Resource | None:
        data = client.post("/v3/routes", data=self._form(change.address.key, change.desired.body.managed()))
        route = data.get("route") if isinstance(data, dict) else None
        return self.from_api(route, change.address.key) if fits(ITEM, route) else None

    def update(self, client: Client, change: Change) -> Resource | None:
        route_id = change.observed.meta["id"]
        data = client.put(f"/v3/routes/{path_quote(route_id)}", data=self._form(change.address.key, change.after))
        # PUT answers a flat route (§4); anything else and the re-read after apply fills the gap.
        return self.from_api(data, change.address.key) if fits(ITEM, data) else None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/routes/{path_quote(change.observed.meta['id'])}")

    def find(self, client: Client, address: Address) -> Resource | None:
        matches = [r for r in self.read(client, "", State()) if r.meta["description"] == address.key]
        return matches[0] if len(matches) == 1 else None

    @staticmethod
    def _form(name: str, fields: dict[str, Any]) -> list[tuple[str, str]]:
        form = [("description", name)]
        if "priority" in fields:
            form.append(("priority", str(fields["priority"])))
        if "expression" in fields:
            form.append(("expression", fields["expression"]))
        form += [("action", action) for action in fields.get("actions", ())]
        return form


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
