"""The mgsync command line: the only module that prints or exits.

Every command turns ``MgsyncError`` into one message on stderr and its exit code; anything else
escaping a command is a bug.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mgsync import __version__
from mgsync.errors import MgsyncError


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MgsyncError as err:
            _fail(f"Error: {err}", err.exit_code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mgsync")
def main() -> None:
    """Mailgun configuration as code: validate, plan, apply and import YAML manifests."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_errors
def validate(paths: tuple[Path, ...]) -> None:
    """Load manifests offline and report every error with file:line:col."""
    from mgsync.manifest import load

    desired = load(list(paths) or [Path(".")], os.environ)
    click.echo(desired.summary())


@main.command()
@handles_errors
def schema() -> None:
    """Print the JSON Schema of manifests (the file checked in under schemas/)."""
    from mgsync.manifest import json_schema

    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False))


@main.group()
def emulator() -> None:
    """The bundled Mailgun emulator."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--state", "state_file", type=click.Path(path_type=Path), help="Persist state to this JSON file.")
@click.option("--api-key", default="test", show_default=True, help="The API key the emulator accepts.")
@handles_errors
def emulator_serve(host: str, port: int, state_file: Path | None, api_key: str) -> None:
    """Run the bundled Mailgun emulator over HTTP."""
    from mgsync.emulator.server import serve_forever
    from mgsync.emulator import Emulator

    emu = Emulator(api_key=api_key, state_file=state_file)
    serve_forever(emu, host=host, port=port, announce=lambda url: click.echo(f"Mailgun emulator on {url}", err=True))


if __name__ == "__main__":  # pragma: no cover
    main()
