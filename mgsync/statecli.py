"""``mgsync state pull|push|show``: the lockfile on a state branch (the git work is ``gitstate.py``).

Registered in ``cli.py``; like it, prints through click only, one line per command (``show``: a few,
or JSON); errors go through ``cliparts.handles_errors`` (one line, exit 1), as every command's do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mgsync.cliparts import handles_errors

DEFAULT_BRANCH = "mgsync-state"  # gitstate.DEFAULT_BRANCH; not imported, so `mgsync --help` stays light


def _where(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = handles_errors(fn)
    fn = click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="The state branch.")(fn)
    fn = click.option("--remote", default="origin", show_default=True, help="The git remote that holds it.")(fn)
    return click.argument("lockfile", type=click.Path(path_type=Path, dir_okay=False))(fn)


def _repo(remote: str, branch: str) -> Any:
    from mgsync.gitstate import open_repo

    return open_repo(Path.cwd(), remote, branch)


@click.group()
def state() -> None:
    """The lockfile on a git branch of its own (default mgsync-state), outside the protected main.

    Every plan and apply starts with `state pull`; an apply ends with `state push`, which commits the
    lockfile onto the branch with compare-and-swap and merges it by address when another apply wrote
    first. Run them in a clone of the manifests' repository; the working tree and HEAD are never touched.
    """


@state.command("pull")
@_where
def pull(lockfile: Path, remote: str, branch: str) -> None:
    """Fetch the state branch and write LOCKFILE from it (the same path inside the repository)."""
    from mgsync.gitstate import pull as pull_state

    repo = _repo(remote, branch)
    pulled = pull_state(repo, lockfile)
    if pulled.commit is None:
        click.echo(f"No branch {branch} on {remote} yet; {lockfile} is left as it is (mgsync state push creates it).")
    elif not pulled.written:
        click.echo(f"{remote}/{branch} at {pulled.commit[:12]} has no {lockfile}; {lockfile} is left as it is.")
    else:
        click.echo(f"Pulled {lockfile} from {remote}/{branch} at {pulled.commit[:12]}.")


@state.command("push")
@_where
@click.option("--applied", metavar="SHA", help="Also record this commit of main as applied (LOCKFILE.applied).")
@click.option("--message", "-m", help="The commit message on the state branch.")
def push(lockfile: Path, remote: str, branch: str, applied: str | None, message: str | None) -> None:
    """Commit LOCKFILE onto the state branch (created if missing) and push it without force; if the
    branch moved since `state pull`, merge by address and retry."""
    from mgsync.gitstate import push as push_state

    pushed = push_state(_repo(remote, branch), lockfile, applied=applied, message=message)
    where = f"{remote}/{branch}"
    marker = f"; applied {pushed.applied[:12]}" if pushed.applied else ""
    merged = ", merged with a newer state" if pushed.merged else ""
    if pushed.unchanged:  # also when the merge gave exactly what the branch holds
        click.echo(f"{where} at {pushed.commit[:12]} already holds {lockfile}{merged}{marker}.")
    elif pushed.created:
        click.echo(f"Created {where} at {pushed.commit[:12]} with {lockfile}{marker}.")
    else:
        click.echo(f"Pushed {lockfile} to {where} at {pushed.commit[:12]}{merged}{marker}.")


@state.command("show")
@_where
@click.option("--json", "as_json", is_flag=True, help="Print branch_commit, lockfile_present and applied as JSON.")
def show(lockfile: Path, remote: str, branch: str, as_json: bool) -> None:
    """Show the state branch's commit, whether it holds LOCKFILE, and the applied commit of main."""
    from mgsync.gitstate import show as show_state

    shown = show_state(_repo(remote, branch), lockfile)
    if as_json:
        document = {
            "branch_commit": shown.branch_commit,
            "lockfile_present": shown.lockfile_present,
            "applied": shown.applied,
        }
        click.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    click.echo(
        f"branch: {remote}/{branch} at {shown.branch_commit}"
        if shown.branch_commit
        else f"branch: {remote}/{branch} does not exist"
    )
    click.echo(f"lockfile: {lockfile} {'present' if shown.lockfile_present else 'absent'}")
    click.echo(f"applied: {shown.applied or 'none'}")
