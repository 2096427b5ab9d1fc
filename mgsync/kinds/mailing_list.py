"""Kinds ``list`` (``list:<address>``) and ``member`` (``member:<list>/<address>``). §7.

In a manifest: ``mailing_lists: {<address>: {<settings>, members: [...] or {file: x.csv}}}``; import
writes them all to ``lists.yaml``, more than 20 members of a list to ``lists/<address>.csv``.

A member may be written ``Alice <alice@example.com>``, as Mailgun's mailing-list docs allow for the
member ``address`` ("Valid email address specification, e.g. Alice <alice@example.com> or just
alice@example.com"). Mailgun keeps the address inside the brackets as the member's address and the
display part as its name when no ``name`` is given (UNCONFIRMED: no recording shows the answer;
flanker, Mailgun's own address parser, splits the form so, and the emulator does the same). So such
a member is the member ``alice@example.com`` named ``Alice``: its identity is the bracketed address,
and apply sends that address with the name, which gives the same member whichever way Mailgun
stores the written form. Import writes what Mailgun answers: ``{address: alice@example.com, name: Alice}``.
A list key may take the same form (``Developers <devs@mg.net>``, Mailgun's list docs): the list
``devs@mg.net`` named ``Developers``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, StrictBool, WithJsonSchema

from mgsync.answers import BOOL, INT, OBJECT, STR, Obj, fits
from mgsync.changes import Action, Change
from mgsync.kinds.base import Kind, Loc, path_quote
from mgsync.kinds.bulk import BulkKind
from mgsync.kinds.capabilities import Deletable, Lossy, OwnFile, Prunable, Writable
from mgsync.kinds.columns import Record, bad_bool, bad_json, column, key, parse_bool, parse_json
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc, written
from mgsync.shapes.output import file_stem
from mgsync.state import Address, Entries, Resource, Spec, State, jsonable

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

AccessLevel = Literal["readonly", "members", "everyone"]
ReplyPreference = Literal["list", "sender"]


class MailingList(Spec):
    name: str = ""
    description: str = ""
    access_level: AccessLevel = "readonly"
    reply_preference: ReplyPreference = "list"


NO_VARS: dict[str, Any] = {}  # shared by every member without vars: never changed in place


# What list reads take from list items (§7.1); members: the columns of ``Member`` (§7.3).
LIST_ITEM = Obj(
    {"address": STR},
    {"name": STR, "description": STR, "access_level": STR, "reply_preference": STR, "members_count": INT},
)


class ListSettingsDoc(Doc):
    """A mailing list; members are ensured to exist and never removed unless the list prunes them."""

    name: str = UNSET
    description: str = UNSET
    access_level: AccessLevel = UNSET
    reply_preference: ReplyPreference = UNSET


MemberAddress = Annotated[str, AfterValidator(rules.check_member_address), WithJsonSchema({"type": "string"})]


class Member(Record, csv=("name", "subscribed", "vars")):
    """A list member: the kind's one declaration (``columns.py``)."""

    address = key(MemberAddress, check=rules.is_email)  # an email address, or "Name <address>"
    name: str = column(str, "", api=STR)
    # JSON data, never changed in place; in CSV a JSON cell. ``subscribed`` in CSV: yes/no/true/false.
    vars: dict[str, Any] = column(
        Annotated[dict[str, Any], AfterValidator(rules.check_json_data)],
        NO_VARS,
        api=OBJECT,
        fix=lambda found: jsonable(found) if found else NO_VARS,
        check=lambda found: isinstance(found, dict),
        parse=parse_json,
        bad=bad_json,
        cell=lambda found: json.dumps(found, ensure_ascii=False, sort_keys=True) if found else "",
    )
    subscribed: bool = column(
        StrictBool,
        True,
        api=BOOL,
        parse=parse_bool,
        bad=bad_bool,
        cell=lambda found: "" if found else "no",
        read=lambda item: item.get("subscribed") is not False,
    )


