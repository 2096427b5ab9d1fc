"""The ``mgsync`` command group (``Commands``): how a usage error ends. Part of the command line
(``cli.py``): it prints nothing itself; click shows the error.

A usage error (click's ``UsageError``: an unknown option or command, a bad value, a missing
command) exits 1 as every other error does, not click's 2: ``plan --detailed-exitcode`` exits 2 for
changes pending, as Terraform's does, and nothing else may. An option of ``mgsync`` itself given
after the command (``mgsync plan --verbose``) says where it goes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any

import click


class Commands(click.Group):
    """The ``mgsync`` group: every usage error of it and its commands exits 1 (see the module docstring)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with self._usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with self._usage_errors():  # the command's own parsing and its callbacks happen in here
            return super().invoke(ctx)

    @contextlib.contextmanager
    def _usage_errors(self) -> Iterator[None]:
        try:
            yield
        except click.UsageError as err:
            own = {name for p in self.params if isinstance(p, click.Option) and not p.is_eager for name in p.opts}
            if not isinstance(err, click.NoSuchOption) or err.option_name not in own or err.ctx is None:
                raise UsageError(err) from None
            root = err.ctx.find_root().command_path  # "mgsync", or "python -m mgsync"
            hint = f"{root} {err.option_name} {err.ctx.command_path.removeprefix(root).strip()} …"
            raise UsageError(
                click.UsageError(
                    f"No such option {err.option_name!r}: it is an option of mgsync itself, "
                    f"given before the command: {hint}",
                    err.ctx,
                )
            ) from None


class UsageError(click.UsageError):
    """click's usage error ``shown`` as click shows it (a missing command: the help), with exit 1."""

    exit_code = 1

    def __init__(self, shown: click.UsageError) -> None:
        super().__init__(shown.format_message(), shown.ctx)
        self.shown = shown

    def show(self, file: IO[Any] | None = None) -> None:
        self.shown.show(file)
