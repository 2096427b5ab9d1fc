"""Reading live state: which scopes are worth reading, and reading them.

``observe`` reads only the scopes the manifests, the lockfile and the prune flags name (the whole
account only for import), a parent kind before the kinds inside it, so that scoped reads skip
domains and lists that do not exist yet, all through the client's bounded concurrency. Also
``canonical``: a state with addresses as the kinds match them. Kind-specific knowledge stays in the
kinds; this module iterates the registry and names no kind. It plans nothing and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from mgsync import tuning
from mgsync.answers import OddItem
from mgsync.changes import Action
from mgsync.kinds import BY_NAME, KINDS, Kind, children
from mgsync.kinds.base import UNREADABLE
from mgsync.kinds.bulk import BulkKind
from mgsync.state import Address, Entries, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.manifest import Desired
    from mgsync.plan import Plan

log = logging.getLogger("mgsync.engine")


def wanted_scopes(desired: Desired | None, locked: State, *, everything: bool = False) -> dict[str, set[str]]:
    """Per kind, the scopes worth reading: declared, locked or pruned ones (all of them for import)."""
    scopes: dict[str, set[str]] = {kind.name: set() for kind in KINDS}
    states = [locked] if desired is None else [locked, desired.state]
    prune: Iterable[tuple[str, str]] = () if desired is None else desired.prune
    for state in states:
        for address in state.objects:
            _want(scopes, address)
        for kind_name, scope in state.tables:  # a collection's scope is its parent object's key
            _want(scopes, Address(BY_NAME[kind_name].parent.name, scope))  # type: ignore[union-attr]
            scopes[kind_name].add(scope)
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
    scope = kind.scope_of(address)
    if scope in scopes[kind.name] and kind.parent is not None:
        return  # its parent is wanted already
    scopes[kind.name].add(scope)
    parent = kind.parent_address(address)
    if parent is not None:
        _want(scopes, parent)


def observe(
    client: Client,
    scopes: dict[str, set[str]],
    locked: State,
    base: State | None = None,
    arrived: Callable[[Kind[Any], str, Entries], None] | None = None,
    finished: Callable[[Kind[Any], State], None] | None = None,
    odd: list[OddItem] | None = None,
) -> State:
    """Read the wanted scopes: account-level kinds, and the kinds inside a container kind as soon as
    its read is done (which containers exist decides which scopes to read), all on the client's
    pool, results stored as they arrive. Every read runs to completion; then the first error, in
    the order the reads were started, is raised. ``arrived`` is told of each bulk collection as soon
    as it is read, and ``finished`` of each kind once all its reads are stored in the state being
    made (its children's reads have started by then), both on the calling thread while the pool
    reads on; neither after an error.

    With ``base`` (what a plan observed before an apply), only ``scopes`` are read again: the rest
    of ``base`` is kept as it was, except what lived in a container that is gone now.

    With ``odd``, a listed item not of the shape its kind reads is left out of the state and added
    there (``Client.odd_items``) instead of failing the read: the caller decides what it costs.
    """
    batch = client.pool.batch()
    reads = _Reads(
        scopes,
        _unread(base, scopes),
        arrived,
        finished,
        submit=lambda job: batch.submit(lambda each: _read(client, *each, locked, odd), job),
    )
    with client.cache.sharing(), tuning.responsive():  # kinds that read one listing send it once
        reads.start(children(None))
        for (kind, scope), done in batch.completed():
            reads.done(kind, scope, done)
    if reads.errors:
        raise min(reads.errors, key=lambda pair: pair[0])[1]
    if base is not None:
        _drop_orphans(reads.observed, {kind.name for kind in KINDS if kind.parent is None and scopes[kind.name]})
    log.debug("observe: reads=%d objects=%d", len(reads.started), len(reads.observed))
    return reads.observed


@dataclass
class _Reads:
    """One ``observe`` under way: the state being made, the reads started (in order: the error to
    raise is the first one started), those still out per kind, and the errors met so far."""

    scopes: dict[str, set[str]]
    observed: State
    arrived: Callable[[Kind[Any], str, Entries], None] | None
    finished: Callable[[Kind[Any], State], None] | None
    submit: Callable[[tuple[Kind[Any], str]], None]  # a read, onto the client's pool
    started: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, scope) -> start order
    waiting: dict[str, int] = field(default_factory=dict)  # kind -> its reads not done yet
    errors: list[tuple[int, BaseException]] = field(default_factory=list)

    def start(self, kinds: list[Kind[Any]]) -> None:
        """Start every wanted read of ``kinds``; collections page, so they start first."""
        jobs = [(kind, scope) for kind in kinds for scope in _expand(kind, self.scopes[kind.name], self.observed)]
        for kind, scope in sorted(jobs, key=lambda job: not isinstance(job[0], BulkKind)):
            self.started[(kind.name, scope)] = len(self.started)
            self.waiting[kind.name] = self.waiting.get(kind.name, 0) + 1
            self.submit((kind, scope))
        for kind in kinds:  # a kind with nothing to read has its children's turn at once
            if not self.waiting.get(kind.name):
                self._finish(kind)

    def done(self, kind: Kind[Any], scope: str, done: Future[list[Resource] | Entries]) -> None:
        """Store one finished read (or note its error); the last of a kind starts its children's."""
        error = done.exception()
        if error is not None:
            self.errors.append((self.started[(kind.name, scope)], error))
        else:
            found = done.result()
            _store(self.observed, kind, scope, found)
            if self.arrived is not None and isinstance(found, dict) and not self.errors:
                self.arrived(kind, scope, found)
        self.waiting[kind.name] -= 1
        if not self.waiting[kind.name] and not self.errors:
            self._finish(kind)

    def _finish(self, kind: Kind[Any]) -> None:
        self.start(children(kind))
        if self.finished is not None:
            self.finished(kind, self.observed)


def _store(observed: State, kind: Kind[Any], scope: str, found: list[Resource] | Entries) -> None:
    if isinstance(found, dict):
        observed.put_table(kind.name, scope, found)
    else:
        for resource in found:
            if UNREADABLE not in resource.meta:  # noted in ``observe``'s odd: left out
                observed.add(resource)


def _read(
    client: Client, kind: Kind[Any], scope: str, locked: State, odd: list[OddItem] | None = None
) -> list[Resource] | Entries:
    """One scope's live objects: a bulk kind's as its table of entries (``BulkKind.read_table``);
    with ``odd``, listed items of another shape are left out and added there."""
    if odd is None:
        return kind.read_table(client, scope) if isinstance(kind, BulkKind) else kind.read_scope(client, scope, locked)
    with client.odd_items() as found:
        result = _read(client, kind, scope, locked)
    odd.extend(replace(item, kind=kind.name, scope=scope) for item in found)  # list.extend: one step under the GIL
    return result


def _unread(base: State | None, scopes: dict[str, set[str]]) -> State:
    """``base`` without the scopes about to be read again."""
    if base is None:
        return State()
    reread = {(name, scope) for name, wanted in scopes.items() for scope in wanted}
    kept = State()
    for address, resource in base.objects.items():
        kind = BY_NAME[address.kind]
        if not scopes[kind.name] or (kind.name, kind.scope_of(address)) not in reread:
            kept.add(resource)
    for (kind_name, scope), entries in base.tables.items():
        if not scopes[kind_name] or (kind_name, scope) not in reread:
            kept.put_table(kind_name, scope, entries)
    return kept


def _drop_orphans(observed: State, reread: set[str]) -> None:
    """Forget what lived in a container of a kind read again (``reread``) that is gone now."""
    if not reread:
        return
    live = {address for address in observed.objects if address.kind in reread}
    for address in list(observed.objects):
        kind = BY_NAME[address.kind]
        if kind.parent is not None and kind.parent.name in reread and kind.parent_address(address) not in live:
            observed.remove(address)
    for kind_name, scope in list(observed.tables):
        parent = BY_NAME[kind_name].parent
        if parent is not None and parent.name in reread and Address(parent.name, scope) not in live:
            del observed.tables[(kind_name, scope)]


def touched_scopes(plan: Plan, wanted: dict[str, set[str]]) -> dict[str, set[str]]:
    """The scopes an apply of ``plan`` wrote to, to read again instead of the whole account: each
    change's own scope, and inside a container it changed, every scope a plan would read there."""
    scopes: dict[str, set[str]] = {kind.name: set() for kind in KINDS}
    written = [change for change in plan.changes if change.action is not Action.FORGET]
    # a kind's changes at a time, in C loops: an apply from empty writes 200,000 bulk entries
    for name, group in groupby(written, key=attrgetter("address.kind")):
        kind, changes = BY_NAME[name], list(group)
        scopes[name] |= set(map(kind.scope_of, map(attrgetter("address"), changes)))
        inside = children(kind)
        keys = {kind.identity(change.address.key) for change in changes} if inside else set()
        for child in inside:
            scopes[child.name] |= {s for s in wanted[child.name] if kind.identity(s) in keys}
    return scopes


def _expand(kind: Kind[Any], wanted: set[str], observed: State) -> list[str]:
    """Scopes to read: ``*`` means every existing one; scopes that do not exist yet are skipped."""
    if kind.parent is None:
        return [""] if wanted else []
    parent = kind.parent
    existing = {address.key for address in observed.objects if address.kind == parent.name}
    if "*" in wanted:  # every one the team's: not a hidden one (a sandbox domain) unless named too
        asked = {parent.identity(scope) for scope in wanted if scope != "*"}
        return sorted(
            key
            for key in existing
            if not parent.hidden(observed.objects[Address(parent.name, key)]) or parent.identity(key) in asked
        )
    asked = {parent.identity(scope) for scope in wanted}
    return sorted(scope for scope in existing if parent.identity(scope) in asked)


def canonical(state: State) -> State:
    """The same state with addresses as the kinds match them (``Kind.identity``); ``state`` itself
    when every address is canonical already (the usual case: no copy of 200,000 entries)."""
    tables = {key: BY_NAME[key[0]].canonical_table(key[1], entries) for key, entries in state.tables.items()}
    plain = all(BY_NAME[a.kind].canonical(a) is a for a in state.objects)
    if plain and all(tables[key] == (key[1], entries) for key, entries in state.tables.items()):
        return state
    result = State()
    for address, resource in state.objects.items():
        key = BY_NAME[address.kind].canonical(address)
        result.add(resource if key == address else replace(resource, address=key))
    for (kind_name, _), (scope, entries) in tables.items():
        result.table(kind_name, scope).update(entries)
    return result
