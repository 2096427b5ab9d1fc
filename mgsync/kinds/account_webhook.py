"""Kind ``account_webhook``: one account-level webhook (``account_webhook:<url>``), wire-issue11.md §1.

An account webhook is one URL with the event types it receives, firing for every domain of the
account (``/v1/webhooks``). mgsync keys it by its URL: Mailgun refuses a second webhook with the
same URL (409, UNCONFIRMED trigger, see the note) so the URL names one object, while the server's
``webhook_id`` is kept in ``Resource.meta["id"]`` and the lockfile. Should an account hold two
anyway, the one the lockfile knows (else the oldest) keeps the URL and the others are named
``<url>#<id>``, as forwards sharing a match: not managed, deleted by ``prune: [account_webhooks]``,
left out by import with a note. A listed webhook of another shape is left out of the listing
alone (``answers.fitting``). URLs are matched
exactly as written, case included: paths and queries are case-sensitive, and Mailgun's duplicate
check is taken to compare strings (UNCONFIRMED). Mailgun allows at most 3 URLs per event type,
checked per manifest file at validation. Import writes ``account_webhooks.yaml``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema, field_validator
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import ANY, STR, ListOf, Obj, fits, fitting, odd_sink
from mgsync.changes import Change
from mgsync.kinds.base import Exact, Kind, Loc, path_quote
from mgsync.kinds.capabilities import Deletable, OwnFile, Prunable, Writable, left_out_duplicates
from mgsync.kinds.webhook import EVENTS  # the same eight events as a domain's webhooks
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.fields import Url
from mgsync.shapes.output import Output, flow_seq
from mgsync.state import Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

MAX_URLS = 3  # per event type, over all account webhooks ("Maximum of 3 unique URLs per event type")
PATH = "/v1/webhooks"

NOTE = """\
Account-level webhooks fire for the events of every domain of the account. Each is keyed by its
URL, matched exactly (case included); mgsync.lock ties each URL to its Mailgun webhook id. Mailgun
allows at most 3 URLs per event type."""


class AccountWebhook(Spec):
    events: tuple[str, ...] = Field(min_length=1)
    description: str = ""

    @field_validator("events")
    @classmethod
    def _canonical_order(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        # Whether Mailgun keeps the order sent is UNCONFIRMED, and order carries no meaning: a sorted set.
        return tuple(sorted(set(events)))


def _event(name: str) -> str:
    if name not in EVENTS:
        raise ValueError(rules.unknown("event", name, EVENTS))
    return name


def _distinct(events: list[str]) -> list[str]:
    for i, event in enumerate(events):
        if event in events[:i]:
            raise ValueError(f'lists "{event}" twice')
    return events


Event = Annotated[str, AfterValidator(_event), WithJsonSchema({"type": "string", "enum": list(EVENTS)})]


class AccountWebhookDoc(Doc):
    """An account-level webhook, keyed by its http(s) URL: the event types it receives, for every domain."""

    events: Annotated[list[Event], Field(min_length=1), AfterValidator(_distinct)] = Field(
        description="Event types sent to this URL; at most 3 URLs per event type across the account."
    )
    description: str = UNSET


ITEM = Obj({"webhook_id": STR, "url": STR, "event_types": ListOf(STR)}, {"description": STR, "created_at": STR})
ANSWER = Obj({"webhooks": ListOf(ITEM)})  # §1.1: no paging
LENIENT = Obj({"webhooks": ListOf(ANY)})  # its items checked one by one (``_items``)
CREATED = Obj({"webhook_id": STR})


class AccountWebhookKind(Exact, Kind[AccountWebhook], Writable, Deletable, Prunable, OwnFile):
    """``/v1/webhooks``: create answers only the id, PUT replaces the whole webhook and answers 204."""

    name = "account_webhook"
    model = AccountWebhook
    nouns = ("account webhook", "account webhooks")
    section = "account_webhooks"
    document = dict[Url, AccountWebhookDoc]
    note = NOTE
    import_file = "account_webhooks.yaml"
    import_title = "account-level webhooks"
    lock_meta = ("id",)

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        """Declare the webhook unless it would be a 4th URL of one of its event types in this file."""
        crowded = [(i, e) for i, e in enumerate(doc.events) if len(self._urls_of(out, e)) >= MAX_URLS]
        for i, event in crowded:
            others = ", ".join(self._urls_of(out, event))
            out.problem(
                (*loc, "events", i),
                f'"{event}" already has {MAX_URLS} URLs in this file ({others}); '
                f"Mailgun allows at most {MAX_URLS} URLs per event type",
            )
        if not crowded:
            super().declare_one(out, scope, key, doc, loc)

    def _urls_of(self, out: Harvest, event: str) -> list[str]:
        """The URLs this file already declared for ``event``.

        Only this file: the loader hands a kind one file's entries at a time, so URLs of one event
        split over several files are left to Mailgun's own check at apply (a 400 naming the event).
        """
        return [r.address.key for r in out.resources if r.address.kind == self.name and event in self.spec(r).events]

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        entries = CommentedMap()
        for hook in resources:
            body = self.spec(hook)
            entry = CommentedMap(events=flow_seq(body.events))
            if body.description:  # Mailgun stores "" when none was sent: nothing to write
                entry["description"] = body.description
            entries[hook.address.key] = entry
        return entries

    def import_names(self, observed: State) -> list[str]:
        """Webhooks sharing a URL (``<url>#<id>``) cannot be written as manifest keys: left out."""
        return left_out_duplicates(
            observed,
            self.name,
            lambda hook: (
                f"account webhook {hook.meta['url']!r}: Mailgun has another webhook with this URL (id "
                f"{hook.meta['id']}); imported the oldest only. Delete the other in Mailgun, or add prune: "
                "[account_webhooks]"
            ),
        )

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        known = {r.meta.get("id") for r in locked.of_kind(self.name)}
        groups: dict[str, list[dict[str, Any]]] = {}
        for hook in _items(client):
            groups.setdefault(hook["url"], []).append(hook)
        found = []
        for url, group in groups.items():
            group.sort(key=lambda hook: (hook["webhook_id"] not in known, _created(hook)))  # stable: then listed
            found += [self._from_api(hook, f"{url}#{hook['webhook_id']}" if i else url) for i, hook in enumerate(group)]
        return found

    def _from_api(self, hook: dict[str, Any], key: str) -> Resource:
        body = {"events": hook["event_types"], "description": hook.get("description") or ""}
        meta = {"id": hook["webhook_id"], "url": hook["url"], "duplicate": key != hook["url"]}
        return self.resource("", key, body, **meta)

    def create(self, client: Client, change: Change) -> Resource | None:
        wanted = self.spec(change.desired)
        description = wanted.description if "description" in wanted.model_fields_set else None
        answer = client.post(PATH, data=self._form(change.address.key, wanted.events, description))
        if not fits(CREATED, answer):
            return None  # the re-read after apply records the id
        body = {"events": wanted.events, "description": description or ""}
        return self.resource("", change.address.key, body, id=answer["webhook_id"])

    def update(self, client: Client, change: Change) -> Resource | None:
        """PUT replaces the whole webhook (§1.1): an unmanaged description is sent back as it is."""
        wanted, live = self.spec(change.desired), self.live(change)
        events = wanted.events  # always written: a webhook needs at least one
        description = wanted.description if "description" in wanted.model_fields_set else self.spec(live).description
        client.put(self._path(live), data=self._form(change.address.key, events, description))
        return self.resource("", change.address.key, {"events": events, "description": description}, **live.meta)

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(self.live(change)))

    @staticmethod
    def _path(live: Resource) -> str:
        return f"{PATH}/{path_quote(live.meta['id'])}"

    @staticmethod
    def _form(url: str, events: tuple[str, ...], description: str | None) -> list[tuple[str, str]]:
        form = [("url", url), *[("event_types", event) for event in events]]
        return form if description is None else [*form, ("description", description)]


def _items(client: Client) -> list[dict[str, Any]]:
    """The listing; while ``observe`` reads leniently, a webhook of another shape is left out of it
    and noted (``answers.odd_sink``), as an odd item of a paged listing is (``Client.odd_items``)."""
    sink = odd_sink()
    if sink is None:
        return list(client.read(PATH, ANSWER)["webhooks"])
    kept, odd = fitting(client.read(PATH, LENIENT)["webhooks"], ListOf(ITEM), PATH)
    sink.extend(odd)
    return kept


def _created(hook: dict[str, Any]) -> float:
    """When a webhook was created (RFC 3339, wire-issue11.md §1.1), for "oldest"; unreadable: last."""
    try:
        return datetime.fromisoformat(hook.get("created_at") or "").timestamp()
    except ValueError:
        return float("inf")


ACCOUNT_WEBHOOK = AccountWebhookKind()
