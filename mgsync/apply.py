"""Execute a Plan: one graph of steps, each run as soon as what it depends on is done, recorded as it ends.

A step is one API call's worth of changes: one change, or one batch of a bulk kind (members,
suppressions: ``Kind.upsert``, at most ``Bulk.max_batch`` entries of one scope). Steps run on the
client's pool, at most ``concurrency`` at a time and within its shared rate budget, as soon as their
dependencies allow (which of the ready ones first: ``_Ready``). What must keep its order does (``_steps``):

- a change waits for the creates and updates of the objects it lives in (a domain before its
  webhooks, a list before its members) or names (``Kind.requires``: a forward's domain), and for
  earlier changes of its own address;
- a kind that ``follows`` others in one scope waits for their changes there (a domain's DKIM
  selector after its keys), and for deletes the other way round;
- every delete waits for every create and update (make before break: a renamed route is created
  before the old one goes), and a container's delete for the deletes of what it holds.

Everything else (routes, templates, webhooks, credentials, settings across domains, batches of
different scopes) runs concurrently. After a step fails no new step starts; those in flight finish
and are recorded, then the first error in plan order is raised, naming the others that failed with
it. Ctrl-C (``KeyboardInterrupt``) or SIGTERM (``tuning.Terminated``) does the same: the steps in
flight finish and are recorded, then the interrupt goes on (a second one stops at once, as a kill
does: a step in flight may then be done at Mailgun and not recorded).

Each finished step is recorded in the lockfile, and every group of steps that finished together is
committed to its journal with one append (``Lockfile.commit``), so an apply writes in proportion to
what it changed and a kill at any moment leaves a lockfile that holds every committed step; the
caller folds the journal in when the apply ends (``engine/record.py``).

What a step sends, and what it does when an answer is lost, is ``writes.py``'s. This module knows no
kind by name.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from mgsync import tuning, writes
from mgsync.changes import Action, Change
from mgsync.errors import ApiError
from mgsync.fingerprint import hash_secret, verify_secret
from mgsync.kinds import BULK_KINDS, BY_NAME, BulkKind, Kind
from mgsync.lockfile import Lockfile
from mgsync.plan import Plan
from mgsync.state import Address, Resource

if TYPE_CHECKING:
    from mgsync.client import Client

log = logging.getLogger("mgsync.apply")
Progress = Callable[[int, int, str], None]
Stopping = Callable[[int], None]  # Ctrl-C came: told how many steps are still running
NOTICE_INTERRUPT = 0.2  # seconds: how soon a Ctrl-C is noticed while every step running waits


@dataclass
class Step:
    """Changes sent by one call (one change, or one bulk batch), and the steps it waits for."""

    kind: Kind[Any] | None  # None: the barrier between the creates and updates and the deletes
    changes: list[Change]
    after: set[int] = field(default_factory=set)  # indices of the steps that must be done first

    @property
    def deleting(self) -> bool:
        return self.changes[0].action in (Action.DELETE, Action.FORGET)

    def run(self, client: Client) -> Resource | None:
        kind = self.kind
        if kind is None:
            return None
        if isinstance(kind, BulkKind) and self.changes[0].action is not Action.DELETE:
            writes.send_batch(client, kind, self.changes)
            return None
        return writes.apply_one(client, kind, self.changes[0])


Hashes = dict[Address, "Future[str | None]"]  # the hash each written secret is recorded with (``Hashing.of``)


@dataclass
class Hashing:
    """The hashes the secrets an apply writes are recorded with, made on a thread of its own: a salted
    scrypt each (30-60 ms of CPU and 16 MiB), so they run beside what the apply does before and while it
    writes (read, compare, show the plan, the requests), never in a request's slot (``hashing``)."""

    lock: Lockfile
    aside: ThreadPoolExecutor
    early: dict[Address, tuple[str, Future[str | None]]] = field(default_factory=dict)  # ``start``'s

    def start(self, declared: Iterable[Resource]) -> None:
        """Before the plan: start hashing each declared secret the lockfile holds no hash of, which is
        hashed anew whenever it is written (``_secret_hash``), while the plan reads and compares on the
        other core. An apply from empty of account L writes 60 SMTP passwords: 3.6 s of scrypt, which
        ran beside its first writes instead, taking the cores Mailgun's answers and mgsync's requests need."""
        for resource in declared:
            secret = _secret_of(resource)
            if secret is not None and self.lock.secret_hash(resource.address) is None:
                self.early[resource.address] = (secret, self.aside.submit(_new_hash, self.lock, secret))

    def of(self, plan: Plan) -> Hashes:
        """The hash of each secret ``plan`` writes: ``start``'s for the same secret, else started now."""
        hashes: Hashes = {}
        for change in plan.changes:
            secret = None if change.address.kind in BULK_KINDS else _written_secret(change)
            if secret is None:
                continue
            early_secret, made = self.early.get(change.address, (None, None))
            if made is None or early_secret != secret:
                made = self.aside.submit(_secret_hash, self.lock, change)
            hashes[change.address] = made
        return hashes


