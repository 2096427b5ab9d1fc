"""Suppression kinds: bounces, unsubscribes, complaints, allowlist (``<kind>:<domain>/<address>``). §8.

In a manifest they sit together in a domain's ``suppressions:`` mapping, one collection each.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator

from mgsync.answers import STR, ListOf, Obj, Scalar, Shape
from mgsync.changes import Change
from mgsync.kinds.base import BulkKind, path_quote
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc, Group, collection
from mgsync.shapes.fields import DomainName, Email, EmailOrDomain
from mgsync.shapes.output import flow_map
from mgsync.state import Entries, Resource, Row

if TYPE_CHECKING:
    from mgsync.client import Client

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
SmtpCode = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    AfterValidator(rules.check_smtp_code),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d{3}$"}, {"type": "integer"}]}),
]


class Bounce(Row):
    __slots__ = ("code", "error")
    DEFAULTS: ClassVar[dict[str, Any]] = {"code": "550", "error": ""}
    code: str
    error: str


class Unsubscribe(Row):
    __slots__ = ("tags",)
    DEFAULTS: ClassVar[dict[str, Any]] = {"tags": ("*",)}
    FIX: ClassVar[dict[str, Callable[[Any], Any]]] = {"tags": lambda tags: tuple(sorted(set(tags)))}
    tags: tuple[str, ...]  # never empty (the document and the read make sure)


class Complaint(Row):
    __slots__ = ()


class Allowlist(Row):
    """An allowlisted address (contains ``@``) or domain; the kind is derived from the key."""

    __slots__ = ("reason",)
    DEFAULTS: ClassVar[dict[str, Any]] = {"reason": ""}
    reason: str


class BounceDoc(Doc):
    address: Email
    code: SmtpCode = UNSET
    error: str = UNSET


class UnsubscribeDoc(Doc):
    address: Email
    tags: Annotated[list[str], Field(min_length=1)] = UNSET


class ComplaintDoc(Doc):
    address: Email


class AllowDoc(Doc):
    value: EmailOrDomain = UNSET
    address: Email = UNSET
    domain: DomainName = UNSET
    reason: str = UNSET

    @model_validator(mode="after")
    def _one_value(self) -> AllowDoc:
        if len({"value", "address", "domain"} & self.model_fields_set) != 1:
            raise ValueError("give exactly one of value, address or domain")
        return self


S = TypeVar("S", bound=Row)


class SuppressionKind(BulkKind[S]):
    """A domain's suppression table: read in pages of 1000, added in JSON batches of 1000.

    Additive (§3.3): Mailgun and recipients add entries themselves, so mgsync only deletes entries
    of a table the manifest prunes.
    """

    parent = DOMAIN
    group = SUPPRESSIONS
    max_batch = 1000  # JSON bulk add takes at most 1000 records per call (§8)
    table: ClassVar[str]
    item_fields: ClassVar[dict[str, Shape]] = {}  # what ``body`` reads of an item, besides the key

    def item(self) -> Obj:
        return Obj({self.key_field: STR}, self.item_fields)

    def csv_file(self, scope: str) -> str:
        return f"suppressions/{scope}/{self.section}.csv"

    def read_entries(self, client: Client, scope: str) -> Entries:
        entries: Entries = {}
        for page in client.iter_page_lists(f"/v3/{path_quote(scope)}/{self.table}", limit=1000, item=self.item()):
            entries.update(self.page_entries(page))
        return entries

    def entry_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        """The ``Row.entry`` of an item of the checked shape (``item``)."""
        return self.model.full()

    def record(self, change: Change) -> dict[str, Any]:
        base = {} if change.observed is None else change.observed.body.comparable()
        return {"address": change.address.name, **base, **self.wanted_fields(change)}

    def wanted_fields(self, change: Change) -> dict[str, Any]:
        if change.observed is None:
            return self.spec(change.desired).managed()
        return self.wanted(self.spec(change.desired), self.spec(change.observed))

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
    document = collection(BounceDoc)
    entry_doc = BounceDoc
    csv_columns = ("address", ("code", "error", IGNORED))
    csv_header = ("address", "code", "error")
    table = "bounces"
    plain_items = True
    # ``code`` is a string live; an old fixture has the number 550 (§8.1).
    item_fields: ClassVar[dict[str, Shape]] = {"code": Scalar("a string or number", (str, int)), "error": STR}

    checks: ClassVar[dict[str, Callable[[Any], bool]]] = {"address": rules.is_email, "code": rules.is_smtp_code}  # cells are strings

    def csv_row(self, item: tuple[str, tuple[Any, ...]]) -> tuple[str, ...]:
        address, (code, error, _) = item
        return address, code, error

    def inline(self, item: tuple[str, tuple[Any, ...]]) -> Any:
        address, (code, error, _) = item
        return flow_map({"address": address, "code": code, **({"error": error} if error else {})})

    def entry_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        code = item.get("code")
        return Bounce.full("550" if code is None else str(code), item.get("error") or "")


class UnsubscribeKind(SuppressionKind[Unsubscribe]):
    name = "unsubscribe"
    model = Unsubscribe
    section = "unsubscribes"
    document = collection(UnsubscribeDoc)
    entry_doc = UnsubscribeDoc
    csv_columns = ("address", ("tags", IGNORED))
    csv_header = ("address", "tags")
    table = "unsubscribes"
    item_fields: ClassVar[dict[str, Shape]] = {"tags": ListOf(STR), "tag": STR}  # older answers: one ``tag`` (§8.2)

    checks: ClassVar[dict[str, Callable[[Any], bool]]] = {"address": rules.is_email, "tags": bool}  # a list of tags, split from the cell

    def csv_row(self, item: tuple[str, tuple[Any, ...]]) -> tuple[str, ...] | None:
        address, (tags, _) = item
        if any(";" in tag or tag != tag.strip() or not tag for tag in tags):
            return None  # CSV splits tags on ";" and strips cells
        return address, ";".join(tags)

    def inline(self, item: tuple[str, tuple[Any, ...]]) -> Any:
        address, (tags, _) = item
        return address if tags == ("*",) else flow_map({"address": address, "tags": list(tags)})

    def entry_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        return Unsubscribe.full(item.get("tags") or ([item["tag"]] if item.get("tag") else ["*"]))

    def wanted(self, desired: Unsubscribe, observed: Unsubscribe) -> dict[str, Any]:
        # Tags only ever grow: dropping a tag would re-subscribe the recipient to it (§3.3).
        wanted = desired.managed()
        if "tags" in wanted:
            wanted["tags"] = sorted(set(wanted["tags"]) | set(observed.tags))
        return wanted


class ComplaintKind(SuppressionKind[Complaint]):
    name = "complaint"
    model = Complaint
    section = "complaints"
    document = collection(ComplaintDoc)
    entry_doc = ComplaintDoc
    csv_columns = ("address", (IGNORED,))
    csv_header = ("address",)
    table = "complaints"
    plain_items = True

    checks: ClassVar[dict[str, Callable[[Any], bool]]] = {"address": rules.is_email}

    def csv_row(self, item: tuple[str, tuple[Any, ...]]) -> tuple[str, ...]:
        return (item[0],)

    def inline(self, item: tuple[str, tuple[Any, ...]]) -> Any:
        return item[0]



class AllowlistKind(SuppressionKind[Allowlist]):
    """The allowlist has no JSON bulk add (§8.4): entries are added in bulk through the CSV import
    (``POST …/whitelists/import``, one ``address`` or ``domain`` per row, with its ``reason``), one
    at a time by form POST where a single entry is created (a lost batch answer is re-read first)."""

    name = "allowlist"
    nouns = ("allowlist entry", "allowlist entries")
    model = Allowlist
    section = "allowlist"
    document = collection(AllowDoc, EmailOrDomain)
    entry_doc = AllowDoc
    plain_key = "value"
    csv_columns = ("value", ("reason",))
    csv_header = ("value", "reason")
    max_batch = 10_000  # rows per CSV import: far below its 25 MB limit (§8)
    table = "whitelists"
    plain_items = True
    key_field = "value"
    item_fields: ClassVar[dict[str, Shape]] = {"reason": STR}

    def entry_key(self, fields: dict[str, Any]) -> str:
        return str(next(fields[name] for name in ("value", "address", "domain") if name in fields))

    checks: ClassVar[dict[str, Callable[[Any], bool]]] = {"value": rules.is_email_or_domain}

    def csv_row(self, item: tuple[str, tuple[Any, ...]]) -> tuple[str, ...]:
        value, (reason, _) = item
        return _written(value), reason

    def inline(self, item: tuple[str, tuple[Any, ...]]) -> Any:
        value, (reason, _) = item
        key = "address" if "@" in value else "domain"
        return flow_map({key: _written(value), "reason": reason}) if reason else _written(value)

    def entry_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        return Allowlist.full(item.get("reason") or "")

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


def _written(value: str) -> str:
    """An allowlist value as a manifest holds it: a domain lower-case (manifests refuse others; Mailgun
    matches domains case-blind), an address as Mailgun shows it."""
    return value if "@" in value else value.lower()


BOUNCE = BounceKind()
UNSUBSCRIBE = UnsubscribeKind()
COMPLAINT = ComplaintKind()
ALLOWLIST = AllowlistKind()
