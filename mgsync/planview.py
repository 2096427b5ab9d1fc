"""How ``plan`` and ``apply`` show a plan and an apply's outcome, and ask before applying: the
engine's ``Hooks`` for the command line. Part of the command line (``cli.py``): prints through click
only, exits only through ``cliparts.fail``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mgsync.cliparts import echo_plan, fail, flags, shell_word, use_color
from mgsync.errors import MgsyncError, writing

if TYPE_CHECKING:
    from mgsync.connect import Connection
    from mgsync.engine import Engine, Hooks, Outcome
    from mgsync.manifest import Desired
    from mgsync.plan import Plan
    from mgsync.render import Heading
    from mgsync.status import Status

DIGEST_LABEL = "Plan digest:"
PENDING_NAMED = 5  # changes named in the note on a plan that still has changes after an apply
F = TypeVar("F", bound=Callable[..., Any])


def output_options(command: F) -> F:
    """plan's options for what a pull request's check publishes beside the plan, from the same reads."""
    for option in reversed(
        [
            click.option(
                "--base-plan",
                type=click.Path(path_type=Path, dir_okay=False, exists=True),
                help="Markdown: list apart, as already on the base branch, the changes that this plan of the "
                "base branch (plan --out or --format json) also has.",
            ),
            click.option(
                "--base-dir",
                type=click.Path(path_type=Path, file_okay=False, exists=True),
                help="Markdown: the base branch's checkout. Plans the same manifest paths there too, from the "
                "same reads of Mailgun, and lists apart the changes both plans have (as --base-plan does).",
            ),
            click.option(
                "--text-out",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Also write the whole plan as text (what --format text --full prints) to this file.",
            ),
        ]
    ):
        command = option(command)
    return command


def expected_digest(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``apply --expect-plan``: a plan digest, or a usage error before anything is read (an empty CI
    variable, a digest cut short: refused as drift, after reading Mailgun, they read as a change there)."""
    if value is None or re.fullmatch(r"sha256:[0-9a-f]{64}", value.strip()):
        return value
    raise click.BadParameter(
        f"{value!r} is not a plan digest (expected sha256: and 64 hex digits, as a plan prints after '{DIGEST_LABEL}')."
    )


def plan_heading(manifests: list[Path], commit: str, run_url: str, base_plan: Path | None) -> Heading:
    """The markdown plan's heading; a run URL that is not http(s) fails before anything is read."""
    from mgsync import render, saved_plan

    if run_url and not render.screen.URL.fullmatch(run_url):
        raise MgsyncError(
            f"--heading-run-url {run_url!r} is not an http(s) URL; pass the run's address, "
            "e.g. https://github.com/OWNER/REPO/actions/runs/ID."
        )
    base = saved_plan.load_reviewed((base_plan,)).fingerprints if base_plan is not None else None
    return render.Heading(tuple(str(p) for p in manifests), commit, run_url, base)


def base_manifests(base_dir: Path | None, manifests: list[Path]) -> tuple[Desired | None, str]:
    """The base branch's manifests (``--base-dir``: the same paths, taken from ``base_dir`` as they are
    from the working directory), or None and a warning saying why not: the comment then lists every
    change as the pull request's own, as it does without ``--base-dir``."""
    if base_dir is None:
        return None, ""
    from mgsync.manifest import load

    try:
        paths = [base_dir / _from_here(path) for path in manifests]
        return load(paths, os.environ, allow_unset_secrets=True), ""
    except MgsyncError as error:
        return None, _base_warning(str(error).splitlines()[0])


def _from_here(path: Path) -> Path:
    """``path`` relative to the working directory (where the base branch's checkout stands in)."""
    if not path.is_absolute():
        return path
    here = Path.cwd()  # the real path (macOS: /private/tmp for a typed /tmp)
    for typed in (path, path.resolve()):
        with contextlib.suppress(ValueError):
            return typed.relative_to(here)
    raise MgsyncError(f"{path} is outside the working directory: --base-dir has no copy of it")


def beside_base(heading: Heading, engine: Engine, outcome: Outcome, base: Desired) -> tuple[Heading, str]:
    """``heading`` with the change fingerprints of the base branch's plan, made beside ``outcome`` (the
    reads it made are not sent again), and a warning when that plan could not be made."""
    from mgsync import saved_plan

    try:
        planned = replace(engine, desired=base).plan(beside=outcome)
    except MgsyncError as error:
        return heading, _base_warning(f"its plan failed: {str(error).splitlines()[0]}")
    found = frozenset(saved_plan.change_fingerprints(planned.shown))
    return replace(heading, base=found | (heading.base or frozenset())), ""  # with --base-plan's, if given


def _base_warning(why: str) -> str:
    return f"Warning: no plan of the base branch ({why}), so the changes already there are not listed apart."


def write_text(path: Path, plan: Plan, typed: Callable[[str], str] = str) -> None:
    """The whole plan as ``plan --format text --full`` prints it, without colour, to ``path``."""
    digest = f"\n{DIGEST_LABEL} {plan.digest}" if plan.changes else ""
    with writing(path):
        path.write_text(text_plan(plan, full=True, typed=typed) + digest + "\n", encoding="utf-8")


_APPLY = re.compile(r"\bmgsync apply((?: --[a-z-]+ [^\s,;()]+?)*)(?=[.,;)]?(?:\s|$))")


