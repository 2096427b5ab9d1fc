"""Kind ``forward``: an account-level forward rule (``forward:<match>``), wire-issue11.md §3.

A rule matches an inbound recipient with a case-insensitive pattern (``*`` the only wildcard) and
forwards to up to 5 addresses, up to 3 URLs and/or a store-and-notify URL. Mailgun names rules by a
server id, kept in ``Resource.meta["id"]`` and the lockfile.

Keyed by ``match``, lower-cased (matching ignores case): one rule per pattern already holds all its
destinations, and no precedence between rules of one pattern is documented, so a second rule for a
pattern could only be ambiguous. Whether Mailgun rejects a duplicate ``match`` is UNCONFIRMED (the
bundled emulator does, with a 400). Should an account hold duplicates anyway, the oldest rule (or
the one the lockfile knows) keeps the pattern and the others are named ``<match>#<id>``: listed as
not managed, deleted by ``prune: [forwards]``, left out by import with a note.

The destinations are managed together, as a route's actions are: a forward lists all of them, and
one left out means none (a forward with unmanaged destinations would mean nothing). Import writes
``forwards.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, WithJsonSchema, field_validator, model_validator
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import STR, ListOf, Obj, fits
from mgsync.changes import Change
from mgsync.kinds.base import Kind, path_quote
from mgsync.kinds.capabilities import Deletable, OwnFile, Prunable, Writable, left_out_duplicates
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.fields import URL_SCHEMA, Email, Url
from mgsync.shapes.output import Output, flow_seq
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client

MAX_RECIPIENTS, MAX_URLS = 5, 3  # per rule (API reference, POST /v3/forwards)
PATH = "/v3/forwards"

FORWARDS_NOTE = """\
Forward rules, keyed by their match pattern (case-insensitive, * the only wildcard, before the @).
Each lists all its destinations: recipients (up to 5), urls (up to 3) and store (a notify URL)."""


class Forward(Spec):
    recipients: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    store: str | None = None

    @field_validator("recipients", "urls")
    @classmethod
    def _as_set(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        # Order carries no meaning for Mailgun: compare as a sorted set.
        return tuple(sorted(set(values)))


def check_match(text: str) -> str:
    """``local@domain``: ``*`` is the only wildcard, and only before the ``@``; the domain is written out."""
    local, at, domain = text.rpartition("@")
    if not at or not local:
        raise ValueError(f'match "{text}" must be local@domain, e.g. "support@mg.example.com" or "*@mg.example.com"')
    if "*" in domain:
        raise ValueError(f'match "{text}": the wildcard * may appear only before the @ (write the domain out)')
    if not rules.is_domain(domain.lower()):
        raise ValueError(f'match "{text}": "{domain}" is not a valid domain name')
    if len(local) > 64 or not rules.LOCAL_PART.fullmatch(local):
        raise ValueError(
            f'match "{text}": before the @ only e-mail address characters may appear, with * as the wildcard'
        )
    return text


Match = Annotated[str, AfterValidator(check_match)]


def _distinct(noun: str, most: int, same: Callable[[str], str]) -> Any:
    """At most ``most`` values, none twice (compared as ``same`` folds them)."""

    def check(values: list[str]) -> list[str]:
        if len(values) > most:
            raise ValueError(f"has {len(values)} {noun}; Mailgun allows at most {most} per forward")
        for i, value in enumerate(values):
            if same(value) in map(same, values[:i]):
                raise ValueError(f'lists "{value}" twice')
        return values

    return AfterValidator(check)


EMAIL_SCHEMA = {"type": "string", "format": "email"}


def _array(items: dict[str, str], most: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "uniqueItems": True, "maxItems": most}


class ForwardDoc(Doc):
    """A forward rule: where mail to addresses matching its key goes (at least one destination)."""

    recipients: Annotated[
        list[Email],
        _distinct("recipients", MAX_RECIPIENTS, str.lower),
        WithJsonSchema(_array(EMAIL_SCHEMA, MAX_RECIPIENTS)),
    ] = UNSET
    urls: Annotated[list[Url], _distinct("URLs", MAX_URLS, str), WithJsonSchema(_array(URL_SCHEMA, MAX_URLS))] = UNSET
    store: Url = UNSET

    @model_validator(mode="after")
    def _destination(self) -> ForwardDoc:
        if not (self.recipients or self.urls or self.store):
            raise ValueError("needs at least one destination: recipients, urls or store")
        return self


ITEM = Obj(
    {"id": STR, "match": STR},
    {
        "forward": Obj(optional={"recipients": ListOf(STR), "urls": ListOf(STR), "store": STR}),
        "domain_name": STR,
        "created_at": STR,
    },
)  # wire-issue11.md §3.2


class ForwardKind(Kind[Forward], Writable, Deletable, Prunable, OwnFile):
    name = "forward"
    model = Forward
    section = "forwards"
    document = dict[Match, ForwardDoc]
    note = FORWARDS_NOTE
    import_file = "forwards.yaml"
    import_title = "forward rules"
    lock_meta = ("id",)

    def requires(self, address: Address) -> tuple[Address, ...]:
        """The domain after the ``@``: Mailgun refuses a rule for a domain not on the account."""
        return (DOMAIN.canonical(Address(DOMAIN.name, address.key.rpartition("@")[2].partition("#")[0])),)

    def wanted(self, desired: Resource, observed: Resource) -> dict[str, Any]:
        """Every destination: one the entry leaves out is none (module docstring)."""
        return self.spec(desired).comparable()

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        entries = CommentedMap()
        for rule in sorted(resources, key=lambda r: r.address.key):
            body, entry = self.spec(rule), CommentedMap()
            if body.recipients:
                entry["recipients"] = flow_seq(body.recipients)
            if body.urls:
                entry["urls"] = flow_seq(body.urls)
            if body.store:
                entry["store"] = body.store
            entries[rule.address.key] = entry
        return entries

    def import_names(self, observed: State) -> list[str]:
        """Rules sharing a pattern (``<match>#<id>``) cannot be written as manifest keys: left out."""
        return left_out_duplicates(
            observed,
            self.name,
            lambda rule: (
                f"forward {self.identity(rule.meta['match'])!r}: Mailgun has another rule with this "
                f"match (id {rule.meta['id']}); imported the oldest only. Delete the other in Mailgun, "
                "or add prune: [forwards]"
            ),
        )

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        known = {r.meta.get("id") for r in locked.of_kind(self.name)}
        return self._named(self._items(client), known)

    def find(self, client: Client, address: Address) -> Resource | None:
        """Re-read by match (only the rules of its domain): the newest is the one just created."""
        domain = address.key.rpartition("@")[2]
        found = [
            r for r in self._named(self._items(client, domain), set()) if self.identity(r.meta["match"]) == address.key
        ]
        return max(found, key=lambda r: r.meta["order"]) if found else None

    def create(self, client: Client, change: Change) -> Resource | None:
        data = client.post(PATH, data=[("match", change.address.key), *self._form(self.spec(change.desired).managed())])
        return self._resource(data, change.address.key, 0) if fits(ITEM, data) else None

    def update(self, client: Client, change: Change) -> Resource | None:
        changed = {f.field: (change.after or {})[f.field] for f in change.fields}  # PUT leaves the others be
        data = client.put(self._path(change), data=self._form(changed, clear=True))
        return self._resource(data, change.address.key, 0) if fits(ITEM, data) else None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    def _path(self, change: Change) -> str:
        return f"{PATH}/{path_quote(self.live(change).meta['id'])}"

    @staticmethod
    def _form(fields: dict[str, Any], clear: bool = False) -> list[tuple[str, str]]:
        """Form fields for the destinations in ``fields``. A PUT changes only the fields it names; an
        empty value clears one (UNCONFIRMED: how Mailgun clears a list is not documented)."""
        form: list[tuple[str, str]] = []
        for field, wire in (("recipients", "forward.recipient"), ("urls", "forward.url"), ("store", "forward.store")):
            if field not in fields:
                continue
            value = fields[field]
            values = [value] if isinstance(value, str) else list(value or ())
            form += [(wire, v) for v in values] or ([(wire, "")] if clear else [])
        return form

    def _items(self, client: Client, domain: str | None = None) -> list[dict[str, Any]]:
        # UNCONFIRMED: the largest page Mailgun allows here (1000 assumed, as other v3 lists).
        params = {"domain.name": domain} if domain else None
        return list(client.iter_pages(PATH, params, limit=1000, item=ITEM))

    def _named(self, items: list[dict[str, Any]], known: set[Any]) -> list[Resource]:
        """One rule per pattern keeps it: the one the lockfile knows, else the oldest; others get ``#<id>``."""
        groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for order, item in enumerate(items):
            groups.setdefault(self.identity(item["match"]), []).append((order, item))
        named = []
        for match, group in groups.items():
            group.sort(key=lambda pair: (pair[1]["id"] not in known, _created(pair[1]), pair[0]))
            named += [
                self._resource(item, f"{match}#{item['id']}" if i else match, order, duplicate=bool(i))
                for i, (order, item) in enumerate(group)
            ]
        return named

    def _resource(self, item: dict[str, Any], key: str, order: int, duplicate: bool = False) -> Resource:
        forward = item.get("forward") or {}
        body = {
            "recipients": forward.get("recipients") or (),
            "urls": forward.get("urls") or (),
            "store": forward.get("store") or None,
        }
        return self.resource("", key, body, id=item["id"], match=item["match"], order=order, duplicate=duplicate)


def _created(item: dict[str, Any]) -> float:
    """When a rule was created, for "oldest" (UNCONFIRMED date format; unreadable sorts last)."""
    try:
        return parsedate_to_datetime(item.get("created_at") or "").timestamp()
    except (TypeError, ValueError):
        return float("inf")


FORWARD = ForwardKind()
