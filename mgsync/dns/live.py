"""Mailgun's answer for each managed domain, read through the client (``GET /v4/domains/{name}``,
which carries the domain's DNS records, mailgun-api.md §2.5). A declared domain Mailgun does not
have yet is reported, not an error: it has no records to publish until it is created."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mgsync.client import Client, segment
from mgsync.dns.model import DEFAULT_TTL, Record, from_answer, inside
from mgsync.errors import ApiError
from mgsync.kinds.domain import DOMAIN
from mgsync.manifest.desired import Desired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Live:
    records: tuple[Record, ...]
    absent: tuple[str, ...]  # declared domains Mailgun does not have (yet)
    outside: tuple[str, ...] = ()  # declared domains in none of the zones asked for

    @property
    def notes(self) -> list[str]:
        return [
            *(
                f"{name} is declared in the manifests but does not exist in Mailgun yet; "
                "run mgsync apply to create it, then run this command again."
                for name in self.absent
            ),
            *(f"{name} is in none of the zones given; left out." for name in self.outside),
            *clashes(self.records),
        ]


def clashes(records: Sequence[Record]) -> list[str]:
    """Two domains whose different DKIM keys land on one name (``force_root_dkim_host`` with one
    selector): a verifier takes either key (RFC 6376 §3.6.2.2), so about half the signatures fail."""
    by_name: dict[str, dict[str, str]] = {}
    for record in records:
        if record.purpose == "DKIM" and record.type == "TXT":
            by_name.setdefault(record.fqdn.lower(), {}).setdefault(record.value, record.domain)
    return [
        f"{name} would hold {len(keys)} different DKIM keys ({', '.join(sorted(keys.values()))}): a verifier "
        "takes either, so signatures fail; give each domain its own dkim_selector."
        for name, keys in sorted(by_name.items())
        if len(keys) > 1
    ]


def managed_domains(desired: Desired) -> tuple[str, ...]:
    """The domains the manifests declare: the ones whose records matter."""
    return desired.keys(DOMAIN.name)


def read(
    client: Client, domains: Sequence[str], zones: Sequence[str] = (), ttl: int = DEFAULT_TTL, *, anywhere: bool = False
) -> Live:
    """The DNS records of ``domains`` as Mailgun reports them, each placed in its zone. With
    ``zones``, only the domains inside one of them are read. ``anywhere``: as ``model.zone_for``."""
    wanted = sorted(d for d in domains if not zones or any(inside(d, z) for z in zones))
    outside = tuple(sorted(set(domains) - set(wanted)))
    answers = client.pool.map(lambda name: _answer(client, name), wanted)
    records: list[Record] = []
    absent: list[str] = []
    for name, answer in zip(wanted, answers):
        if answer is None:
            absent.append(name)
            continue
        found = from_answer(answer, zones, ttl, anywhere=anywhere)
        log.debug("dns: domain=%s records=%d", name, len(found))
        records.extend(found)
    return Live(tuple(records), tuple(absent), outside)


def _answer(client: Client, name: str) -> dict[str, Any] | None:
    try:
        answer: dict[str, Any] = client.get(f"/v4/domains/{segment(name)}")  # a JSON object; model.py checks it
        return answer
    except ApiError as err:
        if err.status == 404:
            return None
        raise