@contextmanager
def hashing(lock: Lockfile) -> Iterator[Hashing]:
    """A ``Hashing`` for an apply on ``lock``; the hashes unfinished when the block ends are dropped."""
    aside = ThreadPoolExecutor(1, thread_name_prefix="mgsync-secrets", initializer=tuning.worker_started)
    try:
        yield Hashing(lock, aside)
    finally:
        aside.shutdown(wait=True, cancel_futures=True)


@contextmanager
def secrets_hashed(plan: Plan, lock: Lockfile) -> Iterator[Hashes]:
    """The hash of each secret ``plan`` writes, started now (``Hashing.of``)."""
    with hashing(lock) as made:
        yield made.of(plan)


def execute(
    client: Client,
    plan: Plan,
    lock: Lockfile,
    progress: Progress | None = None,
    hashes: Hashes | None = None,
    stopping: Stopping | None = None,
) -> int:
    """Apply every change of ``plan``; returns the number of changes applied. ``hashes``: from
    ``secrets_hashed``, started earlier (else made here). ``stopping`` is told, when a Ctrl-C stops the
    apply, how many steps are still running (``_run``).

    The caller opens the lockfile's journal first (``Lockfile.open_journal``) and folds it after."""
    if hashes is None:
        with secrets_hashed(plan, lock) as made:
            return execute(client, plan, lock, progress, made, stopping)
    total, applied, steps = len(plan.changes), 0, _steps(plan.changes)
    log.debug("apply: %d changes in %d steps", total, len(steps))

    def perform(step: Step) -> None:
        """The step's call, then its record in the lockfile; a failure names the step's changes."""
        try:
            result = step.run(client)
        except ApiError as err:  # Mailgun's answer to this step's changes
            err.args = (f"{_named(step)}: {err}",)
            raise
        if step.kind is not None and step.kind.name not in BULK_KINDS:  # collections: digests, after the re-read
            for change in step.changes:
                made = hashes.get(change.address)
                _record(lock, step.kind, change, result, made.result() if made else lock.secret_hash(change.address))

    others: list[BaseException] = []  # the failures after the first, in plan order (``_run``)
    try:
        for finished in _run(client, steps=steps, perform=perform, stopping=stopping, others=others):
            lock.commit()
            for step in finished:
                applied += len(step.changes)
                if progress and step.changes:  # not the barrier
                    progress(applied, total, str(step.changes[-1].address))
    except ApiError as err:
        err.args = (_failed(err, others, applied, total),)
        raise
    return applied


LISTED = 10  # the failed steps an apply's error names, the first included; the rest are counted


