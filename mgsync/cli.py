"""The mgsync command line: the only part that prints or exits (with ``status``, its stderr line, and
the command modules it registers: ``statecli``, ``templatecli``, ``dnscli``, ``emulatorcli``).

A thin shell: each command parses its options, builds what it needs (the engine for plan and apply,
``engine.Engine``), calls it, renders the result and picks the exit code. What every command shares
(one error line and its exit code, colour, the connection options) is ``cliparts``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from mgsync import __version__, planview
from mgsync.cligroup import Commands
from mgsync.cliparts import (
    connection_options,
    flags,
    handles_errors,
    lock_path,
    on_interrupt,
    shell_word,
    status,
)
from mgsync.connect import Connection
from mgsync.dnscli import dns, dns_export
from mgsync.emulatorcli import emulator
from mgsync.errors import MgsyncError
from mgsync.kindoptions import TARGET_HELP, known_targets, named, per_kind
from mgsync.statecli import state
from mgsync.templatecli import template
from mgsync.validatecli import schema, validate, warn

__all__ = ["dns_export", "handles_errors", "main", "run"]  # what other modules and tests look up here


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mgsync")
@click.option("--verbose", "-v", is_flag=True, help="Log every request and step to stderr (never secrets).")
def main(verbose: bool) -> None:
    """Mailgun configuration as code: validate, plan, apply and import YAML manifests."""
    from mgsync import tuning

    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s: %(message)s")
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    tuning.log_state()


def run() -> NoReturn:
    """The ``mgsync`` command (console script and ``python -m mgsync``): ``main`` in a process tuned
    for it (tuning.py, unless ``MGSYNC_NO_TUNING`` is set), then its exit. Tests call ``main``
    through click's runner, untuned."""
    from mgsync import tuning

    tuning.switch_on()  # before any worker thread starts
    _output_streams()
    try:
        main()
        code: str | int | None = 0
    except SystemExit as done:
        code = done.code
    tuning.leave(code)


