"""Orchestration: observe live state, plan, apply, verify, and keep the lockfile.

``observe`` reads only the scopes the manifests, the lockfile and the prune flags name (the whole
account only for import), a parent kind before the kinds inside it, so that scoped reads skip
domains and lists that do not exist yet, all through the client's bounded concurrency. Kind-specific
knowledge stays in the kinds; this module iterates the registry and names no kind.
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from mgsync.account import Account, identify
from mgsync.account import check as check_account
from mgsync.answers import OddItem
from mgsync.apply import Progress, execute
from mgsync.changes import Action, Change
from mgsync.errors import MgsyncError
from mgsync.fingerprint import combined_text, fingerprint, hash_secret, verify_secret
from mgsync.kinds import BY_NAME, KINDS, Kind, children
from mgsync.kinds.base import UNREADABLE, BulkKind
from mgsync.lockfile import Lockfile
from mgsync.plan import Differ, Inputs, Plan, diff
from mgsync.shapes.env import UnsetSecret
from mgsync.state import Address, Entries, Resource, State, TableKey, sort_key
from mgsync import tuning

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
    secrets: SecretCheck | None = None  # what the plan found of the stored secret hashes
    account: Account | None = None  # the account read, for the lockfile (account.py)


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


def observe(client: Client, scopes: dict[str, set[str]], locked: State, base: State | None = None,
            arrived: Callable[[Kind[Any], str, Entries], None] | None = None,
            finished: Callable[[Kind[Any], State], None] | None = None,
            odd: list[OddItem] | None = None) -> State:
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
    observed, batch = _unread(base, scopes), client.pool.batch()
    started: dict[tuple[str, str], int] = {}  # (kind, scope) -> start order, for the error to raise
    waiting: dict[str, int] = {}  # kind -> its reads not done yet

    def start(kinds: list[Kind[Any]]) -> None:
        jobs = [(kind, scope) for kind in kinds for scope in _expand(kind, scopes[kind.name], observed)]
        for kind, scope in sorted(jobs, key=lambda job: not job[0].bulk):  # collections page: start them first
            started[(kind.name, scope)] = len(started)
            waiting[kind.name] = waiting.get(kind.name, 0) + 1
            batch.submit(lambda job: _read(client, *job, locked, odd), (kind, scope))
        for kind in kinds:  # a kind with nothing to read has its children's turn at once
            if not waiting.get(kind.name):
                start(children(kind))
                if finished is not None:
                    finished(kind, observed)

    errors: list[tuple[int, BaseException]] = []
    with client.cache.sharing(), tuning.responsive():  # kinds that read one listing send it once
        start(children(None))
        for (kind, scope), done in batch.completed():
            error = done.exception()
            if error is not None:
                errors.append((started[(kind.name, scope)], error))
            else:
                _store(observed, kind, scope, done.result())
                if arrived is not None and isinstance(done.result(), dict) and not errors:
                    arrived(kind, scope, done.result())
            waiting[kind.name] -= 1
            if not waiting[kind.name] and not errors:
                start(children(kind))
                if finished is not None:
                    finished(kind, observed)
    if errors:
        raise min(errors, key=lambda pair: pair[0])[1]
    if base is not None:
        _drop_orphans(observed, {kind.name for kind in KINDS if kind.parent is None and scopes[kind.name]})
    log.debug("observe: reads=%d objects=%d", len(started), len(observed))
    return observed


def _store(observed: State, kind: Kind[Any], scope: str, found: list[Resource] | Entries) -> None:
    if isinstance(found, dict):
        observed.put_table(kind.name, scope, found)
    else:
        for resource in found:
            if UNREADABLE not in resource.meta:  # noted in ``observe``'s odd: left out
                observed.add(resource)


def _read(client: Client, kind: Kind[Any], scope: str, locked: State,
          odd: list[OddItem] | None = None) -> list[Resource] | Entries:
    """One scope's live objects: a bulk kind's as its table of entries (``BulkKind.read_table``);
    with ``odd``, listed items of another shape are left out and added there."""
    if odd is None:
        return kind.read_table(client, scope) if isinstance(kind, BulkKind) else kind.read_scope(client, scope, locked)
    with client.odd_items() as found:
        result = _read(client, kind, scope, locked)
    odd.extend(replace(item, kind=kind.name, scope=scope) for item in found)  # list.extend: one step under the GIL
    return result


def _unlist_hidden(plan: Plan, observed: State) -> None:
    """Take the hidden live objects (``Kind.hidden``) out of the plan's not-managed list."""
    for kind_name, found in list(plan.unmanaged.items()):
        kind = BY_NAME[kind_name]
        kept = [a for a in found if a not in observed.objects or not kind.hidden(observed.objects[a])]
        if kept:
            plan.unmanaged[kind_name] = kept
        else:
            del plan.unmanaged[kind_name]