def _failed(first: ApiError, others: list[BaseException], applied: int, total: int) -> str:
    """The error of an apply whose steps failed: the first in plan order and how much was applied,
    then a line for each other failure (steps running together can fail together)."""
    wrote = first.wrote or any(isinstance(other, ApiError) and other.wrote for other in others)
    done = (
        f"Applied: {applied} of {total} changes, each recorded in the lockfile"
        if applied
        else ("No change completed" if wrote else "Nothing applied")
    )
    lines = [f"{str(first).rstrip('.')}. {done}; mgsync plan shows what is left"]
    lines += [f"Also failed: {other}" for other in others[: LISTED - 1]]
    if len(others) > LISTED - 1:
        lines.append(f"… and {len(others) - (LISTED - 1)} more failed")
    return "\n".join(lines)


def _named(step: Step) -> str:
    """The changes a failed step sent, for its error: one address and where it is declared, or a batch."""
    first = step.changes[0]
    if len(step.changes) > 1:
        return f"{first.address} and {len(step.changes) - 1} more in its batch"
    source = first.desired.source if first.desired is not None else None
    return f"{first.address} ({source})" if source is not None else str(first.address)


def _run(
    client: Client,
    steps: list[Step],
    perform: Callable[[Step], None],
    stopping: Stopping | None = None,
    others: list[BaseException] | None = None,
) -> Iterator[list[Step]]:
    """``perform`` each step on the client's pool as the dependencies allow, at most ``concurrency`` at
    once, in ``_Ready``'s order; yield each group of steps that finished together (in plan order).
    After a failure no step starts; when those running have finished, the first error in plan order is
    raised (the others, in plan order, are added to ``others``). After a Ctrl-C likewise
    (``tuning.graceful_interrupt``; ``stopping`` is told how many run on), then ``KeyboardInterrupt``,
    unless a step failed."""
    waiting = [len(step.after) for step in steps]
    dependents: list[list[int]] = [[] for _ in steps]
    for index, step in enumerate(steps):
        for before in step.after:
            dependents[before].append(index)
    ready = _Ready(steps, dependents)
    for index, count in enumerate(waiting):
        if count == 0:
            ready.push(index)
    running: dict[Future[None], int] = {}
    failed: list[tuple[int, BaseException]] = []
    pool = client.pool
    with tuning.graceful_interrupt() as interrupted, client.stopping_on(interrupted):  # then nothing is retried
        told = False
        while ready or running:
            if interrupted.is_set() and not told:
                told = True
                log.debug("apply: interrupted; the %d steps running finish first", len(running))
                if stopping is not None:
                    stopping(len(running))
            while ready and len(running) < pool.concurrency and not failed and not interrupted.is_set():
                index = ready.pop(running.values())
                running[pool.submit(perform, steps[index])] = index
            if not running:
                break
            done, _ = wait(running, timeout=NOTICE_INTERRUPT, return_when=FIRST_COMPLETED)
            finished = []
            for future in sorted(done, key=running.__getitem__):
                index = running.pop(future)
                if (error := future.exception()) is not None:
                    failed.append((index, error))
                    continue
                finished.append(steps[index])
                for later in dependents[index]:
                    waiting[later] -= 1
                    if waiting[later] == 0:
                        ready.push(later)
            if finished:
                yield finished
    if failed:  # a step's own failure before the interrupt that stopped a step (``Client.stopping_on``)
        ordered = sorted(failed, key=lambda failure: (isinstance(failure[1], KeyboardInterrupt), failure[0]))
        first, *rest = [error for _, error in ordered]
        if others is not None:
            others.extend(error for error in rest if not isinstance(error, KeyboardInterrupt))
        raise first
    if interrupted.is_set():
        raise interrupted.stop()


