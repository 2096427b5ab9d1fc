"""Kinds ``list`` (``list:<address>``) and ``member`` (``member:<list>/<address>``). §7."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, StrictBool

from mgsync.changes import Change
from mgsync.kinds.base import BulkKind, EmailKeyed, Kind, Spec, path_quote
from mgsync.shape import BOOL, INT, OBJECT, STR, Obj, fits
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

AccessLevel = Literal["readonly", "members", "everyone"]
ReplyPreference = Literal["list", "sender"]


class MailingList(Spec):
    name: str = ""
    description: str = ""
    access_level: AccessLevel = "readonly"
    reply_preference: ReplyPreference = "list"


class Member(Spec):
    name: str = ""
    vars: dict[str, Any] = Field(default_factory=dict)
    subscribed: StrictBool = True


# What reads take from list and member items (§7.1, §7.3).
LIST_ITEM = Obj({"address": STR}, {"name": STR, "description": STR, "access_level": STR,
                                   "reply_preference": STR, "members_count": INT})
MEMBER_ITEM = Obj({"address": STR}, {"name": STR, "vars": OBJECT, "subscribed": BOOL})


class ListKind(EmailKeyed, Kind):
    name = "list"
    model = MailingList
    scope = "account"

    def scope_of(self, address: Address) -> str:
        return ""

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [self.from_api(item) for item in client.iter_pages("/v3/lists/pages", limit=1000, item=LIST_ITEM)]

    def from_api(self, item: dict[str, Any]) -> Resource:
        body = {k: item[k] for k in MailingList.model_fields if item.get(k) is not None}
        return self.resource("", item["address"], body, members_count=item.get("members_count") or 0)

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("address", change.address.key), *sorted(change.desired.body.managed().items())]
        return self._answer(client.post("/v3/lists", data=form))

    def update(self, client: Client, change: Change) -> Resource | None:
        form = sorted((f.field, change.desired.body.managed()[f.field]) for f in change.fields)
        return self._answer(client.put(f"/v3/lists/{path_quote(change.address.key)}", data=form))

    def _answer(self, data: Any) -> Resource | None:
        found = data.get("list") if isinstance(data, dict) else None
        return self.from_api(found) if fits(LIST_ITEM, found) else None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/lists/{path_quote(change.address.key)}")


class MemberKind(EmailKeyed, BulkKind):
    """Members: read a whole list in pages of 1000, written through ``members.json`` with upsert.

    Every member sent carries its full merged state, ``subscribed`` included: members.json treats an
    omitted ``subscribed`` as true, and mgsync never re-subscribes anyone by accident (§3.3).
    """

    name = "member"
    model = Member
    scope = "list"
    batch_size = 1000  # members.json takes at most 1000 members per call (§7.3)

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = list(client.iter_pages(f"/v3/lists/{path_quote(scope)}/members/pages", limit=1000, item=MEMBER_ITEM))
        return [self.from_api(scope, item) for item in items]

    def from_api(self, scope: str, item: dict[str, Any]) -> Resource:
        body = {"name": item.get("name") or "", "vars": item.get("vars") or {},
                "subscribed": item.get("subscribed") is not False}
        return self.resource(scope, item["address"], body)

    def upsert(self, client: Client, batch: list[Change]) -> None:
        scope = batch[0].address.scope
        members = [{"address": c.address.name, **_full(c)} for c in batch]
        form = [("members", json.dumps(members, ensure_ascii=False)), ("upsert", "yes")]
        client.post(f"/v3/lists/{path_quote(scope)}/members.json", data=form)

    def delete(self, client: Client, change: Change) -> None:
        address = change.address
        client.delete(f"/v3/lists/{path_quote(address.scope)}/members/{path_quote(address.name)}")


def _full(change: Change) -> dict[str, Any]:
    base = Member().comparable() if change.observed is None else change.observed.body.comparable()
    return {**base, **change.desired.body.managed()}
