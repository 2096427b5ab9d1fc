"""Orchestration: observe live state, plan, apply, verify, and keep the lockfile.

``observe`` reads only the scopes the manifests, the lockfile and the prune flags name (the whole
account only for import), a parent kind before the kinds inside it, so that scoped reads skip
domains and lists that do not exist yet, all through the client's bounded concurrency. Kind-specific
knowledge stays in the kinds; this module iterates the registry and names no kind.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mgsync.apply import Progress, execute
from mgsync.changes import Action, Change
from mgsync.errors import MgsyncError
from mgsync.fingerprint import verify_secret
from mgsync.kinds import BY_NAME, KINDS, Kind
from mgsync.lockfile import Lockfile
from mgsync.plan import Inputs, Plan, diff
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.manifest import Desired

log = logging.getLogger("mgsync.engine")


@dataclass
class Outcome:
    """What ``plan_changes`` and ``apply_changes`` hand back to the CLI."""

    plan: Plan
    observed: State
    applied: int = 0
    pending: Plan | None = None  # a fresh plan after apply that is not empty (Mailgun catching up)


def wanted_scopes(desired: Desired | None, locked: State, *, everything: bool = False) -> dict[str, set[str]]:
    """Per kind, the scopes worth reading: declared, locked or pruned ones (all of them for import)."""
    scopes: dict[str, set[str]] = {kind.name: set() for kind in KINDS}
    named: list[Address] = [*locked]
    prune: Iterable[tuple[str, str]] = ()
    if desired is not None:
        named += list(desired.state)
        prune = desired.prune
    for address in named:
        _want(scopes, address)
    for kind_name, scope in prune:
        parent = BY_NAME[kind_name].parent
        scopes[kind_name].add(scope)
        if parent is not None:
            _want(scopes, Address(parent.name, scope))  # a pruned scope is its parent object's key
    if everything:
        for kind in KINDS:
            scopes[kind.name].add("" if kind.parent is None else "*")
    return scopes


def _want(scopes: dict[str, set[str]], address: Address) -> None:
    """Read ``address``'s scope, and its parent's, whose read tells whether the scope exists."""
    kind = BY_NAME[address.kind]
    scopes[kind.name].add(kind.scope_of(address))
    parent = kind.parent_address(address)
    if parent is not None:
        _want(scopes, parent)


def observe(client: Client, scopes: dict[str, set[str]], locked: State) -> State:
    """Read the wanted scopes, level by level: account-level kinds, then the kinds inside them..."""
    observed, reads = State(), 0
    level = [kind for kind in KINDS if kind.parent is None]
    while level:
        jobs = [(kind, scope) for kind in level for scope in _expand(kind, scopes[kind.name], observed)]
        for resources in client.map(lambda job: job[0].read_scope(client, job[1], locked), jobs):
            for resource in resources:
                observed.add(resource)
        reads += len(jobs)
        level = [kind for kind in KINDS if kind.parent is not None and kind.parent in level]
    log.debug("observe: reads=%d objects=%d", reads, len(observed))
    return observed


def _expand(kind: Kind[Any], wanted: set[str], observed: State) -> list[str]:
    """Scopes to read: ``*`` means every existing one; scopes that do not exist yet are skipped."""
    if kind.parent is None:
        return [""] if wanted else []
    parent = kind.parent
    existing = {r.address.key for r in observed.of_kind(parent.name)}
    if "*" in wanted:
        return sorted(existing)
    asked = {parent.identity(scope) for scope in wanted}
    return sorted(scope for scope in existing if parent.identity(scope) in asked)


def plan_changes(
    client: Client, desired: Desired, lock: Lockfile, *, targets: tuple[str, ...] = ()
) -> Outcome:
    locked = canonical(lock.state())
    observed = canonical(observe(client, wanted_scopes(desired, locked), locked))
    wanted = canonical(desired.state)
    matches = frozenset(r.address for r in wanted.values() if _secret_matches(r, lock.secret_hash(r.address)))
    prune = frozenset(_canonical_prune(kind, scope) for kind, scope in desired.prune)
    inputs = Inputs(wanted, observed, locked, desired.prune | prune, matches)
    selected = _select(inputs, targets)
    plan = diff(selected, KINDS)
    _drop_children_of_deleted(plan)
    plan.notes += _confirmations(plan)
    _review(plan, selected)
    return Outcome(plan, observed)


def _review(plan: Plan, inputs: Inputs) -> None:
    """Each kind's word on its declared objects (``Kind.review``): notes, and refusals apply keeps."""
    for address, desired in inputs.desired.items():
        for notice in BY_NAME[address.kind].review(desired, inputs.observed.get(address)):
            plan.notes.append(notice.text)
            if notice.refuse:
                plan.refusals.append(notice.text)


