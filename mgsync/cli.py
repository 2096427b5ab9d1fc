"""The mgsync command line: the only module that prints or exits.

Every command turns ``MgsyncError`` into one message on stderr and its exit code; anything else
escaping a command is a bug.
"""

from __future__ import annotations

import functools
import json
import logging
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
        except KeyboardInterrupt:
            _fail("Interrupted. The lockfile records every step that completed; run the command again.", 130)
        except Exception as err:  # a bug: one line, the traceback only on request
            if os.environ.get("MGSYNC_DEBUG"):
                raise
            _fail(f"Error: internal error ({type(err).__name__}: {err}); this is a bug in mgsync. "
                  "Re-run with MGSYNC_DEBUG=1 for the traceback and report it.")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mgsync")
@click.option("--verbose", "-v", is_flag=True, help="Log every request and step to stderr (never secrets).")
def main(verbose: bool) -> None:
    """Mailgun configuration as code: validate, plan, apply and import YAML manifests."""
    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s: %(message)s")
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_errors
def validate(paths: tuple[Path, ...]) -> None:
    """Load manifests offline and report every error with file:line:col."""
    from mgsync.errors import ManifestError
    from mgsync.manifest import load

    try:
        desired = load(list(paths) or [Path(".")], os.environ)
    except ManifestError as err:
        count = len(err.problems)
        _fail("\n".join([*map(str, err.problems), f"{count} error{'s' if count != 1 else ''} found."]))
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
@click.option("--region", type=click.Choice(["us", "eu"]), default="us", show_default=True,
              help="Region used in DNS records (mxa.mailgun.org vs mxa.eu.mailgun.org).")
@click.option("--gateway-key", help="Also accept 'Authorization: Bearer KEY' under /mailgun (Maton gateway form).")
@click.option("--gateway-connection", "gateway_connections", multiple=True,
              help="A Maton connection id (repeat; with several, Maton-Connection is required).")
@click.option("--latency", type=float, default=0.0, show_default=True, help="Seconds of delay per request.")
@click.option("--rate-limit-every", type=int, default=0, help="Answer every Nth request with 429.")
@click.option("--rate-limit-share", type=float, default=0.0, help="Answer this fraction (0..1) of requests with 429.")
@click.option("--reset-after", type=float, default=1.0, show_default=True,
              help="Seconds until X-Request-Reset on an injected 429.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --rate-limit-share.")
@click.option("--replace-body", "replace_bodies", nargs=2, multiple=True, metavar="PATH BODY",
              help="Answer GETs of paths starting with PATH with 200 and BODY instead (repeatable).")
@handles_errors
def emulator_serve(host: str, port: int, state_file: Path | None, api_key: str, region: str,
                   gateway_key: str | None, gateway_connections: tuple[str, ...], latency: float,
                   rate_limit_every: int, rate_limit_share: float, reset_after: float, seed: int,
                   replace_bodies: tuple[tuple[str, str], ...]) -> None:
    """Run the bundled Mailgun emulator over HTTP (Ctrl-C stops it)."""
    from mgsync.emulator.server import serve_forever
    from mgsync.emulator import Emulator, Faults

    emu = Emulator(api_key=api_key, state_file=state_file, gateway_key=gateway_key,
                   gateway_connections=gateway_connections, region=region)
    emu.faults = Faults(latency=latency, rate_limit_every=rate_limit_every, rate_limit_share=rate_limit_share,
                        reset_after=reset_after, seed=seed)
    for path, body in replace_bodies:
        emu.faults.replace_body(path, body)
    serve_forever(emu, host=host, port=port, announce=lambda url: click.echo(f"Mailgun emulator on {url}", err=True))


# --- plan / apply ------------------------------------------------------------------------------


def connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that talks to Mailgun."""
    options = [
        click.option("--emulator", "use_emulator", is_flag=True,
                     help="Use the bundled Mailgun emulator in-process (no account, no network)."),
        click.option("--emulator-state", type=click.Path(path_type=Path), default=Path(".mgsync-emulator.json"),
                     show_default=True, help="Where the embedded emulator keeps its account."),
        click.option("--base-url", help="Mailgun API base URL (default from MAILGUN_BASE_URL / MAILGUN_REGION)."),
        click.option("--region", type=click.Choice(["us", "eu"]), help="Mailgun region (default MAILGUN_REGION or us)."),
        click.option("--concurrency", type=click.IntRange(1, 32), default=8, show_default=True,
                     help="Parallel requests to Mailgun."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _connection(use_emulator: bool, emulator_state: Path, base_url: str | None, region: str | None, concurrency: int) -> Any:
    from mgsync.connect import Connection

    return Connection(use_emulator, emulator_state, base_url, region, concurrency)


def _lock_path(lockfile: Path | None, root: Path) -> Path:
    return lockfile if lockfile is not None else root / "mgsync.lock"


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Save the plan for `mgsync apply PLAN.json`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes are pending (0 none, 1 error).")
@click.option("--target", "targets", multiple=True, help="Limit to this address or glob (repeatable).")
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@connection_options
@handles_errors
def plan(paths: tuple[Path, ...], out: Path | None, fmt: str, detailed_exitcode: bool, targets: tuple[str, ...],
         lockfile: Path | None, **conn: Any) -> None:
    """Read live state and print the change plan; never writes to Mailgun."""
    from mgsync import render, saved_plan
    from mgsync.connect import connect
    from mgsync.engine import plan_changes
    from mgsync.lockfile import Lockfile
    from mgsync.manifest import load

    manifests = list(paths) or [Path(".")]
    desired = load(manifests, os.environ)  # every error is reported before any request is made
    lock = Lockfile.read(_lock_path(lockfile, desired.root))
    with connect(_connection(**conn), os.environ) as client:
        outcome = plan_changes(client, desired, lock, targets=targets)
    match fmt:
        case "json":
            click.echo(json.dumps(render.json_document(outcome.plan), indent=2, sort_keys=True, ensure_ascii=False))
        case "markdown":
            click.echo(render.markdown(outcome.plan))
        case _:
            click.echo(render.text(outcome.plan, color=_color()).rstrip("\n"))
    if out is not None:
        saved_plan.save(out, outcome.plan, manifests=manifests, lock=lock, state=desired.state, targets=targets)
        click.echo(f"Saved the plan to {out}; apply it with: mgsync apply {out}", err=True)
    if detailed_exitcode and not outcome.plan.empty:
        sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (required when there is no terminal).")
@click.option("--force", is_flag=True, help="Apply even if the plan crosses a safety threshold.")
@click.option("--delete-domain", "delete_domains", multiple=True, metavar="NAME",
              help="Confirm deleting this domain (it must also be gone from the manifests).")
@click.option("--target", "targets", multiple=True, help="Limit to this address or glob (repeatable).")
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@connection_options
@handles_errors
def apply(paths: tuple[Path, ...], yes: bool, force: bool, delete_domains: tuple[str, ...], targets: tuple[str, ...],
          lockfile: Path | None, **conn: Any) -> None:
    """Make Mailgun match the manifests (or apply a saved plan file)."""
    from mgsync import render, saved_plan
    from mgsync.connect import connect
    from mgsync.engine import apply_changes, plan_changes
    from mgsync.lockfile import Lockfile, hold
    from mgsync.manifest import load

    saved = saved_plan.load(paths[0]) if len(paths) == 1 and saved_plan.is_saved_plan(paths[0]) else None
    if saved is not None:
        paths, targets, lockfile = tuple(Path(p) for p in saved.manifests), saved.targets, Path(saved.lockfile)
    desired = load(list(paths) or [Path(".")], os.environ)
    lock_path = _lock_path(lockfile, desired.root)
    with hold(lock_path), connect(_connection(**conn), os.environ) as client:
        lock = Lockfile.read(lock_path)
        outcome = plan_changes(client, desired, lock, targets=targets)
        if saved is not None:
            saved_plan.check_fresh(saved, outcome.plan, state=desired.state, lock=lock)
        click.echo(render.text(outcome.plan, color=_color()).rstrip("\n"))
        outcome.plan.raise_if_unsafe(force=force, confirmed=frozenset(delete_domains))
        if not outcome.plan.empty:
            _confirm(yes)
        apply_changes(client, desired, lock, outcome, targets=targets, progress=_progress())
    _report(outcome)


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        _fail("Refusing to apply without --yes: there is no terminal to confirm on.")
    if not click.confirm("Apply these changes to Mailgun?", default=False):
        _fail("Apply cancelled; nothing was changed.")


def _progress() -> Callable[[int, int, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, address: str) -> None:
        click.echo(f"\r[{done}/{total}] {address[:60]:<60}", err=True, nl=done >= total)

    return show


def _report(outcome: Any) -> None:
    if outcome.applied:
        click.echo(f"Apply complete: {outcome.applied} changes applied.")
    else:
        click.echo("Nothing to apply; the lockfile records what mgsync manages.")
    if outcome.pending is not None:
        click.echo(
            f"Note: Mailgun has not caught up yet: a fresh plan still shows {len(outcome.pending.changes)} "
            "changes (its API is eventually consistent). Run mgsync plan again in a minute.",
            err=True,
        )


@main.command("import")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True,
              help="Directory to write the manifests, template files, CSV files and mgsync.lock into.")
@click.option("--domain", "domains", multiple=True, metavar="NAME",
              help="Import only this domain (repeatable); routes and mailing lists are always imported.")
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
@connection_options
@handles_errors
def import_(out: Path, domains: tuple[str, ...], force: bool, **conn: Any) -> None:
    """Write manifests and the lockfile from a live account; a plan right after shows no changes."""
    from mgsync.connect import connect
    from mgsync.importer import run_import

    with connect(_connection(**conn), os.environ) as client:
        imported = run_import(client, out, domains=domains, force=force)
    for note in imported.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(imported.summary())


if __name__ == "__main__":  # pragma: no cover
    main()
