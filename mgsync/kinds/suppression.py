"""Suppression kinds: bounces, unsubscribes, complaints, allowlist (``<kind>:<domain>/<address>``). §8.

In a manifest they sit together in a domain's ``suppressions:`` mapping, one collection each.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import BeforeValidator, Field, WithJsonSchema

from mgsync.answers import STR, ListOf, Scalar
from mgsync.changes import Change
from mgsync.kinds.base import Loc, path_quote
from mgsync.kinds.bulk import BulkKind
from mgsync.kinds.capabilities import Writable
from mgsync.kinds.columns import Record, column, key, list_cell, parse_list
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import Group
from mgsync.shapes.fields import DomainName, Email, EmailOrDomain
from mgsync.state import Entries, Resource

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

SUPPRESSIONS = Group(
    "suppressions",
    "SuppressionsDoc",
    "Suppression entries mgsync ensures exist (others are kept unless the domain prunes them).",
    key_noun="suppression list",
    note="""\
Suppressions are additive: mgsync ensures these entries exist and never removes others (list a
collection in this domain's prune to own it completely).""",
)
IGNORED = "created_at"  # accepted in CSV so that files exported from Mailgun load as they are
# A bounce's code is any text, as Mailgun holds it: the OpenAPI types it a free string and its own
# bulk example sends ``code: ""``, a cassette stores "777" (§8.1), and live bounces carry what the
# receiving server said ("5.1.1"). A number is written as its digits.
BounceCode = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
]


# The emulator stores "" as 550 (emulator/suppression_kinds.py), so the entry never converges.
EMPTY_CODE = (
    "an empty code is stored as Mailgun's default, 550 (documented for a form POST; UNCONFIRMED for the "
    "JSON mgsync sends), so this entry would never match what Mailgun holds; leave code out to leave it as it is"
)


def _written(value: str) -> str:
    """An allowlist value as a manifest holds it: a domain lower-case (manifests refuse others; Mailgun
    matches domains case-blind), an address as Mailgun shows it."""
    return value if "@" in value else value.lower()


# Each entry class is its kind's one declaration (``columns.py``): document, CSV, API item and import
# output all follow from these columns.
class Bounce(Record):
    address = key(Email, check=rules.is_email)
    code: str = column(
        BounceCode,
        "550",
        always=True,
        # ``code`` is a string live; an old fixture has the number 550 (§8.1).
        api=Scalar("a string or number", (str, int)),
        read=lambda item: "550" if item.get("code") is None else str(item["code"]),
    )
    error: str = column(str, "", api=STR)


class Unsubscribe(Record):
    address = key(Email, check=rules.is_email)
    # Never empty (the document and the read make sure); CSV holds it as one cell, split on ";".
    tags: tuple[str, ...] = column(
        Annotated[list[str], Field(min_length=1)],
        ("*",),
        check=bool,
        fix=lambda tags: tuple(sorted(set(tags))),
        parse=parse_list,
        cell=list_cell,
        shown=list,
        api=ListOf(STR),
        api_also={"tag": STR},  # older answers: one ``tag`` (§8.2)
        read=lambda item: item.get("tags") or ([item["tag"]] if item.get("tag") else ["*"]),
    )


class Complaint(Record):
    address = key(Email, check=rules.is_email)


class Allowlist(Record, doc="AllowDoc"):
    """An allowlisted address (contains ``@``) or domain; the kind is derived from the key."""

    value = key(
        EmailOrDomain,
        check=rules.is_email_or_domain,
        cell=_written,
        inline_name=lambda value: "address" if "@" in value else "domain",
    )
    address = key(Email)
    domain = key(DomainName)
    reason: str = column(str, "", api=STR)


S = TypeVar("S", bound=Record)


