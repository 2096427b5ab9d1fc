"""``mgsync template render``: a template rendered as Mailgun would, with test data, offline.

TEMPLATE is a template file, or an address (``template:mg.example.com/welcome``,
``account_template:base``) declared in the manifests (``--manifests``, default: the current
directory). The test data is ``--vars FILE``, else the file beside the template (``templatedata``).
The HTML (or with ``--text`` its plain-text view) goes to stdout; to stderr, one line each, the
variables the template uses that the data lacks, and what would fail at send time. A template that
does not parse is one error line with its place, exit 1. Registered by ``cli.py``; its errors go
through ``cliparts.handles_errors`` (one line, exit 1), as every command's do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from mgsync.cliparts import handles_errors
from mgsync.errors import MgsyncError, read_file


@dataclass(frozen=True)
class Source:
    """A template to render: its text, how to name a place in it, and its test data file."""

    text: str
    shown: str  # the file, or the address of an inline template
    data: Path | None


@click.group()
def template() -> None:
    """Work with templates offline: render them with test data."""


@template.command()
@click.argument("name", metavar="TEMPLATE")
@click.option(
    "--vars",
    "vars_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Test data (YAML or JSON). Default: NAME.vars.yaml or NAME.vars.json beside the template.",
)
@click.option("--text", "as_text", is_flag=True, help="Print a plain-text view instead of the HTML.")
@click.option(
    "--manifests",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to find the manifests declaring an address such as template:mg.example.com/welcome.",
)
@handles_errors
def render(name: str, vars_file: Path | None, as_text: bool, manifests: Path) -> None:
    """Render TEMPLATE (a file, or an address such as template:mg.example.com/welcome) as Mailgun would."""
    from mgsync import handlebars, templatedata
    from mgsync.handlebars.plaintext import text_of

    source = _source(name, manifests)
    data_file = vars_file or source.data
    data: dict[str, Any] = templatedata.load(data_file) if data_file is not None else {}
    try:
        rendered = handlebars.render(source.text, data)
    except handlebars.TemplateSyntaxError as err:
        raise MgsyncError(_syntax_error(source, err)) from None
    click.echo(text_of(rendered.html) if as_text else rendered.html, nl=False)
    for line in _report(source, data_file, rendered):
        click.echo(line, err=True)


def _source(name: str, manifests: Path) -> Source:
    from mgsync import templatedata

    path = Path(name)
    try:
        local = path.is_file() or ":" not in name
    except OSError:  # a name too long, a link to itself: reading it says so
        local = True
    if local:
        try:
            text = read_file(path).decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise MgsyncError(f"cannot read the template {name}: {templatedata.unreadable(err)}") from None
        return Source(text, name, templatedata.data_beside(path))
    return _declared(name, manifests)


def _declared(name: str, manifests: Path) -> Source:
    """An address's template, from the manifests (secrets need not be set: nothing is sent)."""
    from mgsync import templatedata
    from mgsync.kinds import BY_NAME
    from mgsync.manifest import load
    from mgsync.state import Address

    try:
        address = Address.parse(name)
    except ValueError as err:
        raise MgsyncError(str(err)) from None
    kind = BY_NAME.get(address.kind)
    desired = load([manifests], os.environ, allow_unset_env=True)
    resource = desired.state.get(kind.canonical(address)) if kind is not None else None
    text = getattr(resource.body, "template", None) if resource is not None else None
    if resource is None or not isinstance(text, str):
        raise MgsyncError(
            f"{name} is not a template declared in the manifests in {manifests}; "
            f"give a template file, or --manifests with the directory that declares it"
        )
    if getattr(resource.body, "engine", "handlebars") != "handlebars":
        raise MgsyncError(f"{name} is a Go template; only Handlebars templates render here")
    located = templatedata.locate(resource)
    return Source(text, str(located.file) if located.file else name, located.data)


def _syntax_error(source: Source, err: Any) -> str:
    from mgsync.handlebars import position

    def place(offset: int) -> str:
        return "{}:{}".format(*position(source.text, offset))

    return f"{source.shown}:{place(err.offset)}: {err.describe(place)}"


def _report(source: Source, data_file: Path | None, rendered: Any) -> list[str]:
    from mgsync.handlebars import position

    lines = []
    if data_file is None:
        lines.append(f"No test data for {source.shown}: pass --vars FILE, or write NAME.vars.yaml beside it.")
    for offset, variable in rendered.missing:
        line, col = position(source.text, offset)
        lines.append(f"{source.shown}:{line}:{col}: {variable} is not in the test data")
    for offset, note in rendered.notes:
        line, col = position(source.text, offset)
        lines.append(f"{source.shown}:{line}:{col}: {note}")
    return lines
