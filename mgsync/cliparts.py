"""What every mgsync command shares: one error line and its exit code, colour, the connection
options (one ``Connection``), the status line (the per-kind options: ``kindoptions.py``). Part of the command line
(``cli.py`` and the ``*cli.py`` command modules): like them, it prints through click only.

Every command turns ``MgsyncError`` into one message on stderr and its exit code; anything else
escaping a command is a bug. Colour goes through click only (``click.style``, ``click.echo(color=)``):
``--color/--no-color`` wins, else a non-empty ``NO_COLOR`` turns it off, a non-empty ``FORCE_COLOR``
on, else it is on only when the stream is a terminal. Hints that print a next command repeat the
connection flags in use (``flags``), so they can be pasted as they are.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import click
from click.core import ParameterSource

from mgsync.connect import DEFAULT_EMULATOR_STATE as DEFAULT_STATE
from mgsync.connect import Connection
from mgsync.errors import MgsyncError, file_type

if TYPE_CHECKING:
    from mgsync.status import Status

P = ParamSpec("P")
R = TypeVar("R")
SIGPIPE_EXIT = 141
AFTER_INTERRUPT = "mgsync.after_interrupt"  # a command's word after "Interrupted." (``on_interrupt``)
OUTPUT_FAILURES = {errno.ENOSPC, errno.EFBIG, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}  # not all have EDQUOT


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as the command's one line on stderr and exit with ``code``."""
    status = _current_status()
    if status is not None:
        status.abandon()
    if message.startswith("Error: "):
        message = click.style("Error:", fg="red", bold=True) + message[len("Error:") :]
    click.echo(message, err=True, color=use_color(sys.stderr))
    sys.exit(code)


# --- colour ------------------------------------------------------------------------------------


def _store_color(ctx: click.Context, _param: click.Parameter, value: bool | None) -> bool | None:
    ctx.meta["mgsync.color"] = value
    return value


def color_option(fn: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--color/--no-color",
        default=None,
        expose_value=False,
        callback=_store_color,
        help="Colour the output. Default: only on a terminal; a non-empty NO_COLOR turns it off, FORCE_COLOR on.",
    )(fn)


def use_color(stream: IO[str]) -> bool:
    """The colour decision for ``stream`` (see the module docstring)."""
    ctx = click.get_current_context(silent=True)
    flag = ctx.meta.get("mgsync.color") if ctx is not None else None
    if flag is not None:
        return bool(flag)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def echo_plan(text: str) -> None:
    click.echo(text, color=use_color(sys.stdout))


# --- errors ------------------------------------------------------------------------------------


def _reader_left() -> NoReturn:
    """The reader of the output left (``mgsync plan --full | head``): stop without a word, as Unix tools
    do, with the shell's code (128 + SIGPIPE); an apply's lockfile holds every step that completed."""
    with contextlib.suppress(OSError):  # stderr's reader left too (BrokenPipeError; EINVAL on Windows)
        status = _current_status()
        if status is not None:
            status.abandon()
    _output_nowhere()
    sys.exit(SIGPIPE_EXIT)


def reader_left(err: OSError, platform: str = sys.platform) -> bool:
    """Whether ``err`` says the reader of standard output left: BrokenPipeError; on Windows also EINVAL
    with no file name, which the C runtime's ``write`` makes of the pipe's ERROR_NO_DATA
    (cpython#79935). mgsync names the file of every failure of its own files (``errors.writing``), so
    one without a name is a standard stream's (as ``OUTPUT_FAILURES``)."""
    if isinstance(err, BrokenPipeError):
        return True
    return platform == "win32" and err.errno == errno.EINVAL and err.filename is None


def _output_nowhere() -> None:
    """Later writes to standard output go nowhere, so that none fails again on the way out."""
    with contextlib.suppress(OSError, ValueError):  # not a real file (click's test runner)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _output_failed(err: OSError) -> NoReturn:
    """Standard output failed (``mgsync plan > plan.txt``, a full disk): one line, exit 1; the rest goes nowhere."""
    _output_nowhere()
    fail(f"Error: cannot write the output: {err.strerror or err}.")


def _current_status() -> Status | None:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("mgsync.status") if ctx is not None else None


def on_interrupt(note: str) -> None:
    """What the running command says after "Interrupted." when Ctrl-C ends it, or after running out of
    memory (a read says nothing more)."""
    click.get_current_context().meta[AFTER_INTERRUPT] = note


def _after_stop() -> str:
    """The running command's word after it stopped short (``on_interrupt``), with its leading space."""
    ctx = click.get_current_context(silent=True)
    after = ctx.meta.get(AFTER_INTERRUPT, "") if ctx is not None else ""
    return f" {after}" if after else ""


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = fn(*args, **kwargs)
            if sys.stdout is not None:  # what is left in its buffer, while a failure can still be worded
                sys.stdout.flush()
            return result
        except MgsyncError as err:
            fail(f"Error: {err}", err.exit_code)
        except KeyboardInterrupt as stop:  # Ctrl-C; or SIGTERM while an apply writes (tuning.graceful_interrupt)
            fail(f"{getattr(stop, 'word', 'Interrupted.')}{_after_stop()}", getattr(stop, "exit_code", 130))
        except MemoryError:  # a machine too small for what a run holds (``validate /tmp``, 10**7 CSV rows): no bug
            fail(f"Error: out of memory: this run needs more memory than this machine gives it.{_after_stop()}")
        except Exception as err:  # a bug (but the output's failure): one line, the traceback only on request
            if isinstance(err, OSError) and reader_left(err):  # BrokenPipeError (Windows: EINVAL)
                _reader_left()
            if isinstance(err, OSError) and err.filename is None and err.errno in OUTPUT_FAILURES:
                _output_failed(err)  # a file's failure names it (errors.writing)
            if os.environ.get("MGSYNC_DEBUG"):
                raise
            fail(
                f"Error: internal error ({type(err).__name__}: {err}); this is a bug in mgsync. "
                "Re-run with MGSYNC_DEBUG=1 for the traceback and report it."
            )

    return wrapper