class SuppressionKind(BulkKind[S]):
    """A domain's suppression table: read in pages of 1000, added in JSON batches of 999.

    Additive (§3.3): Mailgun and recipients add entries themselves, so mgsync only deletes entries
    of a table the manifest prunes.
    """

    parent = DOMAIN
    group = SUPPRESSIONS
    # JSON bulk add: "Batch size should be less than 1000" (the OpenAPI's 400 for each table), as
    # mailgun-ruby splits at 999 (suppressions.rb); the docs' "up to 1000" is not to be trusted (§8).
    max_batch = 999
    table: ClassVar[str]
    csv_ignored: ClassVar[tuple[str, ...]] = (IGNORED,)

    def csv_file(self, scope: str) -> str:
        return f"suppressions/{scope}/{self.section}.csv"

    def read_entries(self, client: Client, scope: str) -> Entries:
        entries: Entries = {}
        for page in client.iter_page_lists(f"/v3/{path_quote(scope)}/{self.table}", limit=1000, item=self.item()):
            entries.update(self.page_entries(page))
        return entries

    def record(self, change: Change) -> dict[str, Any]:
        base = {} if change.observed is None else change.observed.body.comparable()
        return {"address": change.address.name, **base, **self.wanted_fields(change)}

    def wanted_fields(self, change: Change) -> dict[str, Any]:
        if change.observed is None or change.desired is None:  # a create (spec refuses a change with no desired)
            return self.spec(change.desired).managed()
        return self.wanted(change.desired, change.observed)

    def upsert(self, client: Client, batch: list[Change]) -> None:
        scope = batch[0].address.scope
        client.post(f"/v3/{path_quote(scope)}/{self.table}", json=[self.record(c) for c in batch])

    def delete(self, client: Client, change: Change) -> None:
        address = change.address
        client.delete(f"/v3/{path_quote(address.scope)}/{self.table}/{path_quote(address.name)}")


class BounceKind(SuppressionKind[Bounce]):
    name = "bounce"
    model = Bounce
    section = "bounces"
    table = "bounces"
    plain_items = True

    def declare(self, out: Harvest, scope: str, value: Any, loc: Loc) -> None:
        super().declare(out, scope, value, loc)
        for i, entry in enumerate(value if isinstance(value, list) else ()):  # a CSV's empty cell is not set
            if getattr(entry, "code", None) == "" and "code" in entry.model_fields_set:
                out.warn((*loc, i, "code"), EMPTY_CODE)


class UnsubscribeKind(SuppressionKind[Unsubscribe]):
    name = "unsubscribe"
    model = Unsubscribe
    section = "unsubscribes"
    table = "unsubscribes"

    def wanted(self, desired: Resource, observed: Resource) -> dict[str, Any]:
        # Tags only ever grow: dropping a tag would re-subscribe the recipient to it (§3.3).
        wanted = self.spec(desired).managed()
        if "tags" in wanted:
            wanted["tags"] = sorted(set(wanted["tags"]) | set(self.spec(observed).tags))
        return wanted


class ComplaintKind(SuppressionKind[Complaint]):
    name = "complaint"
    model = Complaint
    section = "complaints"
    table = "complaints"
    plain_items = True


class AllowlistKind(SuppressionKind[Allowlist], Writable):
    """The allowlist has no JSON bulk add (§8.4): entries are added in bulk through the CSV import
    (``POST …/whitelists/import``, one ``address`` or ``domain`` per row, with its ``reason``), one
    at a time by form POST where a single entry is created (a lost batch answer is re-read first)."""

    name = "allowlist"
    nouns = ("allowlist entry", "allowlist entries")
    model = Allowlist
    section = "allowlist"
    csv_ignored = ()  # Mailgun's allowlist export has no ``created_at``
    max_batch = 10_000  # rows per CSV import: far below its 25 MB limit (§8)
    table = "whitelists"
    plain_items = True

    def upsert(self, client: Client, batch: list[Change]) -> None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(("address", "domain", "reason"))
        for change in batch:
            value = change.address.name
            target = (value, "") if "@" in value else ("", value)
            writer.writerow((*target, self.record(change).get("reason", "")))
        upload = {"file": ("allowlist.csv", text.getvalue().encode(), "text/csv")}
        client.post(f"/v3/{path_quote(batch[0].address.scope)}/{self.table}/import", files=upload)

    def create(self, client: Client, change: Change) -> Resource | None:
        value = change.address.name
        field = "address" if "@" in value else "domain"
        form = [(field, value), ("reason", self.record(change).get("reason", ""))]
        client.post(f"/v3/{path_quote(change.address.scope)}/{self.table}", data=form)
        return None

    update = create


BOUNCE = BounceKind()
UNSUBSCRIBE = UnsubscribeKind()
COMPLAINT = ComplaintKind()
ALLOWLIST = AllowlistKind()