class ListKind(Kind[MailingList], Writable, Deletable, Prunable, Lossy, OwnFile):
    name = "list"
    model = MailingList
    nouns = ("mailing list", "mailing lists")
    section = "mailing_lists"
    key_type = MemberAddress  # "Developers <devs@mg.net>" too (Mailgun's list docs): that list, so named
    settings = ListSettingsDoc  # its entry document ("ListDoc"): these fields + its members
    import_file = "lists.yaml"
    import_title = "mailing lists"

    def identity(self, key: str) -> str:
        found = _mailbox(key)
        return (key if found is None else found[1]).lower()

    def requires(self, address: Address) -> tuple[Address, ...]:
        """The domain of the list's address, when the same apply creates it. UNCONFIRMED whether Mailgun
        refuses a list on a domain not on the account (it does a forward); the order costs one request's wait."""
        return (DOMAIN.canonical(Address(DOMAIN.name, self.identity(address.key).rpartition("@")[2])),)

    def identities(self, keys: Iterable[str]) -> list[str]:
        return list(map(self.identity, keys))

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        """A list written ``Name <address>`` is the list ``address``, named ``Name`` unless ``name`` is written."""
        found = _mailbox(key)
        data = written(doc, self.model.model_fields)
        if found is not None and found[0] and "name" not in data:
            data["name"] = found[0]
        out.declare(self.address(scope, key), self.model, data, loc)

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [self.from_api(item) for item in client.iter_pages("/v3/lists/pages", limit=1000, item=LIST_ITEM)]

    def from_api(self, item: dict[str, Any]) -> Resource:
        body = {k: item[k] for k in MailingList.model_fields if item.get(k) is not None}
        return self.resource("", item["address"], body, members_count=item.get("members_count") or 0)

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("address", change.address.key), *sorted(self.spec(change.desired).managed().items())]
        return self._answer(client.post("/v3/lists", data=form))

    def update(self, client: Client, change: Change) -> Resource | None:
        form = sorted((f.field, self.spec(change.desired).managed()[f.field]) for f in change.fields)
        return self._answer(client.put(f"/v3/lists/{path_quote(change.address.key)}", data=form))

    def _answer(self, data: Any) -> Resource | None:
        found = data.get("list") if isinstance(data, dict) else None
        return self.from_api(found) if found is not None and fits(LIST_ITEM, found) else None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/lists/{path_quote(change.address.key)}")

    def losses(self, change: Change) -> list[str]:
        # Deleting a list deletes its members with it, whether mgsync manages them or not (§7).
        if change.action is not Action.DELETE or change.observed is None:
            return []
        count = change.observed.meta.get("members_count", 0)
        return [f"its {count:,} {MEMBER.noun(count)} go with it"] if count else []


LIST = ListKind()


class MemberKind(BulkKind[Member]):
    """Members: read a whole list in pages of 1000, written through ``members.json`` with upsert.

    Every member sent carries its full merged state, ``subscribed`` included: members.json treats an
    omitted ``subscribed`` as true, and mgsync never re-subscribes anyone by accident (§3.3).
    """

    name = "member"
    model = Member
    parent = LIST
    section = "members"
    max_batch = 1000  # members.json takes at most 1000 members per call (§7.3)
    plain_items = True

    def csv_file(self, scope: str) -> str:
        return f"lists/{file_stem(scope)}.csv"

    def entry_key(self, fields: dict[str, Any]) -> str:
        found = _mailbox(str(fields["address"]))
        return str(fields["address"]) if found is None else found[1]

    def entry(self, fields: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """``Name <address>`` is the member ``address`` with that name, unless ``name`` is written too."""
        found = _mailbox(str(fields["address"]))
        if found is not None:
            display, address = found
            fields = {**fields, "address": address}
            if display and "name" not in fields:
                fields["name"] = display
        return super().entry(fields)

    def read_entries(self, client: Client, scope: str) -> Entries:
        entries: Entries = {}
        for page in client.iter_page_lists(
            f"/v3/lists/{path_quote(scope)}/members/pages", limit=1000, item=self.item()
        ):
            entries.update(self.page_entries(page))
        return entries

    def upsert(self, client: Client, batch: list[Change]) -> None:
        scope = batch[0].address.scope
        members = [{"address": c.address.name, **_full(c)} for c in batch]
        form = [("members", json.dumps(members, ensure_ascii=False)), ("upsert", "yes")]
        client.post(f"/v3/lists/{path_quote(scope)}/members.json", data=form)

    def delete(self, client: Client, change: Change) -> None:
        address = change.address
        client.delete(f"/v3/lists/{path_quote(address.scope)}/members/{path_quote(address.name)}")


def _mailbox(address: str) -> tuple[str, str] | None:
    # Most of a large account's 200,000 members are plain addresses: no regex for them.
    return rules.mailbox(address) if "<" in address else None


def _full(change: Change) -> dict[str, Any]:
    base = _NEW if change.observed is None else MEMBER.spec(change.observed).comparable()
    return {**base, **MEMBER.spec(change.desired).managed()}  # a new dict: ``_NEW`` stays as it is


MEMBER = MemberKind()
_NEW = Member().comparable()  # what a new member is unless declared otherwise (50,000 in an apply from empty)
