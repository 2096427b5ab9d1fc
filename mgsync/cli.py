"""The mgsync command line: the only module that prints or exits (with ``status``, its stderr line).

Every command turns ``MgsyncError`` into one message on stderr and its exit code; anything else
escaping a command is a bug. Colour goes through click only (``click.style``, ``click.echo(color=)``):
``--color/--no-color`` wins, else a non-empty ``NO_COLOR`` turns it off, a non-empty ``FORCE_COLOR``
on, else it is on only when the stream is a terminal. Hints that print a next command repeat the
connection flags in use, so they can be pasted as they are.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from mgsync import __version__
from mgsync.connect import DEFAULT_EMULATOR_STATE as DEFAULT_STATE
from mgsync.errors import MgsyncError
from mgsync.statecli import state


SIGPIPE_EXIT = 141


def _fail(message: str, code: int = 1) -> None:
    status = _current_status()
    if status is not None:
        status.abandon()
    if message.startswith("Error: "):
        message = click.style("Error:", fg="red", bold=True) + message[len("Error:"):]
    click.echo(message, err=True, color=use_color(sys.stderr))
    sys.exit(code)


# --- colour ------------------------------------------------------------------------------------


def _store_color(ctx: click.Context, _param: click.Parameter, value: bool | None) -> bool | None:
    ctx.meta["mgsync.color"] = value
    return value


def color_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--color/--no-color", default=None, expose_value=False, callback=_store_color,
        help="Colour the output. Default: only on a terminal; a non-empty NO_COLOR turns it off, FORCE_COLOR on.",
    )(fn)


def use_color(stream: Any) -> bool:
    """The colour decision for ``stream`` (see the module docstring)."""
    ctx = click.get_current_context(silent=True)
    flag = ctx.meta.get("mgsync.color") if ctx is not None else None
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _reader_left() -> NoReturn:
    """The reader of the output left (``mgsync plan --full | head``): stop without a word, as Unix
    tools do, with the shell's code for it (128 + SIGPIPE). An apply stops as at Ctrl-C: the lockfile
    holds every step that completed. Later writes go nowhere, so none fails again on the way out."""
    try:
        status = _current_status()
        if status is not None:
            status.abandon()
    except BrokenPipeError:  # stderr's reader left too
        pass
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (click's test runner)
        pass
    sys.exit(SIGPIPE_EXIT)


def _current_status() -> Any:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("mgsync.status") if ctx is not None else None


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MgsyncError as err:
            _fail(f"Error: {err}", err.exit_code)
        except BrokenPipeError:
            _reader_left()
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
    from mgsync.memory import GC_THRESHOLDS, collect_less, limit_arenas

    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s: %(message)s")
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    limited = limit_arenas()  # before any worker thread starts
    collect_less()
    logging.getLogger("mgsync.memory").debug("memory: glibc arenas limited: %s; collector thresholds %s",
                                             "yes" if limited else "no", "/".join(map(str, GC_THRESHOLDS)))


def run() -> NoReturn:
    """The ``mgsync`` command: ``main``, then an exit that leaves freeing the objects of a large plan to
    the operating system (about 0.1 s at the end of a no-op plan of 200,000 entries), as mypy's
    ``hard_exit`` does. Output is flushed first; files are all closed by then, and the lockfile is
    written whole or not at all (``lockfile.py``). Under a profiler or coverage it leaves as usual,
    so that they write what they saw. Tests call ``main`` through click's runner."""
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if not isinstance(code, int):  # sys.exit(message), as Python reports it: the text, then 1
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    if _watched():
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader left (mgsync plan | head), or closed
            pass
    logging.shutdown()
    os._exit(code)


