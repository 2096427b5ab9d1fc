"""Kind ``webhook``: the URLs of one event type on a domain (``webhook:<domain>/<event>``). §5.1.

A webhook Mailgun shows in its legacy shape, ``{"bounce": {"url": "…"}}`` (mailgun-go ``UrlOrUrls``,
mailgun-php ``Webhook/IndexResponse``), is read as the list of its one URL; one of a legacy event
name (bounce, deliver, drop, spam, unsubscribe, click, open) no manifest can hold, so import leaves it
out with a note and a plan lists it as not managed (``prune: [webhooks]`` deletes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, WithJsonSchema, field_validator
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import STR, ListOf, MapOf, Nullable, Obj
from mgsync.changes import Change
from mgsync.kinds.base import Kind, Loc, path_quote
from mgsync.kinds.capabilities import Deletable, Lossy, Prunable, Writable
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes.doc import UNSET, Doc, Either
from mgsync.shapes.fields import URL_SCHEMA, Url
from mgsync.shapes.output import Output, flow_seq
from mgsync.state import Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

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


def _urls(urls: list[str]) -> list[str]:
    if not urls:
        raise ValueError("needs at least one URL (remove the event to leave it unmanaged)")
    if len(urls) > MAX_URLS:
        raise ValueError(f"has {len(urls)} URLs; Mailgun allows at most {MAX_URLS} per event")
    for i, url in enumerate(urls):
        if url in urls[:i]:
            raise ValueError(f'lists "{url}" twice')
    return urls


UrlList = Annotated[
    list[Url],
    AfterValidator(_urls),
    WithJsonSchema({"type": "array", "items": URL_SCHEMA, "minItems": 1, "maxItems": MAX_URLS}),
]
Urls = Annotated[UrlList | Url, Either("list", "scalar")]


class WebhooksDoc(Doc):
    """Webhook URLs per event (at most 3 each); one URL may be written as a plain string."""

    KEY_NOUN: ClassVar[str] = "event"

    accepted: Urls = UNSET
    clicked: Urls = UNSET
    complained: Urls = UNSET
    delivered: Urls = UNSET
    opened: Urls = UNSET
    permanent_fail: Urls = UNSET
    temporary_fail: Urls = UNSET
    unsubscribed: Urls = UNSET


# Unconfigured events are omitted live, but some answers carry null: accept both (§5.1); a legacy
# webhook has one ``url`` (see the module).
ANSWER = Obj({"webhooks": MapOf(Nullable(Obj(optional={"urls": ListOf(STR), "url": STR})))})


class WebhookKind(Kind[Webhook], Writable, Deletable, Prunable, Lossy):
    """v3 webhooks: one object per (domain, event); PUT replaces the URL list (§5.1)."""

    name = "webhook"
    model = Webhook
    parent = DOMAIN
    section = "webhooks"
    document = WebhooksDoc

    def losses(self, change: Change) -> list[str]:
        # A URL dropped from an event's list (or with the whole webhook) gets none of its events from then on.
        after = (change.after or {}).get("urls") or ()
        return [f"deliveries to {url} stop" for url in (change.before or {}).get("urls") or () if url not in after]

    def declare(self, out: Harvest, scope: str, value: Any, loc: Loc) -> None:
        for event in sorted(value.model_fields_set):
            urls = getattr(value, event)
            urls = tuple(urls) if isinstance(urls, list) else (urls,)
            out.declare(self.address(scope, event), self.model, {"urls": urls}, (*loc, event))

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        hooks = CommentedMap()
        for hook in resources:
            urls = self.spec(hook).urls
            hooks[hook.address.name] = urls[0] if len(urls) == 1 else flow_seq(urls)
        return hooks

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        hooks = client.read(f"/v3/domains/{path_quote(scope)}/webhooks", ANSWER)["webhooks"]
        found = [(event, (value or {}).get("urls") or _legacy(value)) for event, value in sorted(hooks.items())]
        return [self.resource(scope, event, {"urls": urls}) for event, urls in found if urls]

    def create(self, client: Client, change: Change) -> Resource | None:
        urls = self.spec(change.desired).urls
        form = [("id", change.address.name), *[("url", u) for u in urls]]
        client.post(f"/v3/domains/{path_quote(change.address.scope)}/webhooks", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        form = [("url", u) for u in self.spec(change.desired).urls]
        client.put(self._path(change), data=form)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    @staticmethod
    def _path(change: Change) -> str:
        address = change.address
        return f"/v3/domains/{path_quote(address.scope)}/webhooks/{path_quote(address.name)}"


def _legacy(value: dict[str, Any] | None) -> list[str]:
    """A legacy webhook's one ``url``, as a list (none when there is none)."""
    url = (value or {}).get("url")
    return [url] if url else []


WEBHOOK = WebhookKind()
