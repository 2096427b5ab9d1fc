"""BIND zone-file lines to paste into a zone: ``$ORIGIN``, ``$TTL``, names relative to the origin
(``@`` at the apex), absolute targets, and each TXT value as quoted strings of at most 255
characters (RFC 1035 §3.3.14). No SOA/NS: the zone has its own."""

from __future__ import annotations

from collections.abc import Sequence

from mgsync.dns.formats.common import HEADER, Options, absolute, rdata
from mgsync.dns.model import Record, Zone

HEADER_LINE = f"; {HEADER}"


def render(zones: Sequence[Zone], options: Options) -> str:
    lines = [HEADER_LINE]
    for zone in zones:
        lines += [f"$ORIGIN {absolute(zone.name)}"]
        width = max(len(r.name or "@") for r in zone.records)
        for record in zone.records:
            if record.note:
                lines.append(f"; {record.purpose}: {record.note}")
            lines.append(
                f"{record.name or '@':<{width}}  {record.ttl}  IN  {record.type:<5}  {_rdata(record)}"
                f"  ; {record.purpose}"
            )
    return "\n".join(lines) + "\n"


def _rdata(record: Record) -> str:
    return rdata(record, lambda strings: " ".join(_quoted(s) for s in strings))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