def _output_streams() -> None:
    """stdout and stderr sent to a file or a pipe are UTF-8, as every file mgsync writes is, whatever
    the locale says: Windows writes them in its ANSI code page (cp1252), where a markdown plan's "·" is
    a byte no UTF-8 reader takes (the action's publish step) and 日本 is lost. A terminal keeps its
    encoding (Windows' console takes any character), and a character it lacks is escaped."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            if stream.isatty():
                stream.reconfigure(errors="backslashreplace")
            else:
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")


# --- plan / apply ------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Save the plan for `mgsync apply PLAN.json`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes are pending (0 none, 1 error).")
@click.option(
    "--full",
    is_flag=True,
    help="List every member and suppression too, not a count per scope, and the sandbox domain under not managed.",
)
@click.option("--target", "targets", multiple=True, callback=known_targets, help=TARGET_HELP)
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@click.option(
    "--preview",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write each changed template rendered before and after (HTML, with its test data) here.",
)
@click.option("--heading-commit", metavar="SHA", default="", help="Markdown: name this commit in the heading.")
@click.option(
    "--heading-run-url",
    metavar="URL",
    default="",
    help="Markdown: link this workflow run in the heading (and its artifacts if the comment is cut).",
)
@planview.output_options
@connection_options
@handles_errors
def plan(
    paths: tuple[Path, ...],
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    full: bool,
    targets: tuple[str, ...],
    lockfile: Path | None,
    preview: Path | None,
    heading_commit: str,
    heading_run_url: str,
    base_plan: Path | None,
    base_dir: Path | None,
    text_out: Path | None,
    conn: Connection,
) -> None:
    """Read live state and print the change plan; never writes to Mailgun."""
    from mgsync import saved_plan
    from mgsync.connect import connect
    from mgsync.engine import Engine
    from mgsync.lockfile import Lockfile
    from mgsync.manifest import load
    from mgsync.tuning import keep, settled

    manifests = list(paths) or [Path(".")]
    heading = planview.plan_heading(manifests, heading_commit, heading_run_url, base_plan)
    desired = load(manifests, os.environ, allow_unset_secrets=True)  # errors before any request; a secret may be unset
    warn(desired.warnings)
    base, warning = planview.base_manifests(base_dir, manifests)
    settled()
    lock = Lockfile.read(lock_path(lockfile, desired.root))
    line = status()
    with connect(conn, os.environ, observer=line.observe) as client:
        line.phase("reading Mailgun")
        engine = Engine(client, desired, lock, targets=targets, show_hidden=full)
        outcome = engine.plan()
        if base is not None:
            heading, warning = planview.beside_base(heading, engine, outcome, base)
    line.close()
    keep(desired, outcome, lock)  # freed with the process, not one object at a time on return
    if warning:
        click.echo(warning, err=True)
    recorded = None if targets else lock.account_notes  # a targeted plan reviews only its targets
    planview.show_plan(outcome.shown, fmt, full=full, heading=heading, account_recorded=recorded, conn=conn)
    if preview is not None:  # issue 22
        from mgsync.render.rendered import previews

        click.echo(previews(outcome.shown, preview), err=True)
    if text_out is not None:
        planview.write_text(text_out, outcome.shown, planview.typed_here(conn, manifests))
    if out is not None:
        saved_plan.save(
            out,
            outcome.shown,
            manifests=manifests,
            lock=lock,
            state=desired.state,
            targets=targets,
            seal=outcome.seal.data,
        )
        click.echo(
            f"Saved the plan to {out}; apply it with: mgsync apply{flags(conn)} {shell_word(str(out))}", err=True
        )
    if detailed_exitcode and not outcome.plan.empty:
        sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (required when there is no terminal).")
@click.option("--force", is_flag=True, help="Apply even if the plan crosses a safety threshold.")
@per_kind(
    "confirm_delete", "--delete-{name}", "Confirm deleting this {noun} (it must also be gone from the manifests)."
)
@per_kind(
    "verifiable",
    "--verify-{name}",
    "After applying, ask Mailgun to re-check this {noun}'s DNS records now (Mailgun rate-limits this; repeatable).",
)
@click.option("--target", "targets", multiple=True, callback=known_targets, help=TARGET_HELP)
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@click.option(
    "--expect-plan",
    metavar="DIGEST",
    callback=planview.expected_digest,
    help="Apply only if the fresh plan has exactly this digest (from the reviewed plan); else exit 3.",
)
@click.option(
    "--reviewed",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PLAN.json",
    help="Apply only if every change is in one of these reviewed plans (plan --out; repeatable); else exit 3.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another apply's lock on the lockfile before giving up (exit 4).",
)
@connection_options
@handles_errors
def apply(
    paths: tuple[Path, ...],
    yes: bool,
    force: bool,
    targets: tuple[str, ...],
    lockfile: Path | None,
    expect_plan: str | None,
    reviewed: tuple[Path, ...],
    lock_timeout: float,
    conn: Connection,
) -> None:
    """Make Mailgun match the manifests (or apply a saved plan file)."""
    from mgsync import saved_plan
    from mgsync.connect import connect
    from mgsync.engine import Checks, Engine, held, verification_targets
    from mgsync.manifest import load
    from mgsync.tuning import settled

    saved = saved_plan.given(paths, targets, lockfile)
    if saved is not None:
        paths, targets, lockfile = tuple(Path(p) for p in saved.manifests), saved.targets, Path(saved.lockfile)
    if reviewed and (saved is not None or expect_plan is not None):
        raise MgsyncError("--reviewed cannot be combined with --expect-plan or a saved plan file; use one of them.")
    vouched = saved_plan.load_reviewed(reviewed) if reviewed else None
    for note in vouched.notes if vouched else ():
        click.echo(f"Note: {note}", err=True)
    desired = load(list(paths) or [Path(".")], os.environ)
    warn(desired.warnings)
    settled()
    confirmed = frozenset(f"{kind}:{key}" for kind, keys in named("confirm_delete").items() for key in keys)
    checks = Checks(
        force,
        confirmed,
        saved,
        expect_plan,
        vouched,  # a --verify typo fails before any request
        tuple(verification_targets(desired, named("verifiable"))),
    )
    line, typed = status(), planview.typed_here(conn, paths)
    on_interrupt("The lockfile records every step that completed; run the command again.")
    with (
        held(lock_path(lockfile, desired.root), timeout=lock_timeout) as lock,
        connect(conn, os.environ, observer=line.observe) as client,
    ):
        line.phase("reading Mailgun")
        outcome = Engine(client, desired, lock, targets=targets, hooks=planview.apply_hooks(line, yes, typed)).apply(
            checks
        )
    line.close()
    planview.report(outcome)


@main.command("import")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Directory to write the manifests, template files, CSV files and mgsync.lock into.",
)
@per_kind("import_filter", "--{name}", "Import only this {noun} (repeatable); {others} are always imported.")
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
@connection_options
@handles_errors
def import_(out: Path, force: bool, conn: Connection) -> None:
    """Write manifests and the lockfile from a live account; a plan right after shows no changes."""
    from mgsync.connect import connect
    from mgsync.importer import run_import

    line = status()
    with connect(conn, os.environ, observer=line.observe) as client:
        line.phase("importing")
        imported = run_import(client, out, only=named("import_filter"), force=force)
    line.close()
    for note in imported.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(imported.summary(plan_command=f"mgsync plan{flags(conn)}"))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (for bug reports and scripts).")
@handles_errors
def version(as_json: bool) -> None:
    """Print the version of mgsync, Python, the platform and the dependencies (never a secret)."""
    from mgsync import about

    info = about.environment()
    click.echo(json.dumps(info, indent=2, sort_keys=True) if as_json else "\n".join(about.text(info)))


for _group in (validate, schema, template, state, emulator, dns):  # each in its own module
    main.add_command(_group)


if __name__ == "__main__":  # pragma: no cover
    main()
