"""Kind ``webhook``: the URLs of one event type on a domain (``webhook:<domain>/<event>``). §5.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from mgsync.changes import Change
from mgsync.kinds.base import Kind, Spec, path_quote
from mgsync.shape import STR, ListOf, MapOf, Nullable, Obj
from mgsync.state import Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

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


class Webhook(Spec):
    urls: tuple[str, ...] = Field(min_length=1, max_length=MAX_URLS)

    @field_validator("urls")
    @classmethod
    def _canonical_order(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        # Mailgun keeps the order sent, but order carries no meaning: compare as a sorted set.
        return tuple(sorted(set(urls)))


# Unconfigured events are omitted live, but some answers carry null: accept both (§5.1).
ANSWER = Obj({"webhooks": MapOf(Nullable(Obj(optional={"urls": ListOf(STR)})))})


class WebhookKind(Kind):
    """v3 webhooks: one object per (domain, event); PUT replaces the URL list (§5.1)."""

    name = "webhook"
    model = Webhook

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        hooks = client.read(f"/v3/domains/{path_quote(scope)}/webhooks", ANSWER)["webhooks"]
        return [
            self.resource(scope, event, {"urls": value["urls"]})
            for event, value in sorted(hooks.items())
            if value and value.get("urls")
        ]

    def create(self, client: Client, change: Change) -> Resource | None:
        urls = change.desired.body.urls
        form = [("id", change.address.name), *[("url", u) for u in urls]]
        client.post(f"/v3/domains/{path_quote(change.address.scope)}/webhooks", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        form = [("url", u) for u in change.desired.body.urls]
        client.put(self._path(change), data=form)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    @staticmethod
    def _path(change: Change) -> str:
        address = change.address
        return f"/v3/domains/{path_quote(address.scope)}/webhooks/{path_quote(address.name)}"
