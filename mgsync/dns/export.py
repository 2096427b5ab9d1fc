"""``mgsync dns export``: render the records in a format and say where they go (stdout, a file, or
one file per zone in a directory). Returns text and paths; the CLI prints and writes nothing else.

A file that exists is overwritten only when mgsync wrote it (its header, where its format puts it)
or with ``force``: a hand-kept zone file under the name an export picks (``zones/example.com.yaml``)
holds the whole zone for octoDNS, and Mailgun's records alone in it would delete every other one."""

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


def write(outputs: Sequence[Output], force: bool = False) -> None:
    """Write every file, or none: a file that exists and is not mgsync's is refused first (``force``)."""
    foreign = [o.path for o in outputs if o.path is not None and not force and not _free(o.path)]
    if foreign:
        raise MgsyncError(
            f"Refusing to overwrite {foreign[0]}: mgsync dns export did not write it (its first line is not "
            "mgsync's). Write into another file or directory, or re-run with --force to replace it."
        )
    for output in outputs:
        if output.path is not None:
            with writing(output.path):
                output.path.write_text(output.text, encoding="utf-8")


def _free(path: Path) -> bool:
    """Whether ``path`` may be written: no regular file, or mgsync's own earlier output in any format."""
    if not path.is_file():  # absent, or a device (/dev/stdout): no file's content to lose
        return True
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            head = [file.readline(4096).rstrip("\n") for _ in range(2)]
    except OSError:
        return False
    return any(line.startswith(spec.header) for spec in FORMATS.values() for line in head)
