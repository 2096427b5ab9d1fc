"""The state branch as the loop uses it, through the ``mgsync state`` commands (never git directly).

``record`` pushes the lockfile after an apply and moves ``applied`` forward to the commit whose
reviewed changes are now all in Mailgun, but never backwards: a manual run of an older commit that
finishes after a newer apply records its lockfile and leaves ``applied`` where it is. A recorded
commit that is not in the history of the applied one (main was rewritten) is replaced: Mailgun now
holds what the applied commit declares, and the next apply counts from there. A first apply that
fails records where its range started instead (``start``), only while the branch records no
``applied`` yet: the next run then counts the same pull requests again, as after any failed apply.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mgsync.gitops.github import GitOpsError


def mgsync(*args: str) -> subprocess.CompletedProcess[str]:
    """``mgsync ARGS`` with this Python; ``-P``: mgsync itself, never a ``mgsync/`` in the working
    directory (the checkout, which a pull request changes)."""
    return subprocess.run(
        [sys.executable, "-P", "-m", "mgsync", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )


def where(remote: str, branch: str) -> list[str]:
    return ["--remote", remote, "--branch", branch]


def applied(lockfile: Path, remote: str, branch: str) -> str | None:
    shown = mgsync("state", "show", str(lockfile), "--json", *where(remote, branch))
    if shown.returncode != 0:
        raise GitOpsError(shown.stderr.strip() or f"mgsync state show {lockfile} failed (exit {shown.returncode}).")
    value = json.loads(shown.stdout).get("applied")
    return str(value) if value else None


def is_ancestor(older: str, newer: str) -> bool:
    return (
        subprocess.run(
            ["git", "merge-base", "--is-ancestor", older, newer], capture_output=True, check=False
        ).returncode
        == 0
    )


def record(lockfile: Path, *, tip: str | None, remote: str, branch: str, message: str, start: str | None = None) -> str:
    """Push the lockfile; ``tip`` is the commit to mark applied (None after a failed apply, when
    ``start``, the commit the failed apply's range counted from, is marked if nothing is yet)."""
    args = ["state", "push", str(lockfile), *where(remote, branch), "--message", message]
    replaced = ""
    if tip is None and start is not None and applied(lockfile, remote, branch) is None:
        args += ["--applied", start]
        replaced = f", applied up to {start[:12]} (where this first apply's range started: it did not finish)"
    if tip is not None:
        before = applied(lockfile, remote, branch)
        if before is not None and before != tip and is_ancestor(tip, before):
            tip = None  # an older commit: applied stays where a newer apply left it
        elif before is not None and before != tip and not is_ancestor(before, tip):
            replaced = f" (replacing {before[:12]}, which is not in its history: main was rewritten)"
        if tip is not None:
            args += ["--applied", tip]
    pushed = mgsync(*args)
    if pushed.returncode != 0:
        raise GitOpsError(pushed.stderr.strip() or f"mgsync state push {lockfile} failed (exit {pushed.returncode}).")
    return f"recorded {lockfile} on {branch}" + (f", applied up to {tip[:12]}{replaced}" if tip else replaced)
