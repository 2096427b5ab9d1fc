"""The DNS record model: one resource record Mailgun wants published, labelled by purpose and named
relative to the zone it goes into. Built from Mailgun's own answer for a domain
(``GET /v4/domains/{name}`` → ``sending_dns_records`` + ``receiving_dns_records``, mailgun-api.md §2.3).

Knows nothing of kinds, plans, HTTP or output formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.name

from mgsync.errors import MgsyncError

DEFAULT_TTL = 3600  # Mailgun states none; an hour is what its setup guides show
TXT_CHUNK = 255  # one character-string in a TXT record holds at most 255 octets (RFC 1035 §3.3)
PURPOSES = ("SPF", "DKIM", "tracking", "MX", "DMARC", "other")  # also the export order
RECORD_TYPES = ("TXT", "MX", "CNAME")


@dataclass(frozen=True)
class Record:
    """One resource record: ``value`` is the TXT text (unsplit), the CNAME target or the MX exchange."""

    domain: str  # the Mailgun domain it belongs to
    zone: str
    fqdn: str  # no trailing dot
    type: str
    value: str
    purpose: str
    valid: str = "unknown"  # Mailgun's own verdict: valid / invalid / unknown
    priority: int | None = None
    ttl: int = DEFAULT_TTL

    @property
    def name(self) -> str:
        """The name relative to the zone; ``""`` at the apex."""
        return "" if self.fqdn == self.zone else self.fqdn[: -len(self.zone) - 1]

    @property
    def strings(self) -> tuple[str, ...]:
        """A TXT value as the character-strings of at most 255 characters DNS stores it in."""
        return tuple(self.value[i : i + TXT_CHUNK] for i in range(0, len(self.value), TXT_CHUNK)) or ("",)

    @property
    def includes(self) -> tuple[str, ...]:
        """The ``include:`` mechanisms of an SPF value, e.g. ``("include:mailgun.org",)``."""
        return tuple(term for term in self.value.split() if term.lower().startswith("include:"))

    @property
    def selector(self) -> str | None:
        """A DKIM record's selector, ``pic`` in ``pic._domainkey.mg.example.com``."""
        head, found, _ = self.fqdn.partition("._domainkey.")
        return head if found and self.purpose == "DKIM" else None

    @property
    def note(self) -> str | None:
        """What a human must do besides adding the record (an SPF record is merged, never doubled)."""
        if self.purpose != "SPF":
            return None
        return (
            f"if {self.fqdn} already has an SPF record, merge {' '.join(self.includes) or self.value} "
            "into it instead of adding a second one"
        )


@dataclass(frozen=True)
class Zone:
    name: str
    records: tuple[Record, ...]


def purpose(fqdn: str, rtype: str, value: str, domain: str, web_prefix: str) -> str:
    """Label a record by what it is for (SPF, DKIM, MX, tracking, DMARC or other)."""
    if rtype == "MX":
        return "MX"
    if rtype == "TXT" and value.strip().strip('"').lower().startswith("v=spf1"):
        return "SPF"
    if "._domainkey." in f".{fqdn}" and rtype in ("TXT", "CNAME"):
        return "DKIM"
    if fqdn.startswith("_dmarc."):
        return "DMARC"
    if rtype == "CNAME" and fqdn == f"{web_prefix}.{domain}":
        return "tracking"
    return "other"


def zone_for(fqdn: str, zones: Sequence[str], default: str, *, anywhere: bool = False) -> str:
    """The longest of ``zones`` containing ``fqdn``; ``default`` when no zone was given. With
    ``anywhere`` (``dns check``, which asks for each name whole), a name outside ``default`` (a DKIM
    key at the root host) goes in the zone of the labels both end with, as export would need one given."""
    if not zones:
        if inside(fqdn, default):
            return default
        if anywhere:
            return _shared(fqdn, default)
        raise MgsyncError(f"{fqdn} is outside zone {default}; pass --zone with the zone that contains it.")
    found = [z for z in zones if inside(fqdn, z)]
    if not found:
        raise MgsyncError(
            f"{fqdn} is inside none of the zones given ({', '.join(zones)}); "
            "pass --zone with the zone that contains it."
        )
    return max(found, key=len)


def _shared(fqdn: str, domain: str) -> str:
    """The labels ``fqdn`` and ``domain`` both end with (``example.com`` of ``s._domainkey.example.com``
    and ``mg.example.com``); ``fqdn`` itself when they share none."""
    ours, theirs = fqdn.split("."), domain.split(".")
    shared: list[str] = []
    while ours and theirs and ours[-1] == theirs[-1]:
        shared.insert(0, ours.pop())
        theirs.pop()
    return ".".join(shared) or fqdn


