"""Terraform JSON (``*.tf.json``) for Route53 (``aws_route53_record``) or Cloudflare
(``cloudflare_dns_record``, provider v5): a ``locals`` map under static keys naming each record, such
as ``mg_example_com__dkim__pic``, and one resource with ``for_each`` over it, so one ``terraform apply``
plans every record (keys known before apply). Zone ids come from a ``map(string)`` variable keyed
by zone name.

Route53 takes each TXT value as one string and splits it at ``" "`` (its console/API quoting), so a
value over 255 characters is written as ``part1" "part2``; Cloudflare splits long TXT content itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from mgsync.dns.formats.common import HEADER, JSON_HEADER_LINE, Options, identifier, rdata
from mgsync.dns.model import Record, Zone
from mgsync.errors import MgsyncError

HEADER_LINE = JSON_HEADER_LINE
LOCAL = "mailgun_dns_records"
VARIABLE = "mailgun_dns_zone_ids"


def render(zones: Sequence[Zone], options: Options) -> str:
    records = [r for z in zones for r in z.records]
    route53 = options.provider == "route53"
    entries = _route53_entries(records) if route53 else _cloudflare_entries(records)
    notes = [f"{r.purpose}: {r.note}" for r in records if r.note]
    document = {
        "//": " ".join([HEADER, *notes]),
        "variable": {
            VARIABLE: {
                "type": "map(string)",
                "description": f"{'Route53 hosted zone' if route53 else 'Cloudflare zone'} id per zone name: "
                + ", ".join(z.name for z in zones),
            }
        },
        "locals": {LOCAL: entries},
        "resource": _route53_resource() if route53 else _cloudflare_resource(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _keyed(groups: Sequence[list[Record]], per_value: bool) -> list[tuple[str, list[Record]]]:
    """Each group under a key naming what it is (``mg_example_com__dkim__pic``), never its place among
    the others: a DKIM rotation adds a selector, and a key counted in order moved the active key's
    record to another address, which Terraform destroys and creates again."""
    keyed = [(identifier(*_identity(group[0], per_value)), group) for group in groups]
    seen: set[str] = set()
    for key, group in keyed:
        if key in seen:  # Mailgun lists one SPF, tracking and DMARC record per domain, one key per selector
            raise MgsyncError(
                f"Two DNS records of {group[0].domain} would share the Terraform key {key} "
                f"({group[0].type} {group[0].fqdn}); please report this, with the output of --format json."
            )
        seen.add(key)
    return keyed


def _identity(record: Record, per_value: bool) -> tuple[str, ...]:
    """The domain, the purpose and what tells the record from others of its purpose: a DKIM selector;
    with a resource per value (Cloudflare), an MX exchange; any other record its name, type (and value)."""
    match record.purpose:
        case "DKIM" if record.selector:
            own: tuple[str, ...] = (record.selector,)
        case "MX":
            own = (record.value.lower(),) if per_value else ()
        case "SPF" | "tracking" | "DMARC":
            own = ()
        case _:
            value = (hashlib.sha256(record.value.encode()).hexdigest()[:8],) if per_value else ()
            own = (record.fqdn, record.type.lower(), *value)
    return (record.domain, record.purpose.lower(), *own)


def _route53_entries(records: Sequence[Record]) -> dict[str, Any]:
    # Route53 holds all values of one name and type in one record set
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        groups.setdefault((record.fqdn, record.type), []).append(record)
    return {
        k: {
            "zone": g[0].zone,
            "name": g[0].fqdn,
            "type": g[0].type,
            "ttl": g[0].ttl,
            "records": [_route53_value(r) for r in g],
        }
        for k, g in _keyed(list(groups.values()), per_value=False)
    }


def _route53_value(record: Record) -> str:
    return rdata(record, '" "'.join)  # Route53 takes long TXT as "part1" "part2" inside one value


def _cloudflare_entries(records: Sequence[Record]) -> dict[str, Any]:
    return {
        k: {"zone": r.zone, "name": r.fqdn, "type": r.type, "ttl": r.ttl, "content": r.value, "priority": r.priority}
        for k, (r,) in _keyed([[r] for r in records], per_value=True)
    }


def _route53_resource() -> dict[str, Any]:
    return {
        "aws_route53_record": {
            "mailgun": {
                "for_each": f"${{local.{LOCAL}}}",
                "zone_id": f"${{var.{VARIABLE}[each.value.zone]}}",
                "name": "${each.value.name}",
                "type": "${each.value.type}",
                "ttl": "${each.value.ttl}",
                "records": "${each.value.records}",
            }
        }
    }


def _cloudflare_resource() -> dict[str, Any]:
    return {
        "cloudflare_dns_record": {
            "mailgun": {
                "for_each": f"${{local.{LOCAL}}}",
                "zone_id": f"${{var.{VARIABLE}[each.value.zone]}}",
                "name": "${each.value.name}",
                "type": "${each.value.type}",
                "ttl": "${each.value.ttl}",
                "content": "${each.value.content}",
                "priority": "${each.value.priority}",
                "proxied": False,
            }
        }
    }