def typed_here(conn: Connection, paths: Sequence[str | Path]) -> Callable[[str], str]:
    """A note's ``mgsync apply …`` as it would be typed again here, with the connection flags in use
    and the manifest paths given: the kinds write their notes for every caller, and a hint run as
    printed went to another account or directory (``--emulator``, ``examples/quickstart``)."""
    connection = flags(conn)
    given = "".join(f" {shell_word(str(path))}" for path in paths if str(path) not in ("", "."))
    return lambda note: _APPLY.sub(lambda found: f"mgsync apply{connection}{found.group(1)}{given}", note)


def show_plan(
    plan: Plan, fmt: str, *, full: bool, heading: Heading, account_recorded: str | None, conn: Connection
) -> None:
    """The plan in ``fmt``, with its digest (what `apply --expect-plan` checks) in every format; the
    text plan's notes with their commands as typed here (``typed_here``)."""
    from mgsync import render, saved_plan

    match fmt:
        case "json":
            document = {
                **render.json_document(plan),
                "digest": plan.digest,
                "change_fingerprints": saved_plan.change_fingerprints(plan),
            }
            click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        case "markdown":
            comment = render.markdown(plan, full=full, heading=heading, account_recorded=account_recorded)
            click.echo(f"{comment}\n\n{DIGEST_LABEL} `{plan.digest}`")
        case _:
            echo_text_plan(plan, full=full, typed=typed_here(conn, heading.paths))


def echo_text_plan(plan: Plan, *, full: bool = False, typed: Callable[[str], str] = str) -> None:
    """The text plan, and its digest when it has changes (an empty plan's last line stays "No changes"),
    written apart: a reader that left during the plan stops the command (``cliparts``)."""
    echo_plan(text_plan(plan, full=full, typed=typed, color=use_color(sys.stdout)))
    if plan.changes:
        click.echo(f"{DIGEST_LABEL} {plan.digest}")


def text_plan(plan: Plan, *, full: bool, typed: Callable[[str], str], color: bool = False) -> str:
    """The text plan without its digest; ``typed`` rewrites each note (``typed_here``), only as shown:
    the plan and its digests are the same."""
    from mgsync import render

    shown = replace(plan, notes=[typed(note) for note in plan.notes])
    return render.text(shown, color=color, full=full).rstrip("\n")


def apply_hooks(line: Status, yes: bool, typed: Callable[[str], str] = str) -> Hooks:
    """apply's side of the engine's workflow: the status line, the plan shown, the question asked."""
    from mgsync.engine import Hooks

    def confirm(_plan: Plan) -> None:
        _confirm(yes)
        line.phase("applying")

    return Hooks(
        planned=lambda _plan: line.close(),
        checked=lambda plan: echo_text_plan(plan, typed=typed),
        confirm=confirm,
        progress=_progress(line),
        stopping=lambda running: _stopping(line, running),
        verifying=lambda: line.phase("asking Mailgun to verify"),
        noted=lambda note: click.echo(f"Note: {note}", err=True),
    )


def _stopping(line: Status, running: int) -> None:
    """Ctrl-C or SIGTERM while changes are being applied: say what happens before the command ends."""
    line.abandon()
    calls = f"{running} call{'s' if running != 1 else ''}"
    waiting = (
        f"; waiting for the {calls} to Mailgun in flight to finish and be recorded (one waiting to be tried"
        " again is not; a second Ctrl-C or SIGTERM stops at once; a call in flight may then be done at"
        " Mailgun but not recorded)"
    )
    click.echo(f"Interrupted: no new change starts{waiting if running else ''}.", err=True)


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail("Refusing to apply without --yes: there is no terminal to confirm on.")
    try:
        agreed = click.confirm("Apply these changes to Mailgun?", default=False)
    except (click.Abort, KeyboardInterrupt):  # Ctrl-C (even before click reads) or the end of input: no
        click.echo()  # the answer's line ends
        agreed = False
    if not agreed:
        fail("Apply cancelled; nothing was changed.")


def _progress(line: Status) -> Callable[[int, int, str], None]:
    """apply's progress: counts on the status line, then the re-read after the last change."""

    def show(done: int, total: int, address: str) -> None:
        line.progress(done, total, address)
        if done >= total:
            line.phase("verifying (re-reading what was written)")

    return show


def report(outcome: Outcome) -> None:
    from mgsync import render

    if outcome.applied:
        click.echo(render.apply_summary(outcome.shown))
    else:
        click.echo("Nothing to apply; the lockfile records what mgsync manages.")
    if outcome.pending is not None:
        click.echo(_not_caught_up(outcome.pending), err=True)
    for verified in outcome.verified:
        click.echo(verified)


def _not_caught_up(pending: Plan) -> str:
    """The note on a fresh plan after an apply that still has changes: named, since waiting helps only
    if Mailgun is behind; one that stays says Mailgun keeps the value otherwise than it was written."""
    named = [str(change.address) for change in pending.changes[:PENDING_NAMED]]
    more = len(pending.changes) - len(named)
    listed = ", ".join(named) + (f" and {more} more" if more else "")
    return (
        f"Note: a fresh plan after the apply still shows {len(pending.changes)} "
        f"change{'s' if len(pending.changes) != 1 else ''} ({listed}). Mailgun may not have caught up yet "
        "(its API is eventually consistent): run mgsync plan again in a minute. A change still shown then "
        "is one Mailgun keeps otherwise than the manifests write it; the plan shows how."
    )