class _Ready:
    """The steps ready to run, and which goes next: keep bulk batches and other calls both in flight,
    a batch when no more batches than other calls are running, else a call; among the calls, one that
    steps wait for first (a list before routes: its members are batches); else in plan order.

    A batch costs Mailgun most of its time (1,000 entries to take in) and the others cost mgsync most
    of theirs (a request and an answer each), so running them side by side keeps both busy; in plan
    order an apply from empty of account L ran kind after kind, and Mailgun and mgsync took turns
    to wait. A list is made early so that its members' batches join the mix."""

    def __init__(self, steps: list[Step], dependents: list[list[int]]) -> None:
        self._batch = [isinstance(step.kind, BulkKind) and not step.deleting for step in steps]  # barrier: a call
        self._waited_for = [bool(after) for after in dependents]
        self._calls: list[tuple[bool, int]] = []  # heaps of (not waited for, index)
        self._batches: list[tuple[bool, int]] = []

    def __bool__(self) -> bool:
        return bool(self._calls or self._batches)

    def push(self, index: int) -> None:
        heapq.heappush(self._batches if self._batch[index] else self._calls, (not self._waited_for[index], index))

    def pop(self, running: Collection[int]) -> int:
        """The next step to run, beside the steps ``running``."""
        batches = sum(self._batch[index] for index in running)
        take_batch = self._batches and (batches <= len(running) - batches or not self._calls)
        return heapq.heappop(self._batches if take_batch else self._calls)[1]


def _steps(changes: list[Change]) -> list[Step]:
    """The plan's changes as steps, in plan order, each with what it waits for (see the module's docstring)."""
    steps: list[Step] = []
    graph = _Graph()
    for kind, group in _phases(changes):
        for step in _grouped(kind, group):
            if step.deleting and graph.barrier is None:  # make before break: deletes wait for every upsert
                graph.barrier = len(steps)
                steps.append(Step(None, [], set(graph.upserts)))
            graph.add(step, len(steps))
            steps.append(step)
    return steps


def _grouped(kind: Kind[Any], changes: list[Change]) -> Iterator[Step]:
    """A phase's changes as steps: a bulk kind's upserts in batches of ``max_batch`` per scope (its
    deletes, pruned only, one by one), any other change on its own."""
    if not isinstance(kind, BulkKind):
        yield from (Step(kind, [change]) for change in changes)
        return
    for _, scoped in itertools.groupby(changes, key=attrgetter("address.scope")):
        group = list(scoped)
        upserts = [c for c in group if c.action in (Action.CREATE, Action.UPDATE)]
        size = kind.max_batch
        yield from (Step(kind, upserts[i : i + size]) for i in range(0, len(upserts), size))
        yield from (Step(kind, [c]) for c in group if c.action is Action.DELETE)


@dataclass
class _Graph:
    """What the steps so far are, indexed for the dependencies of the next one."""

    writes: dict[Address, list[int]] = field(default_factory=lambda: defaultdict(list))  # its create/update steps
    by_scope: dict[tuple[str, str, bool], list[int]] = field(default_factory=lambda: defaultdict(list))
    deletes_inside: dict[Address, list[int]] = field(default_factory=lambda: defaultdict(list))  # by container
    last_of: dict[Address, int] = field(default_factory=dict)  # an address's latest step
    upserts: list[int] = field(default_factory=list)
    barrier: int | None = None  # the step every delete waits for

    def add(self, step: Step, index: int) -> None:
        """Fill ``step.after`` from the steps before it, then index ``step`` for the steps after it."""
        kind, first = step.kind, step.changes[0].address
        if kind is None:
            raise TypeError("the barrier is made by _steps, never added")
        scope, ancestors, deleting = kind.scope_of(first), list(_ancestors(kind, first)), step.deleting
        if deleting:
            if self.barrier is not None:  # made by ``_steps`` before the first delete
                step.after.add(self.barrier)
            for other in FOLLOWERS[kind.name]:
                step.after.update(self.by_scope.get((other.name, scope, True), ()))
            step.after.update(self.deletes_inside.get(first, ()))
            for container in (*ancestors, *kind.requires(first)):
                self.deletes_inside[container].append(index)
        else:
            for container in (*ancestors, *kind.requires(first)):
                step.after.update(self.writes.get(container, ()))
            for other in kind.follows:
                step.after.update(self.by_scope.get((other.name, scope, False), ()))
            self.upserts.append(index)
        if not isinstance(kind, BulkKind):  # a bulk entry is changed once in a plan: no order of its own
            address = first
            if (earlier := self.last_of.get(address)) is not None:
                step.after.add(earlier)
            self.last_of[address] = index
            if not deleting:
                self.writes[address].append(index)
        self.by_scope[kind.name, scope, deleting].append(index)


