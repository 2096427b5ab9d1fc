"""docs/cli.md is every command's ``--help``, as the installed ``mgsync`` prints it; this test keeps it
current (``MGSYNC_UPDATE_GOLDEN=1`` rewrites it), so an option is never missing from the docs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click

from mgsync.cli import main

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
WIDTH = 100  # the help is wrapped at this width whatever the terminal, so the file is the same everywhere

INTRO = """\
# Command reference

Every command's `--help`, generated from the code (`tests/test_cli_reference.py` fails when this file
is out of date; `MGSYNC_UPDATE_GOLDEN=1 pytest tests/test_cli_reference.py` writes it anew). The
[README](../README.md) shows how the commands fit together, with examples that a test runs.
"""


def helps(command: click.Command, name: str, parent: click.Context | None = None) -> Iterator[tuple[str, str]]:
    """``(command path, help)`` of ``command`` and every command under it, depth first, in their listed
    order; each context made as click makes it (``make_context``), so that a subcommand's help inherits
    what its group sets (``-h`` beside ``--help``)."""
    extra = {"terminal_width": WIDTH, "max_content_width": WIDTH} if parent is None else {}
    with command.make_context(name, [], parent=parent, resilient_parsing=True, **extra) as ctx:
        yield ctx.command_path, command.get_help(ctx)
        if isinstance(command, click.Group):
            for sub_name in command.list_commands(ctx):
                sub = command.get_command(ctx, sub_name)
                if sub is not None and not sub.hidden:
                    yield from helps(sub, sub_name, ctx)


def reference() -> str:
    return "\n".join([INTRO, *(f"## {path}\n\n```text\n{text}\n```\n" for path, text in helps(main, "mgsync"))])


def test_the_reference_is_every_commands_help() -> None:
    actual = reference()
    if os.environ.get("MGSYNC_UPDATE_GOLDEN") == "1":
        REFERENCE.write_text(actual, encoding="utf-8", newline="\n")
    assert REFERENCE.exists(), f"{REFERENCE} is missing: run MGSYNC_UPDATE_GOLDEN=1 pytest {__file__}"
    assert REFERENCE.read_text(encoding="utf-8") == actual, "docs/cli.md is out of date: run MGSYNC_UPDATE_GOLDEN=1"
