"""``mgsync dns export``: render the records in a format and say where they go (stdout, a file, or
one file per zone in a directory). Returns text and paths; the CLI prints and writes nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mgsync.dns.formats import FORMATS, Options
from mgsync.dns.model import Record, group_zones
from mgsync.errors import MgsyncError, writing

COMBINED_STEM = "mailgun-dns"


@dataclass(frozen=True)
class Output:
    path: Path | None  # None: standard output
    text: str


def render(records: Sequence[Record], fmt: str, out: Path | None, options: Options) -> list[Output]:
    """The files (or the one standard-output text) ``records`` export to in ``fmt``."""
    spec = FORMATS[fmt]
    zones = group_zones(records)
    if out is not None and out.is_dir():
        if spec.per_zone:
            return [Output(out / f"{z.name}{spec.extension}", spec.render([z], options)) for z in zones]
        return [Output(out / f"{COMBINED_STEM}{spec.extension}", spec.render(zones, options))]
    if not zones:
        raise MgsyncError(
            "No DNS records to export: no declared domain both exists in Mailgun and lies in the zones given."
        )
    return [Output(out, spec.render(zones, options))]


def write(outputs: Sequence[Output]) -> None:
    for output in outputs:
        if output.path is not None:
            with writing(output.path):
                output.path.write_text(output.text, encoding="utf-8")
