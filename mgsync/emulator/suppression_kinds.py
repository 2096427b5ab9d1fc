"""What differs between the four suppression tables (mailgun-api.md §8.1–8.4): record fields, how an
incoming item (form, JSON or CSV row) is parsed, how a re-added record merges, and the exact messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mgsync.emulator import records
from mgsync.emulator.wire import HttpError, parse_date

Parsed = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    not_found: str
    removed_all: str
    bulk_message: str | None  # None: no JSON bulk add (allowlist)
    parse: Callable[[float, dict[str, Any]], Parsed]
    added: Callable[[dict[str, Any]], dict[str, Any]]
    removed: Callable[[dict[str, Any]], dict[str, Any]]
    merge: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] = lambda old, new: new
    form_ignores: frozenset[str] = frozenset()


def _when(now: float, item: dict[str, Any]) -> float:
    raw = item.get("created_at")
    return parse_date(str(raw)) if raw else now


def _address(item: dict[str, Any]) -> str:
    address = str(item.get("address") or "").strip()
    if not address:
        raise HttpError(400, "Missing mandatory parameter: address")
    if "@" not in address:
        raise HttpError(400, f"'{address}' is not a valid email address")
    return address


def _bounce(now: float, item: dict[str, Any]) -> Parsed:
    # Any code is taken as text ("777" in a cassette, §8.1); none, or "" (the same to a Go service),
    # is 550, the documented default for a form POST (UNCONFIRMED for JSON and CSV).
    address = _address(item)
    return address, records.bounce(_when(now, item), address, item.get("code") or "550", str(item.get("error") or ""))


def _tags(item: dict[str, Any]) -> list[str]:
    tags = item.get("tags")
    if isinstance(tags, str):  # CSV rows carry tags as a comma-separated cell
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not tags and item.get("tag"):
        tags = [str(item["tag"])]
    return [str(t) for t in tags] if tags else ["*"]


def _unsubscribe(now: float, item: dict[str, Any]) -> Parsed:
    address = _address(item)
    return address, records.unsubscribe(_when(now, item), address, _tags(item))


def _merge_tags(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Adding a tag to an existing address keeps the old tags (union; §8.2 UNCONFIRMED)."""
    if old is None:
        return new
    old["tags"] = list(dict.fromkeys(old["tags"] + new["tags"]))
    return old


def _complaint(now: float, item: dict[str, Any]) -> Parsed:
    address = _address(item)
    return address, records.complaint(_when(now, item), address)


def _allow(now: float, item: dict[str, Any]) -> Parsed:
    value = str(item.get("address") or item.get("domain") or item.get("value") or "").strip()
    if not value:
        raise HttpError(400, "Missing mandatory parameter: address/domain")
    return value, records.allow(_when(now, item), value, str(item.get("reason") or ""))


KINDS: dict[str, Kind] = {
    "bounces": Kind(
        "bounces",
        "Address not found in bounces table",
        "Bounced addresses for this domain have been removed",
        "{n} addresses have been added to the bounces table",
        _bounce,
        added=lambda r: {"message": "Address has been added to the bounces table", "address": r["address"]},
        removed=lambda r: {"address": r["address"], "message": "Bounced address has been removed"},
    ),
    "unsubscribes": Kind(
        "unsubscribes",
        "Address not found in unsubscribers table",
        "Unsubscribe addresses for this domain have been removed",
        "{n} addresses have been added to the unsubscribes table",
        _unsubscribe,
        added=lambda r: {"address": r["address"], "message": "Address has been added to the unsubscribes table"},
        removed=lambda r: {"address": r["address"], "message": "Unsubscribe event has been removed"},
        merge=_merge_tags,
        form_ignores=frozenset({"tags"}),
    ),  # a form field `tags` is ignored (VCR)
    "complaints": Kind(
        "complaints",
        "No spam complaints found for this address",
        "Complaint addresses for this domain have been removed",
        "{n} complaint addresses have been added to the complaints table",
        _complaint,
        added=lambda r: {"address": r["address"], "message": "Address has been added to the complaints table"},
        removed=lambda r: {"address": r["address"], "message": "Spam complaint has been removed"},
    ),
    "whitelists": Kind(
        "whitelists",
        "Address/Domain not found in allowlist table",
        "Allowlist addresses/domains for this domain have been removed",
        None,
        _allow,
        added=lambda r: {
            "message": "Address/Domain has been added to the allowlists table",
            "type": r["type"],
            "value": r["value"],
        },
        removed=lambda r: {"message": "Allowlist address/domain has been removed", "value": r["value"]},
    ),
}


def parse_csv(content: bytes) -> list[dict[str, Any]]:
    """CSV rows as dicts keyed by the header; a header without address/domain is a 400 (§8)."""
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "address" not in header and "domain" not in header:
        raise HttpError(400, "while reading csv header")
    reader.fieldnames = header
    return [{k: v for k, v in row.items() if k and v not in (None, "")} for row in reader]