def _ancestors(kind: Kind[Any], address: Address) -> Iterator[Address]:
    parent = kind.parent_address(address)
    while parent is not None:
        yield parent
        parent = BY_NAME[parent.kind].parent_address(parent)


# kind name -> the kinds that follow it in one scope (``Kind.follows``): their deletes go first.
# Made once: a prune can delete 200,000 bulk entries, a step each.
FOLLOWERS: dict[str, tuple[Kind[Any], ...]] = {
    kind.name: tuple(other for other in BY_NAME.values() if kind in other.follows) for kind in BY_NAME.values()
}


def _phases(changes: list[Change]) -> list[tuple[Kind[Any], list[Change]]]:
    """The runs of changes of one kind, either all deletes (and forgets) or none. Found in C, by kind
    and action (an apply from empty has 200,000 bulk creates), then joined: creates beside updates."""
    phases: list[tuple[str, bool, list[Change]]] = []
    for (kind, action), group in itertools.groupby(changes, key=attrgetter("address.kind", "action")):
        deleting = action in (Action.DELETE, Action.FORGET)
        if phases and phases[-1][:2] == (kind, deleting):
            phases[-1][2].extend(group)
        else:
            phases.append((kind, deleting, list(group)))
    return [(BY_NAME[kind], group) for kind, _, group in phases]


def _record(lock: Lockfile, kind: Kind[Any], change: Change, result: Resource | None, secret_hash: str | None) -> None:
    if change.action in (Action.DELETE, Action.FORGET):
        lock.forget(change.address)
        return
    lock.record(_applied_resource(kind, change, result), secret_hash=secret_hash, meta_keys=kind.lock_meta)


def _applied_resource(kind: Kind[Any], change: Change, result: Resource | None) -> Resource:
    if result is not None:
        return result
    secrets = kind.model.SECRET
    body = {k: v for k, v in (change.after or {}).items() if k not in secrets}
    meta = change.observed.meta if change.observed is not None else {}
    return Resource(change.address, kind.model.model_validate(body), meta=meta)


def _written_secret(change: Change) -> str | None:
    """The secret a create or update writes (the first the desired object sets), if any."""
    if change.desired is None or change.action not in (Action.CREATE, Action.UPDATE):
        return None
    return _secret_of(change.desired)


def _secret_of(resource: Resource) -> str | None:
    """The first secret ``resource`` sets, if any."""
    body = resource.body
    for name in sorted(body.SECRET & body.model_fields_set) if body.SECRET else ():
        value = getattr(body, name)
        if value is not None:
            return str(value.get_secret_value())
    return None


def _secret_hash(lock: Lockfile, change: Change) -> str | None:
    """The hash to record for the secret ``change`` writes: the one on record if it still matches,
    else a new salted one (which this run then knows matches: ``Lockfile.vouch``)."""
    secret, existing = _written_secret(change), lock.secret_hash(change.address)
    if secret is None or verify_secret(secret, existing):
        return existing
    return _new_hash(lock, secret)


def _new_hash(lock: Lockfile, secret: str) -> str:
    """A new salted hash of ``secret``, which this run then knows matches (``Lockfile.vouch``)."""
    made = hash_secret(secret)
    lock.vouch(made, secret)
    return made