def odd_notes(odd: list[OddItem], wanted: State, locked: State) -> list[str]:
    """A note per odd live item (``observe``) that is left alone; an error when one may be an object
    the manifests declare or the lockfile records: planning it blind could delete or re-create it."""
    notes = []
    for item in sorted(odd, key=lambda o: (o.kind, o.scope, o.index)):
        if _may_be_managed(item, wanted) or _may_be_managed(item, locked):
            if item.address:  # named exactly: one the manifests or the lockfile hold
                raise MgsyncError(f"Mailgun API: {item}; please report this.")
            raise MgsyncError(f"Mailgun API: GET {item.path} returned 200: {item.problem}; it may be a "
                              f"{BY_NAME[item.kind].noun(1)} the manifests or the lockfile name, so nothing is planned.")
        notes.append(f"Mailgun API: {item}; left alone (not managed).")
    return notes


def _may_be_managed(item: OddItem, state: State) -> bool:
    """Whether ``state`` holds an object of the odd item's kind and scope that it may be: one named
    as any string of the item (by key or by a recorded id), any of them when the item has none."""
    kind = BY_NAME[item.kind]
    scope = kind.parent.identity(item.scope) if kind.parent is not None else ""
    names = [name for (k, s), entries in state.tables.items() if k == item.kind and s == scope for name in entries]
    for address, resource in state.objects.items():
        if address.kind == item.kind and kind.scope_of(address) == scope:
            names += [address.name, str(resource.meta.get("id", ""))]
    if not item.names:
        return bool(names)
    return not {kind.identity(n) for n in item.names}.isdisjoint(kind.identity(name) for name in names if name)


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
    for change in plan.changes:
        if change.action is Action.FORGET:
            continue
        kind = BY_NAME[change.address.kind]
        scopes[kind.name].add(kind.scope_of(change.address))
        for child in (k for k in KINDS if k.parent is kind):
            key = kind.identity(change.address.key)
            scopes[child.name] |= {s for s in wanted[child.name] if kind.identity(s) == key}
    return scopes


def _expand(kind: Kind[Any], wanted: set[str], observed: State) -> list[str]:
    """Scopes to read: ``*`` means every existing one; scopes that do not exist yet are skipped."""
    if kind.parent is None:
        return [""] if wanted else []
    parent = kind.parent
    existing = {address.key for address in observed.objects if address.kind == parent.name}
    if "*" in wanted:  # every one the team's: not a hidden one (a sandbox domain) unless named too
        asked = {parent.identity(scope) for scope in wanted if scope != "*"}
        return sorted(key for key in existing if not parent.hidden(observed.objects[Address(parent.name, key)])
                      or parent.identity(key) in asked)
    asked = {parent.identity(scope) for scope in wanted}
    return sorted(scope for scope in existing if parent.identity(scope) in asked)


def plan_changes(
    client: Client, desired: Desired, lock: Lockfile, *, targets: tuple[str, ...] = (), after: Plan | None = None,
    before: State | None = None, show_hidden: bool = False,
) -> Outcome:
    """Observe and diff. After an apply of ``after`` whose plan observed ``before``, only the scopes
    that apply wrote to are read again (``touched_scopes``). Live objects never managed by default
    (``Kind.hidden``: a sandbox domain) are listed as not managed only with ``show_hidden``. A fresh
    plan first makes sure the lockfile belongs to the account read (``account.check``: one request,
    a refusal before any other)."""
    account = None if after is not None else check_account(lock.path, Account.recorded(lock.account), identify(client))
    locked, wanted = canonical(lock.state()), canonical(desired.state)
    scopes = wanted_scopes(desired, locked)
    if after is not None and before is not None:
        scopes = touched_scopes(after, scopes)
    prune = desired.prune | frozenset(_canonical_prune(kind, scope) for kind, scope in desired.prune)
    differ = None if targets else Differ(Inputs(wanted, State(), locked, prune), KINDS)

    def arrived(kind: Kind[Any], scope: str, entries: Entries) -> None:
        if differ is not None:  # each collection is compared as soon as it is read (rows hold no secrets)
            differ.table(kind.name, *kind.canonical_table(scope, entries))

    with ThreadPoolExecutor(1, thread_name_prefix="mgsync-secrets") as aside:
        checking = aside.submit(secret_matches, wanted, lock)  # scrypt lets go of the GIL: it runs beside the reads
        odd: list[OddItem] = []
        observed = canonical(observe(client, scopes, locked, before, arrived, odd=odd))
        secrets = checking.result()
    inputs = Inputs(wanted, observed, locked, prune, secrets.matches | secrets.unchecked)  # unchecked: no change shown
    selected = _select(inputs, targets)
    plan = diff(selected, KINDS) if differ is None else differ.finish(selected)
    _drop_children_of_deleted(plan)
    if not show_hidden:
        _unlist_hidden(plan, observed)
    plan.notes += odd_notes(odd, wanted, locked)
    plan.notes += _confirmations(plan) + unchecked_notes(selected.desired)
    _review(plan, selected)
    return Outcome(plan, observed, secrets=secrets, account=account)


