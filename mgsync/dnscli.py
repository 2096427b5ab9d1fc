"""``mgsync dns export|check``: the DNS records of the managed domains, exported to DNS-as-code or
checked in live DNS (the work is ``mgsync/dns/``). Registered by ``cli.py``; prints through click only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mgsync.cliparts import connection_options, handles_errors
from mgsync.connect import Connection
from mgsync.errors import MgsyncError

if TYPE_CHECKING:
    from mgsync.dns.live import Live

NO_DOMAIN = "the manifests declare no domain"


@click.group()
def dns() -> None:
    """DNS records of the managed domains: export them to DNS-as-code, check them in live DNS."""


def _dns_records(paths: tuple[Path, ...], zones: tuple[str, ...], conn: Connection, *, anywhere: bool = False) -> Live:
    """Mailgun's records for the domains the manifests declare (notes for those not created yet);
    ``anywhere``: a record outside its domain needs no ``--zone`` (``model.zone_for``)."""
    from mgsync.connect import connect
    from mgsync.dns import live
    from mgsync.dns.model import normalize_zone
    from mgsync.manifest import load

    desired = load(list(paths) or [Path(".")], os.environ, allow_unset_env=True)  # DNS records need no secret
    zone_names = tuple(normalize_zone(z) for z in zones)
    with connect(conn, os.environ) as client:
        found = live.read(client, live.managed_domains(desired), zone_names, anywhere=anywhere)
    for note in found.notes:
        click.echo(f"Note: {note}", err=True)
    return found


def _out(value: str | None) -> Path | None:
    """``--out``: a trailing separator means a directory, which must exist (``zones/`` was written as a
    file named ``zones``); an empty value (an unset CI variable) is refused, never the current directory."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty: give a file, or an existing directory")
    if value.endswith(("/", os.sep)) and not Path(value).is_dir():
        raise click.BadParameter(f"{value}: no such directory; create it, or give a file name")
    return Path(value)


@dns.command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["octodns", "dnscontrol", "bind", "terraform", "json"]),
    required=True,
    help="The DNS-as-code target.",
)
@click.option(
    "--zone",
    "zones",
    multiple=True,
    metavar="ZONE",
    help="The zone records go into (repeatable; default: each domain is its own zone).",
)
@click.option(
    "--out",
    type=click.Path(path_type=str),
    callback=lambda ctx, param, value: _out(value),
    help="Write to this file, or one file per zone into this existing directory.",
)
@click.option(
    "--provider",
    type=click.Choice(["route53", "cloudflare"]),
    default="route53",
    show_default=True,
    help="With --format terraform: aws_route53_record or cloudflare_dns_record.",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist already and mgsync did not write.")
@connection_options
@handles_errors
def dns_export(
    paths: tuple[Path, ...],
    fmt: str,
    zones: tuple[str, ...],
    out: Path | None,
    provider: str,
    force: bool,
    conn: Connection,
) -> None:
    """Print the DNS records Mailgun wants for the managed domains, in a DNS-as-code format."""
    from mgsync.dns import export
    from mgsync.dns.formats import Options

    found = _dns_records(paths, zones, conn)
    if not found.records and not found.outside:  # each declared domain absent (each said above), or none declared
        why = "no declared domain exists in Mailgun yet (run mgsync apply)" if found.absent else NO_DOMAIN
        raise MgsyncError(f"No DNS records to export: {why}.")
    outputs = export.render(found.records, fmt, out, Options(provider=provider))
    export.write(outputs, force)
    for output in outputs:
        if output.path is None:
            click.echo(output.text, nl=False)
        else:
            click.echo(f"Wrote {output.path}", err=True)


@dns.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--resolver", metavar="HOST[:PORT]", help="Ask this DNS server (default: the system resolver).")
@click.option("--zone", "zones", multiple=True, metavar="ZONE", help="The zone records go into (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=5.0,  # check.TIMEOUT (the module loads dnspython: not at the CLI's start)
    show_default=True,
    help="Seconds to wait for each query's answer.",
)
@connection_options
@handles_errors
def dns_check(
    paths: tuple[Path, ...], resolver: str | None, zones: tuple[str, ...], fmt: str, timeout: float, conn: Connection
) -> None:
    """Resolve every record Mailgun wants; report each ok, missing, wrong or failed; exit 1 unless all are ok."""
    from mgsync.dns import check, report

    found = _dns_records(paths, zones, conn, anywhere=True)  # each name is asked whole: no zone needed
    if not found.records and not found.absent:
        why = "no declared domain lies in the zones given" if found.outside else NO_DOMAIN
        raise MgsyncError(f"No DNS records to check: {why}.")
    results = check.check(found.records, check.resolver(resolver, timeout))
    click.echo(report.json_text(results, found.notes) if fmt == "json" else report.text(results))
    if found.absent or any(r.status != "ok" for r in results):
        sys.exit(1)
