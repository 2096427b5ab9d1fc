"""Export formats: one module per DNS-as-code target, and the registry that names them.

Each module has ``render(zones, options) -> str`` and ``HEADER_LINE``, how its output's first line
(its second, in JSON) begins: ``dns export`` overwrites a file only when it begins so. A format that
holds one zone per file (``per_zone``) is written as one file per zone when ``--out`` is a directory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mgsync.dns.formats import bind, dnscontrol, jsonfmt, octodns, terraform
from mgsync.dns.formats.common import Options
from mgsync.dns.model import Zone


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    render: Callable[[Sequence[Zone], Options], str]
    header: str  # the beginning of the line that says mgsync wrote the file
    per_zone: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("octodns", ".yaml", octodns.render, octodns.HEADER_LINE, per_zone=True),
        Format("dnscontrol", ".js", dnscontrol.render, dnscontrol.HEADER_LINE),
        Format("bind", ".zone", bind.render, bind.HEADER_LINE, per_zone=True),
        Format("terraform", ".tf.json", terraform.render, terraform.HEADER_LINE),
        Format("json", ".json", jsonfmt.render, jsonfmt.HEADER_LINE),
    )
}

__all__ = ["FORMATS", "Format", "Options"]
