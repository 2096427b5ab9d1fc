"""Suppression models: bounces, unsubscribes, complaints, allowlist (``<kind>:<domain>/<address>``). §8."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from mgsync.changes import Change
from mgsync.kinds.base import BulkKind, Done, EmailKeyed, Kind, Spec, path_quote
from mgsync.shape import STR, ListOf, Obj, Scalar, Shape
from mgsync.state import Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client


class Bounce(Spec):
    code: str = "550"
    error: str = ""


class Unsubscribe(Spec):
    tags: tuple[str, ...] = Field(("*",), min_length=1)

    @field_validator("tags")
    @classmethod
    def _canonical_order(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(tags)))


class Complaint(Spec):
    pass


class Allowlist(Spec):
    """An allowlisted address (contains ``@``) or domain; the kind is derived from the key."""

    reason: str = ""


class SuppressionKind(EmailKeyed, BulkKind):
    """A domain's suppression table: read in pages of 1000, added in JSON batches of 1000.

    Additive (§3.3): Mailgun and recipients add entries themselves, so mgsync only deletes entries
    of a table the manifest prunes.
    """

    batch_size = 1000  # JSON bulk add takes at most 1000 records per call (§8)
    table: ClassVar[str]
    key_field: ClassVar[str] = "address"
    item_fields: ClassVar[dict[str, Shape]] = {}  # what ``body`` reads of an item, besides the key

    def item(self) -> Obj:
        return Obj({self.key_field: STR}, self.item_fields)

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = list(client.iter_pages(f"/v3/{path_quote(scope)}/{self.table}", limit=1000, item=self.item()))
        return [self.resource(scope, item[self.key_field], self.body(item)) for item in items]

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: item[k] for k in self.model.model_fields if item.get(k) is not None}

    def record(self, change: Change) -> dict[str, Any]:
        base = {} if change.observed is None else change.observed.body.comparable()
        return {"address": change.address.name, **base, **self.wanted_fields(change)}

    def wanted_fields(self, change: Change) -> dict[str, Any]:
        if change.observed is None:
            return change.desired.body.managed()
        return self.wanted(change.desired.body, change.observed.body)

    def upsert(self, client: Client, batch: list[Change]) -> None:
        scope = batch[0].address.scope
        client.post(f"/v3/{path_quote(scope)}/{self.table}", json=[self.record(c) for c in batch])

    def delete(self, client: Client, change: Change) -> None:
        address = change.address
        client.delete(f"/v3/{path_quote(address.scope)}/{self.table}/{path_quote(address.name)}")


class BounceKind(SuppressionKind):
    name = "bounce"
    model = Bounce
    table = "bounces"
    # ``code`` is a string live; an old fixture has the number 550 (§8.1).
    item_fields = {"code": Scalar("a string or number", (str, int)), "error": STR}

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        code = item.get("code")
        return {"code": "550" if code is None else str(code), "error": item.get("error") or ""}


class UnsubscribeKind(SuppressionKind):
    name = "unsubscribe"
    model = Unsubscribe
    table = "unsubscribes"
    item_fields = {"tags": ListOf(STR), "tag": STR}  # older answers: one ``tag`` (§8.2)

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        tags = item.get("tags") or ([item["tag"]] if item.get("tag") else ["*"])
        return {"tags": tags}

    def wanted(self, desired: Spec, observed: Spec) -> dict[str, Any]:
        # Tags only ever grow: dropping a tag would re-subscribe the recipient to it (§3.3).
        wanted = desired.managed()
        if "tags" in wanted:
            wanted["tags"] = sorted(set(wanted["tags"]) | set(observed.tags))
        return wanted


class ComplaintKind(SuppressionKind):
    name = "complaint"
    model = Complaint
    table = "complaints"

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        return {}


class AllowlistKind(SuppressionKind):
    """The allowlist has no JSON bulk add (§8.4): entries are added one form POST at a time."""

    name = "allowlist"
    nouns = ("allowlist entry", "allowlist entries")
    model = Allowlist
    table = "whitelists"
    key_field = "value"
    item_fields = {"reason": STR}

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"reason": item.get("reason") or ""}

    def apply(self, client: Client, changes: list[Change], done: Done) -> None:
        Kind.apply(self, client, changes, done)

    def create(self, client: Client, change: Change) -> Resource | None:
        value = change.address.name
        field = "address" if "@" in value else "domain"
        form = [(field, value), ("reason", self.record(change).get("reason", ""))]
        client.post(f"/v3/{path_quote(change.address.scope)}/{self.table}", data=form)
        return None

    update = create
