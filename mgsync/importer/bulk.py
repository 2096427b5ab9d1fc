"""Members and suppressions: written inline, or as CSV beside the manifest when there are many.

A collection of more than ``CSV_THRESHOLD`` entries goes to CSV, unless a value cannot survive CSV
as ``manifest.csvdata`` reads it (cells are stripped, an empty cell means "not set", tags are split
on ``;``): such a collection stays inline, where YAML keeps every value exactly. Entries carry only
the fields that differ from a new entry's defaults (the others stay unmanaged).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap

from mgsync.importer.naming import file_stem
from mgsync.importer.output import Output, block_seq, flow_map
from mgsync.state import Resource

if TYPE_CHECKING:
    from mgsync.importer.documents import Account

CSV_THRESHOLD = 20

SUPPRESSIONS_NOTE = """\
Suppressions are additive: mgsync ensures these entries exist and never removes others (list a
collection in this domain's prune to own it completely)."""

Row = dict[str, str]


@dataclass(frozen=True)
class Collection:
    name: str  # the YAML key, and the CSV file's stem
    kind: str
    header: tuple[str, ...]
    row: Callable[[Resource], Row | None]  # CSV cells ("" = not set); None when CSV cannot hold it
    inline: Callable[[Resource], Any]  # the YAML entry


def _member_row(member: Resource) -> Row:
    body = member.body
    return {"address": member.address.name, "name": body.name, "subscribed": "" if body.subscribed else "no",
            "vars": json.dumps(body.vars, ensure_ascii=False, sort_keys=True) if body.vars else ""}


def _member_entry(member: Resource) -> Any:
    body = member.body
    fields = {"name": body.name, "vars": body.vars, "subscribed": body.subscribed}
    extra = {k: v for k, v in fields.items() if v != {"name": "", "vars": {}, "subscribed": True}[k]}
    return flow_map({"address": member.address.name, **extra}) if extra else member.address.name


def _bounce_entry(bounce: Resource) -> Any:
    body = bounce.body
    error = {"error": body.error} if body.error else {}
    return flow_map({"address": bounce.address.name, "code": body.code, **error})


def _tags_row(entry: Resource) -> Row | None:
    tags = entry.body.tags
    if any(";" in tag or tag != tag.strip() or not tag for tag in tags):
        return None
    return {"address": entry.address.name, "tags": ";".join(tags)}


def _tags_entry(entry: Resource) -> Any:
    tags = list(entry.body.tags)
    return entry.address.name if tags == ["*"] else flow_map({"address": entry.address.name, "tags": tags})


def _allow_entry(entry: Resource) -> Any:
    value, reason = entry.address.name, entry.body.reason
    key = "address" if "@" in value else "domain"
    return flow_map({key: value, "reason": reason}) if reason else value


MEMBERS = Collection("members", "member", ("address", "name", "subscribed", "vars"), _member_row, _member_entry)
SUPPRESSIONS = (
    Collection("bounces", "bounce", ("address", "code", "error"),
               lambda r: {"address": r.address.name, "code": r.body.code, "error": r.body.error}, _bounce_entry),
    Collection("unsubscribes", "unsubscribe", ("address", "tags"), _tags_row, _tags_entry),
    Collection("complaints", "complaint", ("address",),
               lambda r: {"address": r.address.name}, lambda r: r.address.name),
    Collection("allowlist", "allowlist", ("value", "reason"),
               lambda r: {"value": r.address.name, "reason": r.body.reason}, _allow_entry),
)


def members(entries: list[Resource], address: str, output: Output) -> Any:
    return write(MEMBERS, entries, f"lists/{file_stem(address)}.csv", output) if entries else None


def suppressions(account: Account, domain: str, output: Output) -> CommentedMap:
    tables = CommentedMap()
    for collection in SUPPRESSIONS:
        entries = account.get(collection.kind, domain)
        if entries:
            path = f"suppressions/{domain}/{collection.name}.csv"
            tables[collection.name] = write(collection, entries, path, output)
    return tables


def write(collection: Collection, entries: list[Resource], path: str, output: Output) -> Any:
    """The YAML value of a collection: its entries inline, or ``{file: path}`` with the CSV written."""
    if len(entries) > CSV_THRESHOLD:
        rows = [collection.row(entry) for entry in entries]
        if all(row is not None and _csv_safe(row) for row in rows):
            output.add_csv(path, collection.header, rows)  # type: ignore[arg-type]
            return flow_map({"file": path})
    return block_seq(collection.inline(entry) for entry in entries)


def _csv_safe(row: Row) -> bool:
    return all(cell == cell.strip() for cell in row.values())
