"""Terraform JSON (``*.tf.json``) for Route53 (``aws_route53_record``) or Cloudflare
(``cloudflare_dns_record``, provider v5): a ``locals`` map under static keys such as
``mg_example_com_dkim_1`` and one resource with ``for_each`` over it, so one ``terraform apply``
plans every record (keys known before apply). Zone ids come from a ``map(string)`` variable keyed
by zone name.

Route53 takes each TXT value as one string and splits it at ``" "`` (its console/API quoting), so a
value over 255 characters is written as ``part1" "part2``; Cloudflare splits long TXT content itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from mgsync.dns.formats.common import HEADER, Options, key, key_stem, rdata
from mgsync.dns.model import Record, Zone

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


def _keyed(groups: Sequence[list[Record]]) -> list[tuple[str, list[Record]]]:
    """Each group under a static key counted per domain and purpose, in the groups' order; a domain
    whose key would be another's (``mg-example.com`` beside ``mg.example.com``) is told apart."""
    counts: dict[tuple[str, str], int] = {}
    renamed = _told_apart({group[0].domain for group in groups})
    out = []
    for group in groups:
        first = group[0]
        n = counts[(first.domain, first.purpose)] = counts.get((first.domain, first.purpose), 0) + 1
        out.append((key(first, n, renamed.get(first.domain)), group))
    return out


def _told_apart(domains: set[str]) -> dict[str, str]:
    """The domains sharing a key, each but the one of letters, digits and dots (its key stays as it
    was, and so its Terraform addresses) with a digest of its name added: a key written once was
    another domain's entry, and that domain's records were never written."""
    sharing: dict[str, list[str]] = {}
    for domain in domains:
        sharing.setdefault(key_stem(domain), []).append(domain)
    return {
        domain: f"{stem}_{hashlib.sha256(domain.encode()).hexdigest()[:8]}"
        for stem, named in sharing.items()
        if len(named) > 1
        for domain in named
        if not re.fullmatch(r"[a-z0-9.]+", domain)
    }


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
        for k, g in _keyed(list(groups.values()))
    }


def _route53_value(record: Record) -> str:
    return rdata(record, '" "'.join)  # Route53 takes long TXT as "part1" "part2" inside one value


def _cloudflare_entries(records: Sequence[Record]) -> dict[str, Any]:
    return {
        k: {"zone": r.zone, "name": r.fqdn, "type": r.type, "ttl": r.ttl, "content": r.value, "priority": r.priority}
        for k, (r,) in _keyed([[r] for r in records])
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
