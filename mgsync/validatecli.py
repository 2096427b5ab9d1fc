"""The offline commands on manifests, ``validate`` and ``schema``, and the warnings ``plan`` and
``apply`` print after loading. Part of the command line (``cli.py`` registers them); no request is
ever sent from here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from mgsync import report
from mgsync.cliparts import color_option, handles_errors
from mgsync.errors import Problem


def warn(warnings: Sequence[Problem]) -> None:
    """The manifests' warnings on stderr, as ``validate`` prints them (at most ``errors.PER_FILE`` per
    file): an unusual route filter or a padded secret is seen where the change is reviewed too."""
    for line in report.text((), warnings):
        click.echo(line, err=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="An unset ${env:NAME} is an error, as apply makes it (else a warning).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="github: workflow-command annotations (::error file=…,line=…::…) for GitHub Actions.",
)
@color_option
@handles_errors
def validate(paths: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Load manifests offline and report every problem with file:line:col.

    Works without secrets: an unset ${env:NAME} is a warning naming it (exit 0) unless --strict.
    """
    from mgsync.errors import ManifestError
    from mgsync.manifest import load

    try:
        desired = load(list(paths) or [Path(".")], os.environ, allow_unset_env=not strict)
        errors, warnings, summary = [], list(desired.warnings), desired.summary()
    except ManifestError as err:
        errors, warnings, summary = list(err.problems), list(err.warnings), None
    match fmt:
        case "json":
            document = report.json_document(errors, warnings, summary)
            click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        case "github":
            for line in report.github(errors, warnings):
                click.echo(line)  # stdout: the runner reads workflow commands there
            if errors:  # GitHub shows a step's first 10 annotations; the log has the count
                click.echo(f"{report.plural(len(errors), 'error')} found.")
        case _:
            for line in report.text(errors, warnings):
                click.echo(line, err=True)
    if errors:
        sys.exit(1)
    if fmt != "json":
        click.echo((summary or "") + (f", {report.plural(len(warnings), 'warning')}" if warnings else ""))


@click.command()
@color_option
@handles_errors
def schema() -> None:
    """Print the JSON Schema of manifests (the file checked in under schemas/)."""
    from mgsync.manifest import json_schema

    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False))
