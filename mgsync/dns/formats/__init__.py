"""Export formats: one module per DNS-as-code target, and the registry that names them.

Each module has ``render(zones, options) -> str``. A format that holds one zone per file
(``per_zone``) is written as one file per zone when ``--out`` is a directory.
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
    per_zone: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("octodns", ".yaml", octodns.render, per_zone=True),
        Format("dnscontrol", ".js", dnscontrol.render),
        Format("bind", ".zone", bind.render, per_zone=True),
        Format("terraform", ".tf.json", terraform.render),
        Format("json", ".json", jsonfmt.render),
    )
}

__all__ = ["FORMATS", "Format", "Options"]
