"""One run of mgsync against one account: the ``Engine``, built from a client, the desired state and
the lockfile, whose ``plan`` and ``apply`` hand back an ``Outcome`` that is never changed once made.

``apply`` is the whole apply workflow: plan, the checks a reviewed plan asks for (a saved plan is
still fresh, ``--expect-plan``, ``--reviewed``), the safety checks, the caller's last word
(``Hooks.confirm``), execute, re-read, sync the lockfile, and verification when asked. What is
shown, asked or printed is the caller's (``Hooks``); this module prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync import saved_plan
from mgsync.apply import Progress, Stopping, hashing
from mgsync.changes import Action
from mgsync.engine.planning import Outcome, plan_changes, verify
from mgsync.engine.record import apply_changes
from mgsync.engine.sealing import Seal
from mgsync.engine.secrets import secret_texts
from mgsync.kinds import BY_NAME, Kind
from mgsync.lockfile import Lockfile
from mgsync.plan import Plan
from mgsync.safefile import hold

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.manifest import Desired


def _nothing(*_: object) -> None:
    """A hook nobody listens to."""


@dataclass(frozen=True)
class Checks:
    """What an apply must find before it writes anything."""

    force: bool = False  # apply even past the safety thresholds (``Plan.raise_if_unsafe``)
    confirmed: frozenset[str] = frozenset()  # ``kind:key`` of each container delete confirmed
    saved: saved_plan.SavedPlan | None = None  # the saved plan applied: still fresh
    expect_plan: str | None = None  # the plan's digest must be this ("" too: never "any plan")
    reviewed: saved_plan.Reviewed | None = None  # every change is in one of these reviewed plans
    verify: tuple[tuple[Kind[Any], str], ...] = ()  # ask Mailgun to re-check these after applying


@dataclass(frozen=True)
class Hooks:
    """Where an apply lets its caller in, each told of the fresh plan."""

    planned: Callable[[Plan], None] = _nothing  # made, before any check (a status line closes)
    checked: Callable[[Plan], None] = _nothing  # passed the review checks, before the safety ones (shown)
    confirm: Callable[[Plan], None] = _nothing  # safe and not empty: the last word before any write
    progress: Progress | None = None  # each step applied
    stopping: Stopping | None = None  # Ctrl-C came while steps run: they finish and are recorded first
    verifying: Callable[[], None] = _nothing  # the re-checks asked for start
    noted: Callable[[str], None] = _nothing  # a note on what was asked (a confirmation that confirms nothing)


@contextmanager
def held(path: Path, *, timeout: float = 0) -> Iterator[Lockfile]:
    """The lockfile at ``path``, read once its apply lock is held (``safefile.hold``), held until the
    block ends. Take it before connecting: the embedded emulator reads its account when it starts."""
    with hold(path, timeout=timeout):
        yield Lockfile.read(path)


@dataclass(frozen=True)
class Engine:
    """One run: ``plan`` reads and diffs; ``apply`` (the lockfile's lock held, ``held``) plans,
    checks, applies and records."""

    client: Client
    desired: Desired
    lock: Lockfile
    targets: tuple[str, ...] = ()  # only these addresses or globs
    show_hidden: bool = False  # list hidden live objects (a sandbox domain) as not managed
    hooks: Hooks = field(default_factory=Hooks)

    def plan(self, beside: Outcome | None = None) -> Outcome:
        """The plan; ``beside`` another engine's fresh plan on the same client (a pull request's, when
        this engine holds its base branch's manifests): only what that plan did not read is read."""
        return plan_changes(
            self.client, self.desired, self.lock, targets=self.targets, seen=beside, show_hidden=self.show_hidden
        )

    def apply(self, checks: Checks = Checks()) -> Outcome:
        self.client.hide([*secret_texts(self.desired.state), *self.desired.shown_env])  # a server may echo them
        with hashing(self.lock) as hashed:  # beside the plan, the checks and what the hooks show
            if not self.targets:  # a targeted apply writes a few: hashed once planned
                hashed.start(self.desired.state.objects.values())
            planned = self.plan()
            shown = planned.shown  # what was reviewed is what is shown: values from ${env:} sealed (engine.sealing)
            self.lock.seal = planned.seal
            hashes = hashed.of(planned.plan)
            self.hooks.planned(shown)
            self._check_reviewed(shown, checks, planned.seal)
            self.hooks.checked(shown)
            for note in unmatched_confirmations(shown, checks.confirmed):
                self.hooks.noted(note)
            shown.raise_if_unsafe(force=checks.force, confirmed=checks.confirmed)
            if not shown.empty:
                self.hooks.confirm(shown)
            done = apply_changes(
                self.client,
                self.desired,
                self.lock,
                planned,
                targets=planned.plan.targets,  # with what they need (engine/targets.py)
                progress=self.hooks.progress,
                stopping=self.hooks.stopping,
                hashes=hashes,
            )
        if not checks.verify:
            return done
        self.hooks.verifying()
        return replace(done, verified=tuple(verify(self.client, list(checks.verify))))

    def _check_reviewed(self, plan: Plan, checks: Checks, seal: Seal) -> None:
        """The fresh plan (as shown: ``seal``) is the one reviewed: a saved plan's, the expected digest,
        or in reviewed plans."""
        if checks.saved is not None:
            saved_plan.check_fresh(checks.saved, plan, state=self.desired.state, lock=self.lock, seal=seal.data)
        if checks.expect_plan is not None:
            saved_plan.check_digest(checks.expect_plan, plan)
        if checks.reviewed is not None:
            saved_plan.check_reviewed(checks.reviewed, plan)


def unmatched_confirmations(plan: Plan, confirmed: frozenset[str]) -> list[str]:
    """A note for each delete confirmed (``apply --delete-<name> KEY``) that ``plan`` does not make: a
    typo, or an object still declared, else it would pass unsaid and the user believe it deleted."""
    deleted = {str(change.address) for change in plan.changes if change.action is Action.DELETE}
    notes = []
    for address in sorted(confirmed - deleted):
        kind, _, key = address.partition(":")
        why = f"a {BY_NAME[kind].noun(1)} is deleted only once the manifests no longer declare it and the lockfile records it"
        notes.append(f"--delete-{kind} {key} confirms nothing: this plan does not delete {address} ({why})")
    return notes