def verification_targets(desired: Desired, named: dict[str, tuple[str, ...]]) -> list[tuple[Kind[Any], str]]:
    """The objects named for verification (``apply --verify-<kind> KEY``), each declared in the manifests."""
    wanted = canonical(desired.state)
    targets = []
    for kind_name, keys in sorted(named.items()):
        kind = BY_NAME[kind_name]
        for key in keys:
            address = kind.canonical(Address(kind.name, key))
            if address not in wanted:
                raise MgsyncError(f"Cannot verify {address}: it is not declared in the manifests.")
            targets.append((kind, address.key))
    return targets


def verify(client: Client, targets: list[tuple[Kind[Any], str]]) -> list[str]:
    """Ask Mailgun to re-check each target, one after the other (Mailgun rate-limits verification)."""
    return [kind.verify(client, key) for kind, key in targets]


def _canonical_prune(kind_name: str, scope: str) -> tuple[str, str]:
    parent = BY_NAME[kind_name].parent
    return kind_name, parent.identity(scope) if parent is not None else scope


def _confirmations(plan: Plan) -> list[str]:
    return [
        f"Deleting {c.address} deletes everything in it; apply refuses unless given --delete-{c.address.kind} {c.address.key}."
        for c in plan.changes
        if c.action is Action.DELETE and BY_NAME[c.address.kind].confirm_delete
    ]


def canonical(state: State) -> State:
    """The same state with addresses as the kinds match them (``Kind.identity``)."""
    result = State()
    for address, resource in state.items():
        key = BY_NAME[address.kind].canonical(address)
        result.add(resource if key == address else replace(resource, address=key))
    return result


def _secret_matches(resource: Resource, stored: str | None) -> bool:
    body = resource.body
    secrets = [getattr(body, name) for name in sorted(body.SECRET & body.model_fields_set)]
    return bool(secrets) and all(s is not None and verify_secret(s.get_secret_value(), stored) for s in secrets)


def _select(inputs: Inputs, targets: tuple[str, ...]) -> Inputs:
    if not targets:
        return inputs

    def keep(state: State) -> State:
        return State(r for r in state.values() if matches_target(r.address, targets))

    return Inputs(keep(inputs.desired), keep(inputs.observed), keep(inputs.locked), inputs.prune, inputs.secret_matches)


def matches_target(address: Address, targets: tuple[str, ...]) -> bool:
    """A target is an address or a glob (``route:*``, ``member:news@mg.example.com/*``)."""
    text = str(address)
    return any(text == t or fnmatch.fnmatchcase(text, t) for t in targets)


def _drop_children_of_deleted(plan: Plan) -> None:
    """Deleting a container (a domain, a list) deletes what lives in it: no separate deletes for those."""
    gone = {c.address for c in plan.changes if c.action is Action.DELETE}

    def orphan(change: Change) -> bool:
        parent = BY_NAME[change.address.kind].parent_address(change.address)
        while parent is not None and parent not in gone:
            parent = BY_NAME[parent.kind].parent_address(parent)
        return change.action is Action.DELETE and parent is not None

    plan.changes = [c for c in plan.changes if not orphan(c)]


def apply_changes(
    client: Client,
    desired: Desired,
    lock: Lockfile,
    outcome: Outcome,
    *,
    targets: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Outcome:
    """Apply ``outcome.plan``, then re-read and record what Mailgun shows.

    The caller holds the lockfile's lock (``lockfile.hold``) from planning to here.
    """
    outcome.applied = execute(client, outcome.plan, lock, progress)
    after = plan_changes(client, desired, lock, targets=targets) if outcome.applied else outcome
    sync_lock(lock, desired, after.observed, targets)
    lock.write()
    if not after.plan.empty:
        outcome.pending = after.plan
    return outcome


def sync_lock(lock: Lockfile, desired: Desired, observed: State, targets: tuple[str, ...]) -> None:
    """Record every declared object Mailgun now shows; forget what is neither declared nor live."""
    in_scope = (lambda a: matches_target(a, targets)) if targets else (lambda a: True)
    wanted, observed = canonical(desired.state), canonical(observed)
    for address in [a for a in lock.state() if in_scope(a)]:
        key = BY_NAME[address.kind].canonical(address)
        if key != address or key not in wanted or key not in observed:
            lock.forget(address)
    collections: dict[tuple[str, str], list[Resource]] = {}
    for address in wanted:
        kind = BY_NAME[address.kind]
        if not in_scope(address) or address not in observed:
            continue
        if kind.bulk:
            collections.setdefault((kind.name, kind.scope_of(address)), []).append(observed[address])
        else:
            lock.record(observed[address], secret_hash=lock.secret_hash(address), meta_keys=kind.lock_meta)
    if not targets:
        lock.collections.clear()
    for (kind_name, scope), resources in sorted(collections.items()):
        lock.record_collection(kind_name, scope, resources)