def _watched() -> bool:
    """A profiler, tracer or coverage run that writes what it saw on the way out: leave normally."""
    return sys.getprofile() is not None or sys.gettrace() is not None or "coverage" in sys.modules


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="An unset ${env:NAME} is an error (plan and apply always need it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="github: workflow-command annotations (::error file=…,line=…::…) for GitHub Actions.")
@color_option
@handles_errors
def validate(paths: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Load manifests offline and report every problem with file:line:col.

    Works without secrets: an unset ${env:NAME} is a warning naming it (exit 0) unless --strict.
    """
    from mgsync import report
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
        case _:
            for line in report.text(errors, warnings):
                click.echo(line, err=True)
    if errors:
        sys.exit(1)
    if fmt != "json":
        click.echo((summary or "") + (f", {report.plural(len(warnings), 'warning')}" if warnings else ""))


@main.command()
@color_option
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
@click.option("--state", "state_file", type=click.Path(path_type=Path),
              help=f"Persist the account in this JSON file. Default: {DEFAULT_STATE} if it exists (the account "
                   "`--emulator` commands use), else in memory.")
@click.option("--memory", is_flag=True, help="Keep the account in memory only, even if the default state file exists.")
@click.option("--api-key", default="test", show_default=True, help="The API key the emulator accepts.")
@click.option("--region", type=click.Choice(["us", "eu"]), default="us", show_default=True,
              help="Region used in DNS records (mxa.mailgun.org vs mxa.eu.mailgun.org).")
@click.option("--gateway-key", help="Also accept 'Authorization: Bearer KEY' under /mailgun (Maton gateway form).")
@click.option("--gateway-connection", "gateway_connections", multiple=True,
              help="A Maton connection id (repeat; with several, Maton-Connection is required).")
@click.option("--latency", type=float, default=0.0, show_default=True, help="Fault: seconds of delay per request.")
@click.option("--rate-limit-every", type=int, default=0, help="Fault: answer every Nth request with 429.")
@click.option("--rate-limit-share", type=float, default=0.0, help="Fault: answer this fraction (0..1) of requests with 429.")
@click.option("--reset-after", type=float, default=1.0, show_default=True,
              help="Seconds until X-Request-Reset on an injected 429.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --rate-limit-share.")
@click.option("--replace-body", "replace_bodies", nargs=2, multiple=True, metavar="PATH BODY",
              help="Fault: answer GETs of paths starting with PATH with 200 and BODY instead (repeatable).")
@click.option("--enforce-quota", is_flag=True,
              help="Fault: answer 429 once --quota-limit requests were made in one --quota-window.")
@click.option("--quota-limit", type=int, default=2500, show_default=True, help="Requests per rate-limit window.")
@click.option("--quota-window", type=float, default=1.0, show_default=True, help="Seconds per rate-limit window.")
@click.option("--fail-before-commit", "before_commit", multiple=True, metavar="[METHOD:]PATH",
              help="Fault: answer the next matching request with --fault-status without applying it (repeatable).")
@click.option("--fail-after-commit", "after_commit", multiple=True, metavar="[METHOD:]PATH",
              help="Fault: apply the next matching request, then answer --fault-status (repeatable).")
@click.option("--drop-connection", "drops", multiple=True, metavar="[METHOD:]PATH",
              help="Fault: close the connection on the next matching request, without an answer (repeatable).")
@click.option("--drop-after-commit", "drops_after", multiple=True, metavar="[METHOD:]PATH",
              help="Fault: apply the next matching request, then close the connection without an answer.")
@click.option("--fault-status", type=click.IntRange(500, 599), default=503, show_default=True,
              help="The 5xx status of --fail-before-commit / --fail-after-commit.")
@color_option
@handles_errors
def emulator_serve(host: str, port: int, state_file: Path | None, memory: bool, api_key: str, region: str,
                   gateway_key: str | None, gateway_connections: tuple[str, ...], fault_status: int,
                   **faults: Any) -> None:
    """Run the bundled Mailgun emulator over HTTP (Ctrl-C stops it).

    Faults are injected for testing clients: latency, 429s (every Nth, a share, or a quota per window),
    5xx before or after a write is committed, dropped connections (before or after commit), and
    odd answers (--replace-body: a GET answered 200 with any body, e.g. HTML or truncated JSON).
    A PATH matches as a prefix of the request path, e.g. POST:/v3/routes or /v3/lists.
    """
    from mgsync.emulator.server import serve_forever
    from mgsync.emulator import Emulator

    if state_file is None and not memory and DEFAULT_STATE.exists():
        state_file = DEFAULT_STATE  # the quick start's account: what `--emulator` commands planned and applied
    emu = Emulator(api_key=api_key, state_file=state_file, gateway_key=gateway_key,
                   gateway_connections=gateway_connections, region=region)
    _inject_faults(emu.faults, fault_status, **faults)
    where = f"The account is kept in {state_file}." if state_file is not None else "The account is kept in memory."

    def announce(url: str) -> None:  # the first line is the URL alone: scripts read it
        click.echo(f"Mailgun emulator on {url}", err=True)
        click.echo(where, err=True)

    serve_forever(emu, host=host, port=port, announce=announce)


def _inject_faults(faults: Any, status: int, *, latency: float, rate_limit_every: int, rate_limit_share: float,
                   reset_after: float, seed: int, enforce_quota: bool, quota_limit: int, quota_window: float,
                   before_commit: tuple[str, ...], after_commit: tuple[str, ...], drops: tuple[str, ...],
                   drops_after: tuple[str, ...], replace_bodies: tuple[tuple[str, str], ...]) -> None:
    faults.latency, faults.rate_limit_every, faults.rate_limit_share = latency, rate_limit_every, rate_limit_share
    faults.reset_after, faults.seed = reset_after, seed
    faults.enforce_quota, faults.quota_limit, faults.quota_window = enforce_quota, quota_limit, quota_window
    for spec in before_commit:
        faults.fail_before_commit(*_fault_target(spec), status=status)
    for spec in after_commit:
        faults.fail_after_commit(*_fault_target(spec), status=status)
    for spec in drops:
        faults.drop_connection(*_fault_target(spec))
    for spec in drops_after:
        faults.drop_connection(*_fault_target(spec), after_commit=True)
    for prefix, body in replace_bodies:
        faults.replace_body(prefix, body)


def _fault_target(spec: str) -> tuple[str | None, str]:
    """``POST:/v3/routes`` -> ``("POST", "/v3/routes")``; ``/v3/lists`` -> ``(None, "/v3/lists")``."""
    method, sep, path = spec.partition(":")
    if sep and method.isalpha() and path.startswith("/"):
        return method.upper(), path
    if not spec.startswith("/"):
        raise click.BadParameter(f"{spec!r} is not [METHOD:]PATH, e.g. POST:/v3/routes")
    return None, spec


# --- plan / apply ------------------------------------------------------------------------------


def connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that talks to Mailgun."""
    options = [
        color_option,
        click.option("--emulator", "use_emulator", is_flag=True,
                     help="Use the bundled Mailgun emulator in-process (no account, no network)."),
        click.option("--emulator-state", type=click.Path(path_type=Path), default=DEFAULT_STATE,
                     show_default=True, help="Where the embedded emulator keeps its account."),
        click.option("--base-url", help="Mailgun API base URL (default from MAILGUN_BASE_URL / MAILGUN_REGION)."),
        click.option("--region", type=click.Choice(["us", "eu"]), help="Mailgun region (default MAILGUN_REGION or us)."),
        click.option("--concurrency", type=click.IntRange(1, 32), default=8, show_default=True,
                     help="Parallel requests to Mailgun."),
        click.option("--subaccount", metavar="ID",
                     help="Act on this subaccount (X-Mailgun-On-Behalf-Of; default MAILGUN_SUBACCOUNT)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def per_kind(flag: str, option: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One repeatable ``option`` (e.g. ``--delete-{name}``) per kind whose attribute ``flag`` is set.

    The registry decides which kinds get one, so this module names none; the keys given land in
    ``_named(flag)``, by kind name.
    """
    from mgsync.kinds import KINDS, children

    def collect(kind: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], None]:
        def store(ctx: click.Context, param: click.Parameter, keys: tuple[str, ...]) -> None:
            ctx.meta.setdefault(flag, {})[kind] = keys

        return store

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for kind in reversed([k for k in KINDS if getattr(k, flag)]):
            others = [k.noun(2) for k in children(None) if k is not kind]
            text = help.format(noun=kind.noun(1), others=_and(others))
            fn = click.option(option.format(name=kind.name), multiple=True, metavar="NAME", expose_value=False,
                              callback=collect(kind.name), help=text)(fn)
        return fn

    return decorate


def _and(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


def _named(flag: str) -> dict[str, tuple[str, ...]]:
    """The keys given to the ``per_kind`` options of ``flag``, by kind name."""
    return dict(click.get_current_context().meta.get(flag, {}))


def _connection(use_emulator: bool, emulator_state: Path, base_url: str | None, region: str | None, concurrency: int,
                subaccount: str | None) -> Any:
    from mgsync.connect import Connection

    return Connection(use_emulator, emulator_state, base_url, region, concurrency, subaccount)


def _flags(use_emulator: bool, emulator_state: Path, base_url: str | None, region: str | None, concurrency: int,
           subaccount: str | None) -> str:
    """The connection flags in use, as they would be typed again (`` --emulator``, `` --base-url URL``)."""
    words: list[str] = []
    if use_emulator:
        words.append("--emulator")
        if emulator_state != DEFAULT_STATE:
            words += ["--emulator-state", str(emulator_state)]
    if base_url:
        words += ["--base-url", base_url]
    if region:
        words += ["--region", region]
    if subaccount:
        words += ["--subaccount", subaccount]
    return "".join(f" {shlex.quote(word)}" for word in words)


def _status() -> Any:
    """A status line for this command (see ``status.py``); animated only on a terminal."""
    from mgsync.status import Status

    ctx = click.get_current_context()
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)  # log lines and a redrawn line do not mix
    status = Status(enabled=True, animate=sys.stderr.isatty() and not verbose)
    ctx.meta["mgsync.status"] = status
    return status


def _lock_path(lockfile: Path | None, root: Path) -> Path:
    return lockfile if lockfile is not None else root / "mgsync.lock"


def _echo_plan(text: str) -> None:
    color = use_color(sys.stdout)
    click.echo(text, color=color)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Save the plan for `mgsync apply PLAN.json`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes are pending (0 none, 1 error).")
@click.option("--full", is_flag=True, help="List every member and suppression too, not a count per scope.")
@click.option("--target", "targets", multiple=True, help="Limit to this address or glob (repeatable).")
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@connection_options
@handles_errors
def plan(paths: tuple[Path, ...], out: Path | None, fmt: str, detailed_exitcode: bool, full: bool,
         targets: tuple[str, ...], lockfile: Path | None, **conn: Any) -> None:
    """Read live state and print the change plan; never writes to Mailgun."""
    from mgsync import render, saved_plan
    from mgsync.connect import connect
    from mgsync.engine import plan_changes
    from mgsync.lockfile import Lockfile
    from mgsync.manifest import load
    from mgsync.memory import settled

    manifests = list(paths) or [Path(".")]
    desired = load(manifests, os.environ)  # every error is reported before any request is made
    settled()
    lock = Lockfile.read(_lock_path(lockfile, desired.root))
    status = _status()
    with connect(_connection(**conn), os.environ, observer=status.observe) as client:
        status.phase("reading Mailgun")
        outcome = plan_changes(client, desired, lock, targets=targets)
    status.close()
    digest = outcome.plan.digest  # what `apply --expect-plan` checks; shown in every format
    match fmt:
        case "json":
            document = {**render.json_document(outcome.plan), "digest": digest,
                        "change_fingerprints": saved_plan.change_fingerprints(outcome.plan)}
            click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        case "markdown":
            click.echo(f"{render.markdown(outcome.plan, full=full)}\n\n{DIGEST_LABEL} `{digest}`")
        case _:
            _echo_text_plan(outcome.plan, full=full)
    if out is not None:
        saved_plan.save(out, outcome.plan, manifests=manifests, lock=lock, state=desired.state, targets=targets)
        click.echo(f"Saved the plan to {out}; apply it with: mgsync apply{_flags(**conn)} {shlex.quote(str(out))}",
                   err=True)
    if detailed_exitcode and not outcome.plan.empty:
        sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (required when there is no terminal).")
@click.option("--force", is_flag=True, help="Apply even if the plan crosses a safety threshold.")
@per_kind("confirm_delete", "--delete-{name}", "Confirm deleting this {noun} (it must also be gone from the manifests).")
@per_kind("verifiable", "--verify-{name}",
          "After applying, ask Mailgun to re-check this {noun}'s DNS records now (Mailgun rate-limits this; repeatable).")
@click.option("--target", "targets", multiple=True, help="Limit to this address or glob (repeatable).")
@click.option("--lockfile", type=click.Path(path_type=Path), help="Default: mgsync.lock beside the manifests.")
@click.option("--expect-plan", metavar="DIGEST",
              help="Apply only if the fresh plan has exactly this digest (from the reviewed plan); else exit 3.")
@click.option("--reviewed", multiple=True, type=click.Path(path_type=Path), metavar="PLAN.json",
              help="Apply only if every change is in one of these reviewed plans (plan --out; repeatable); else exit 3.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="Wait this long for another apply's lock on the lockfile before giving up (exit 4).")
@connection_options
@handles_errors
def apply(paths: tuple[Path, ...], yes: bool, force: bool, targets: tuple[str, ...],
          lockfile: Path | None, expect_plan: str | None, reviewed: tuple[Path, ...], lock_timeout: float,
          **conn: Any) -> None:
    """Make Mailgun match the manifests (or apply a saved plan file)."""
    from mgsync import render, saved_plan
    from mgsync.connect import connect
    from mgsync.engine import apply_changes, plan_changes, verification_targets, verify
    from mgsync.lockfile import Lockfile, hold
    from mgsync.manifest import load
    from mgsync.memory import settled

    saved = saved_plan.load(paths[0]) if len(paths) == 1 and saved_plan.is_saved_plan(paths[0]) else None
    if saved is not None:
        paths, targets, lockfile = tuple(Path(p) for p in saved.manifests), saved.targets, Path(saved.lockfile)
    if reviewed and (saved is not None or expect_plan is not None):
        raise MgsyncError("--reviewed cannot be combined with --expect-plan or a saved plan file; use one of them.")
    vouched = saved_plan.load_reviewed(reviewed) if reviewed else None
    for note in vouched.notes if vouched else ():
        click.echo(f"Note: {note}", err=True)
    desired = load(list(paths) or [Path(".")], os.environ)
    settled()
    to_verify = verification_targets(desired, _named("verifiable"))  # a typo fails before any request
    verified: list[str] = []
    lock_path = _lock_path(lockfile, desired.root)
    status = _status()
    with hold(lock_path, timeout=lock_timeout), connect(_connection(**conn), os.environ, observer=status.observe) as client:
        lock = Lockfile.read(lock_path)
        status.phase("reading Mailgun")
        outcome = plan_changes(client, desired, lock, targets=targets)
        status.close()
        if saved is not None:
            saved_plan.check_fresh(saved, outcome.plan, state=desired.state, lock=lock)
        if expect_plan is not None:  # "" too: an empty digest from a failed lookup must never mean "any plan"
            saved_plan.check_digest(expect_plan, outcome.plan)
        if vouched is not None:
            saved_plan.check_reviewed(vouched, outcome.plan)
        _echo_text_plan(outcome.plan)
        confirmed = frozenset(f"{kind}:{key}" for kind, keys in _named("confirm_delete").items() for key in keys)
        outcome.plan.raise_if_unsafe(force=force, confirmed=confirmed)
        if not outcome.plan.empty:
            _confirm(yes)
            status.phase("applying")
        apply_changes(client, desired, lock, outcome, targets=targets, progress=_progress(status))
        if to_verify:
            status.phase("asking Mailgun to verify")
            verified = verify(client, to_verify)
    status.close()
    _report(outcome)
    for line in verified:
        click.echo(line)


DIGEST_LABEL = "Plan digest:"


def _echo_text_plan(plan: Any, *, full: bool = False) -> None:
    """The text plan, and its digest when it has changes (an empty plan's last line stays "No changes")."""
    from mgsync import render

    _echo_plan(render.text(plan, color=use_color(sys.stdout), full=full).rstrip("\n"))
    if plan.changes:
        click.echo(f"{DIGEST_LABEL} {plan.digest}")


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        _fail("Refusing to apply without --yes: there is no terminal to confirm on.")
    if not click.confirm("Apply these changes to Mailgun?", default=False):
        _fail("Apply cancelled; nothing was changed.")


def _progress(status: Any) -> Callable[[int, int, str], None]:
    """apply's progress: counts on the status line, then the re-read after the last change."""

    def show(done: int, total: int, address: str) -> None:
        status.progress(done, total, address)
        if done >= total:
            status.phase("verifying (re-reading what was written)")

    return show


def _report(outcome: Any) -> None:
    from mgsync import render

    if outcome.applied:
        click.echo(render.apply_summary(outcome.plan))
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
@per_kind("import_filter", "--{name}", "Import only this {noun} (repeatable); {others} are always imported.")
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
@connection_options
@handles_errors
def import_(out: Path, force: bool, **conn: Any) -> None:
    """Write manifests and the lockfile from a live account; a plan right after shows no changes."""
    from mgsync.connect import connect
    from mgsync.importer import run_import

    status = _status()
    with connect(_connection(**conn), os.environ, observer=status.observe) as client:
        status.phase("importing")
        imported = run_import(client, out, only=_named("import_filter"), force=force)
    status.close()
    for note in imported.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(imported.summary(plan_command=f"mgsync plan{_flags(**conn)}"))


# --- dns ---------------------------------------------------------------------------------------


@main.group()
def dns() -> None:
    """DNS records of the managed domains: export them to DNS-as-code, check them in live DNS."""


def _dns_records(paths: tuple[Path, ...], zones: tuple[str, ...], conn: dict[str, Any]) -> Any:
    """Mailgun's records for the domains the manifests declare (notes for those not created yet)."""
    from mgsync.connect import connect
    from mgsync.dns import live
    from mgsync.dns.model import normalize_zone
    from mgsync.manifest import load

    desired = load(list(paths) or [Path(".")], os.environ)
    zone_names = tuple(normalize_zone(z) for z in zones)
    with connect(_connection(**conn), os.environ) as client:
        found = live.read(client, live.managed_domains(desired), zone_names)
    for note in found.notes:
        click.echo(f"Note: {note}", err=True)
    return found


@dns.command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["octodns", "dnscontrol", "bind", "terraform", "json"]),
              required=True, help="The DNS-as-code target.")
@click.option("--zone", "zones", multiple=True, metavar="ZONE",
              help="The zone records go into (repeatable; default: each domain is its own zone).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write to this file, or one file per zone into this existing directory.")
@click.option("--provider", type=click.Choice(["route53", "cloudflare"]), default="route53", show_default=True,
              help="With --format terraform: aws_route53_record or cloudflare_dns_record.")
@connection_options
@handles_errors
def dns_export(paths: tuple[Path, ...], fmt: str, zones: tuple[str, ...], out: Path | None, provider: str,
               **conn: Any) -> None:
    """Print the DNS records Mailgun wants for the managed domains, in a DNS-as-code format."""
    from mgsync.dns import export
    from mgsync.dns.formats import Options

    found = _dns_records(paths, zones, conn)
    outputs = export.render(found.records, fmt, out, Options(provider=provider))
    export.write(outputs)
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
@connection_options
@handles_errors
def dns_check(paths: tuple[Path, ...], resolver: str | None, zones: tuple[str, ...], fmt: str, **conn: Any) -> None:
    """Resolve every record Mailgun wants; report each ok, missing or wrong; exit 1 unless all are ok."""
    from mgsync.dns import check, report

    found = _dns_records(paths, zones, conn)
    if not found.records and not found.absent:
        raise MgsyncError("No DNS records to check: no declared domain lies in the zones given.")
    results = check.check(found.records, check.resolver(resolver))
    click.echo(report.json_text(results, found.notes) if fmt == "json" else report.text(results))
    if found.absent or any(r.status != "ok" for r in results):
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (for bug reports and scripts).")
@handles_errors
def version(as_json: bool) -> None:
    """Print the version of mgsync, Python, the platform and the dependencies (never a secret)."""
    from mgsync import about

    info = about.environment()
    click.echo(json.dumps(info, indent=2, sort_keys=True) if as_json else "\n".join(about.text(info)))


main.add_command(state)


if __name__ == "__main__":  # pragma: no cover
    main()