# --- connection --------------------------------------------------------------------------------


def connection_options(fn: Callable[..., R]) -> Callable[..., R]:
    """Options shared by every command that talks to Mailgun, handed to it as one ``conn: Connection``."""
    options: list[Callable[[Callable[..., R]], Callable[..., R]]] = [
        color_option,
        click.option(
            "--emulator",
            "use_emulator",
            is_flag=True,
            help="Use the bundled Mailgun emulator in-process (no account, no network).",
        ),
        click.option(
            "--emulator-state",
            type=click.Path(path_type=Path),
            default=DEFAULT_STATE,
            show_default=True,
            help="Where the embedded emulator keeps its account.",
        ),
        click.option("--base-url", help="Mailgun API base URL (default from MAILGUN_BASE_URL / MAILGUN_REGION)."),
        click.option(
            "--region", type=click.Choice(["us", "eu"]), help="Mailgun region (default MAILGUN_REGION or us)."
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 32),
            default=8,
            show_default=True,
            help="Parallel requests to Mailgun.",
        ),
        click.option(
            "--subaccount",
            metavar="ID",
            help="Act on this subaccount (X-Mailgun-On-Behalf-Of; default MAILGUN_SUBACCOUNT).",
        ),
    ]

    @functools.wraps(fn)
    def wrapper(
        *args: object,
        use_emulator: bool,
        emulator_state: Path,
        base_url: str | None,
        region: str | None,
        concurrency: int,
        subaccount: str | None,
        **kwargs: object,
    ) -> R:
        conn = Connection(use_emulator, emulator_state, base_url, region, concurrency, subaccount)
        if use_emulator:
            _new_account_note(emulator_state)
        return fn(*args, conn=conn, **kwargs)

    command: Callable[..., R] = wrapper
    for option in reversed(options):
        command = option(command)
    return command


def _new_account_note(state: Path) -> None:
    """The default state file is in the directory mgsync runs in: a new, empty account there (another
    directory than the quick start's, say) says where it is. A file named on purpose says nothing."""
    named = click.get_current_context().get_parameter_source("emulator_state") is not ParameterSource.DEFAULT
    if named or file_type(state) != (0, None):  # there already, or unreadable: the emulator says why
        return
    click.echo(
        f"Note: the emulator's account in {state.absolute()} is new and starts empty (its state file is kept "
        "in the directory mgsync runs in; --emulator-state FILE names another).",
        err=True,
    )


def flags(conn: Connection) -> str:
    """The connection flags in use, as they would be typed again (`` --emulator``, `` --base-url URL``)."""
    words: list[str] = []
    if conn.emulator:
        words.append("--emulator")
        if conn.emulator_state != DEFAULT_STATE:
            words += ["--emulator-state", str(conn.emulator_state)]
    if conn.base_url:
        words += ["--base-url", conn.base_url]
    if conn.region:
        words += ["--region", conn.region]
    if conn.subaccount:
        words += ["--subaccount", conn.subaccount]
    return "".join(f" {shell_word(word)}" for word in words)


CMD_SPECIAL = frozenset('&|<>^()%!"')  # cmd.exe acts on these outside double quotes


def shell_word(word: str, platform: str = sys.platform) -> str:
    """``word`` as it is typed in a hint run as printed: quoted for a POSIX shell (``shlex.quote``), or
    on Windows as the C runtime splits a command line (``subprocess.list2cmdline``: double quotes
    around a space, backslashes kept, ``C:\\Users\\plan.json`` as it is), with cmd.exe's special
    characters inside double quotes too. Single quotes mean nothing to cmd.exe."""
    if platform != "win32":
        return shlex.quote(word)
    import subprocess  # only here: every command imports this module

    typed = subprocess.list2cmdline([word])
    if typed.startswith('"') or CMD_SPECIAL.isdisjoint(word):
        return typed
    return f'"{typed}"'


# --- the status line and the lockfile ----------------------------------------------------------


def status() -> Status:
    """A status line for this command (see ``status.py``); animated only on a terminal."""
    from mgsync.status import Status

    ctx = click.get_current_context()
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)  # log lines and a redrawn line do not mix
    line = Status(enabled=True, animate=sys.stderr is not None and sys.stderr.isatty() and not verbose)
    ctx.meta["mgsync.status"] = line
    return line


def lock_path(lockfile: Path | None, root: Path) -> Path:
    return lockfile if lockfile is not None else root / "mgsync.lock"
