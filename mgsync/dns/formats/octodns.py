"""octoDNS zone YAML (the YamlProvider's ``<zone>.yaml``): names relative to the zone, ``''`` at the
apex, several types at one name as a list, keys in octoDNS's natural order (it enforces it), and
``;`` escaped as ``\\;`` (octoDNS rejects an unescaped one in TXT values; it splits long values
into 255-character chunks itself)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from mgsync.dns.formats.common import HEADER, Options, absolute
from mgsync.dns.model import Record, Zone, rrsets
from mgsync.errors import MgsyncError

HEADER_LINE = f"# {HEADER}"


def render(zones: Sequence[Zone], options: Options) -> str:
    if len(zones) != 1:
        names = ", ".join(z.name for z in zones)
        raise MgsyncError(
            f"octoDNS keeps one zone per file and these records span {len(zones)} zones ({names}); "
            "pass --out DIRECTORY to write one <zone>.yaml each, or --zone to pick one."
        )
    zone = zones[0]
    lines = [
        HEADER_LINE,
        f"# zone: {zone.name}; for YamlProvider with escaped_semicolons: true (octoDNS 1.x's default)",
        "---",
    ]
    by_name: dict[str, list[list[Record]]] = {}
    for (name, _), rrset in rrsets(zone.records).items():
        by_name.setdefault(name, []).append(rrset)
    for name in sorted(by_name, key=natural):
        lines.append(f"{_q(name)}:")
        for rrset in by_name[name]:
            lines.extend(_rrset(rrset))
    return "\n".join(lines) + "\n"


def natural(text: str) -> list[tuple[int, int | str]]:
    """octoDNS's natural sort key (natsort): digit runs compare as numbers."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part]


def _q(text: str | int) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _rrset(rrset: list[Record]) -> list[str]:
    first = rrset[0]
    lines = [f"  # {first.purpose}: {r.note}" for r in rrset if r.note]
    lines += [f"  - ttl: {first.ttl}", f"    type: {first.type}"]
    values = [_value(r) for r in rrset]
    if len(values) == 1 and first.type != "MX":
        return [*lines, f"    value: {values[0]}"]
    return [*lines, "    values:", *(f"      - {v}" for v in values)]


def _value(record: Record) -> str:
    match record.type:
        case "MX":
            return f"{{exchange: {_q(absolute(record.value))}, preference: {record.priority}}}"
        case "CNAME":
            return _q(absolute(record.value))
        case _:
            return _q(re.sub(r"(?<!\\);", r"\\;", record.value))
