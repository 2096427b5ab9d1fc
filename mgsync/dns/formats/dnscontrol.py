"""DNSControl ``dnsconfig.js``: one ``D("zone", REG_NONE, DnsProvider(DSP), ...)`` per zone, names
relative to the zone (``@`` at the apex), targets absolute, a TXT over 255 characters given as the
array of its strings (DNSControl publishes it as one record of several strings)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mgsync.dns.formats.common import HEADER, Options, absolute
from mgsync.dns.model import Record, Zone

HEADER_LINE = f"// {HEADER}"


def render(zones: Sequence[Zone], options: Options) -> str:
    lines = [
        HEADER_LINE,
        "// Copy the records into your own D() for the zone, or use this file with your providers.",
        'var REG_NONE = NewRegistrar("none");',
        'var DSP_MAILGUN = NewDnsProvider("mailgun-dns");',
        "",
    ]
    for zone in zones:
        lines.append(f"D({json.dumps(zone.name)}, REG_NONE, DnsProvider(DSP_MAILGUN)")
        for record in zone.records:  # a comma before each record: DNSControl before 4.15 refuses a trailing one
            if record.note:
                lines.append(f"    // {record.purpose}: {record.note}")
            lines.append(f"    , {_record(record)} // {record.purpose} for {record.domain}")
        lines += [");", ""]
    return "\n".join(lines)


def _record(record: Record) -> str:
    name = json.dumps(record.name or "@")
    match record.type:
        case "MX":
            return f"MX({name}, {record.priority}, {json.dumps(absolute(record.value))})"
        case "CNAME":
            return f"CNAME({name}, {json.dumps(absolute(record.value))})"
        case _:
            strings = record.strings
            value = json.dumps(strings[0]) if len(strings) == 1 else json.dumps(list(strings))
            return f"TXT({name}, {value})"