def _review(plan: Plan, inputs: Inputs) -> None:
    """Each kind's word on its declared objects (``Kind.review``): notes, and refusals apply keeps.
    Bulk entries are not reviewed (``BulkKind``)."""
    for address, desired in sorted(inputs.desired.objects.items(), key=lambda pair: sort_key(pair[0])):
        for notice in BY_NAME[address.kind].review(desired, inputs.observed.get(address)):
            plan.notes.append(notice.text)
            if notice.refuse:
                plan.refusals.append(notice.text)
            if notice.account:
                plan.account_notes.append(notice.text)


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


@dataclass(frozen=True)
class SecretCheck:
    """Desired objects whose secrets match the lockfile's hashes, whether the lockfile's combined
    verifier vouched for all of them at once, and the objects not checked (a secret's variable is
    not set: only ``plan`` loads manifests so, see ``shapes.env``)."""

    matches: frozenset[Address]
    combined: str = ""  # when the verifier vouched: a digest of what it covered (never the secrets)
    unchecked: frozenset[Address] = frozenset()


def secret_matches(wanted: State, lock: Lockfile) -> SecretCheck:
    """Which desired secrets match the salted scrypt hashes in the lockfile (DESIGN §3.6).

    Each hash costs one scrypt (about 30 ms, on purpose), so checking 60 credentials one by one would
    cost every plan about 2 s. The lockfile therefore also keeps ONE combined verifier: a salted
    scrypt hash, with the same parameters, of every (address, stored hash, secret) triple whose
    secret matched when it was made (``record_secrets_verifier``). A plan computes that one hash: if
    it verifies, every secret is the one its stored hash was made from, since the stored hashes are
    part of what it covers, so one that was rewritten since invalidates it. Only when it does not
    verify (a password changed, a credential came or went) does the plan fall back to the hashes one
    by one to find which. The verifier leaks nothing the per-object hashes do not: guessing through
    it means guessing every secret at once, at the same cost per guess.

    An object with a secret whose variable is not set (``UnsetSecret``, plan only) is neither a match
    nor a mismatch: it is ``unchecked``, left out of both checks, and the plan says so
    (``unchecked_notes``). A verifier that covers it cannot vouch then, so the rest are checked one by one.
    """
    secrets = _secret_values(wanted)
    unchecked = frozenset(a for a, values in secrets.items() if any(isinstance(v, UnsetSecret) for v in values))
    secrets = {a: values for a, values in secrets.items() if a not in unchecked}
    stored = lock.secret_hashes()
    triples = _triples({a: [_plain(v) for v in values] for a, values in secrets.items()}, stored)
    text = combined_text(triples)
    if triples and not unchecked and lock.secrets_verifier and verify_secret(text, lock.secrets_verifier):
        return SecretCheck(frozenset(Address.parse(t[0]) for t in triples), combined=fingerprint(text))
    matches = frozenset(a for a, values in secrets.items() if _all_verify([_plain(v) for v in values], stored.get(str(a))))
    return SecretCheck(matches, unchecked=unchecked)


def unchecked_notes(wanted: State) -> list[str]:
    """``credential:mg.example.com/alice: password not checked (MG_SMTP_ALICE is not set)``, per secret
    whose variable is not set (a plan made without the secrets: least privilege)."""
    return [f"{address}: {name} not checked ({value.variable} is not set)"
            for address, named in _named_secrets(wanted).items() for name, value in named
            if isinstance(value, UnsetSecret)]