def inside(fqdn: str, zone: str) -> bool:
    return fqdn == zone or fqdn.endswith(f".{zone}")


def normalize_zone(zone: str) -> str:
    """``--zone`` as Mailgun names domains: lower case, no final dot, a Unicode name as its punycode
    (``bücher.example`` is ``xn--bcher-kva.example``, IDNA 2008 as dnspython applies it)."""
    name = zone.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = dns.name.from_unicode(name).to_text(omit_final_dot=True)
        except dns.exception.DNSException:  # a disallowed character, a label too long
            raise MgsyncError(f"--zone {zone!r} is not a DNS name.") from None
    if not re.fullmatch(r"([a-z0-9_]([a-z0-9_-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?", name):
        raise MgsyncError(f"--zone {zone!r} is not a DNS name.")
    return name


def from_answer(
    answer: Mapping[str, Any], zones: Sequence[str] = (), ttl: int = DEFAULT_TTL, *, anywhere: bool = False
) -> list[Record]:
    """The records of one ``GET /v4/domains/{name}`` answer, sorted by purpose, name and value: Mailgun
    lists them in a different order from call to call (wire-issue12.md §1.3), exports must not churn.
    ``anywhere``: each record in a zone even with no zone given (``zone_for``)."""
    domain = _domain(answer)
    web_prefix = str(answer["domain"].get("web_prefix") or "email")
    items = [*_list(answer, "sending_dns_records", domain), *_list(answer, "receiving_dns_records", domain)]
    records = []
    for item in items:
        rtype, fqdn, value = _fields(item, domain)
        records.append(
            Record(
                domain=domain,
                zone=zone_for(fqdn, zones, domain, anywhere=anywhere),
                fqdn=fqdn,
                type=rtype,
                value=value,
                purpose=purpose(fqdn, rtype, value, domain, web_prefix),
                valid=str(item.get("valid") or "unknown").lower(),  # live is lower-case, key listings upper
                priority=_priority(item, domain) if rtype == "MX" else None,
                ttl=ttl,
            )
        )
    return sorted(records, key=lambda r: (PURPOSES.index(r.purpose), r.fqdn, r.priority or 0, r.value))


def group_zones(records: Iterable[Record]) -> list[Zone]:
    """Records grouped by zone, zones sorted by name, records in their given order."""
    by_zone: dict[str, list[Record]] = {}
    for record in records:
        by_zone.setdefault(record.zone, []).append(record)
    return [Zone(name, tuple(by_zone[name])) for name in sorted(by_zone)]


def rrsets(records: Iterable[Record]) -> dict[tuple[str, str], list[Record]]:
    """Records keyed by (relative name, type), in first-seen order: what DNS-as-code tools group."""
    out: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        out.setdefault((record.name, record.type), []).append(record)
    return out


def _odd(domain: str, what: str) -> MgsyncError:
    return MgsyncError(f"Mailgun API: GET /v4/domains/{domain} returned {what}; cannot read its DNS records.")


def _domain(answer: Mapping[str, Any]) -> str:
    domain = answer.get("domain") if isinstance(answer, Mapping) else None
    name = domain.get("name") if isinstance(domain, Mapping) else None
    if not isinstance(name, str):
        raise _odd("?", "no domain object")
    return name.lower()


def _list(answer: Mapping[str, Any], key: str, domain: str) -> list[Mapping[str, Any]]:
    items = answer.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise _odd(domain, f"{key} that is not a list of records")
    return items


def _fields(item: Mapping[str, Any], domain: str) -> tuple[str, str, str]:
    rtype = str(item.get("record_type") or "").upper()
    value = item.get("value")
    if rtype not in RECORD_TYPES or not isinstance(value, str) or not value:
        raise _odd(domain, f"a DNS record of type {rtype or '?'} with value {value!r}")
    # MX records come without a name: they belong to the domain itself (mailgun-api.md §2.3).
    fqdn = str(item.get("name") or domain).rstrip(".").lower()
    return rtype, fqdn, value.rstrip(".") if rtype != "TXT" else value


def _priority(item: Mapping[str, Any], domain: str) -> int:
    try:
        return int(item.get("priority", 10))  # a string, "10", on the wire
    except (TypeError, ValueError):
        raise _odd(domain, f"an MX record with priority {item.get('priority')!r}") from None
