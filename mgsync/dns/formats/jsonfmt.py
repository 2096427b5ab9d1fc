"""Plain JSON: every zone and its records with purpose, Mailgun's ``valid`` verdict, the TXT strings
and the merge note, for scripts and tools mgsync has no format for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mgsync.dns.formats.common import HEADER, JSON_HEADER_LINE, Options
from mgsync.dns.model import Record, Zone

HEADER_LINE = JSON_HEADER_LINE


def render(zones: Sequence[Zone], options: Options) -> str:
    document = {
        "//": HEADER,
        "zones": [{"zone": z.name, "records": [record_json(r) for r in z.records]} for z in zones],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def record_json(record: Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "domain": record.domain,
        "zone": record.zone,
        "name": record.name,
        "fqdn": record.fqdn,
        "type": record.type,
        "value": record.value,
        "purpose": record.purpose,
        "valid": record.valid,
        "ttl": record.ttl,
    }
    if record.priority is not None:
        out["priority"] = record.priority
    if record.type == "TXT":
        out["strings"] = list(record.strings)
    if record.note:
        out["note"] = record.note
    return out