def _named_secrets(wanted: State) -> dict[Address, list[tuple[str, SecretStr | None]]]:
    """The secret fields each desired object sets, by name, in address order."""
    found: dict[Address, list[tuple[str, SecretStr | None]]] = {}
    for address, resource in sorted(wanted.objects.items(), key=lambda pair: sort_key(pair[0])):  # rows have no secrets
        body = resource.body
        names = sorted(body.SECRET & body.model_fields_set) if body.SECRET else []
        if names:
            found[address] = [(name, getattr(body, name)) for name in names]
    return found


def _secret_values(wanted: State) -> dict[Address, list[SecretStr | None]]:
    """The secrets each desired object sets (None for a secret field set to nothing)."""
    return {address: [value for _, value in named] for address, named in _named_secrets(wanted).items()}


def _plain(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _triples(secrets: dict[Address, list[str | None]], stored: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """What the combined verifier covers: every stored hash whose object sets all its secrets."""
    return [(str(a), stored[str(a)], [v for v in values if v is not None]) for a, values in secrets.items()
            if str(a) in stored and None not in values]


def _all_verify(values: list[str | None], stored: str | None) -> bool:
    return bool(values) and all(v is not None and verify_secret(v, stored) for v in values)


def record_secrets_verifier(lock: Lockfile, wanted: State, check: SecretCheck | None) -> None:
    """Keep, make or drop the lockfile's combined verifier (see ``secret_matches``): made only when
    every stored hash it would cover was just found to match its secret, kept while it verifies."""
    secrets = {a: [_plain(v) for v in values] for a, values in _secret_values(wanted).items()}
    triples = _triples(secrets, lock.secret_hashes())
    if not triples or check is None or check.unchecked or any(Address.parse(t[0]) not in check.matches for t in triples):
        lock.secrets_verifier = None
    elif not (lock.secrets_verifier and check.combined == fingerprint(combined_text(triples))):
        lock.secrets_verifier = hash_secret(combined_text(triples))


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

    The caller holds the lockfile's lock (``lockfile.hold``) from planning to here. The lockfile also
    records the digest of the account notes (``Plan.account_digest``), for reviews to show them when changed.
    """
    if outcome.account is not None:  # an older lockfile is adopted; each step's write records it
        lock.account = outcome.account.record()
    outcome.applied = execute(client, outcome.plan, lock, progress)
    after = outcome
    if outcome.applied:
        after = plan_changes(client, desired, lock, targets=targets, after=outcome.plan, before=outcome.observed)
    sync_lock(lock, desired, after.observed, targets, after.secrets)
    if not targets:  # the account notes as the plan after this apply shows them; a targeted plan has only its own
        lock.account_notes = after.plan.account_digest
    lock.write()
    if not after.plan.empty:
        outcome.pending = after.plan
    return outcome


def sync_lock(lock: Lockfile, desired: Desired, observed: State, targets: tuple[str, ...],
              secrets: SecretCheck | None = None, digests: Mapping[TableKey, str] | None = None) -> None:
    """Record every declared object Mailgun now shows; forget what is neither declared nor live;
    keep the combined secrets verifier true (``secrets``: what the last plan found). ``digests``:
    the ``collection_digest`` of whole live collections (canonical), made while they were read."""
    in_scope = (lambda a: matches_target(a, targets)) if targets else (lambda a: True)
    wanted, observed = canonical(desired.state), canonical(observed)
    for address in [a for a in lock.state() if in_scope(a)]:
        key = BY_NAME[address.kind].canonical(address)
        if key != address or key not in wanted or key not in observed:
            lock.forget(address)
    for address in sorted(wanted.objects, key=sort_key):
        live = observed.objects.get(address)
        if in_scope(address) and live is not None:
            lock.record(live, secret_hash=lock.secret_hash(address), meta_keys=BY_NAME[address.kind].lock_meta)
    if not targets:
        lock.collections.clear()
    for (kind_name, scope), entries in sorted(wanted.tables.items()):
        table = observed.tables.get((kind_name, scope), {})
        names = [n for n in entries if n in table and in_scope(Address(kind_name, f"{scope}/{n}"))] if targets \
            else entries.keys() & table.keys()
        whole = (digests or {}).get((kind_name, scope)) if len(names) == len(table) else None
        if names:
            lock.record_collection(kind_name, scope, {name: table[name] for name in names}, whole)
    record_secrets_verifier(lock, wanted, secrets)
