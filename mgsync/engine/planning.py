"""Planning: observe, diff, and the engine's word on the result (hidden objects, odd items,
confirmations, the kinds' reviews), each added by building a new plan, never by changing one.

Also what verification needs (``verification_targets``, ``verify``). Names no kind: it asks the
registry.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mgsync import tuning
from mgsync.account import Account, identify
from mgsync.account import check as check_account
from mgsync.answers import OddItem
from mgsync.changes import Action, Change, Notice
from mgsync.engine.observe import canonical, observe, touched_scopes, wanted_scopes
from mgsync.engine.sealing import Seal, sealing, unsealed
from mgsync.engine.secrets import SecretCheck, secret_matches, unchecked_notes
from mgsync.engine.targets import NOTHING_MATCHED, select, unmatched_targets, with_needs
from mgsync.errors import MgsyncError
from mgsync.kinds import BY_NAME, KINDS, Deletable, Kind, Lossy, Reviewable, Verifiable
from mgsync.lockfile import Lockfile
from mgsync.plan import Differ, Inputs, Plan, diff
from mgsync.state import Address, Entries, State, sort_key

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.manifest import Desired


@dataclass(frozen=True)
class Outcome:
    """What a plan, and then an apply, found and did: never changed once made (``Engine``)."""

    plan: Plan
    observed: State
    applied: int = 0
    pending: Plan | None = None  # a fresh plan after apply that is not empty (Mailgun catching up)
    secrets: SecretCheck | None = None  # what the plan found of the stored secret hashes
    account: Account | None = None  # the account read, for the lockfile (account.py)
    verified: tuple[str, ...] = ()  # what Mailgun said when asked to verify (``verify``), one line each
    scopes: dict[str, set[str]] | None = None  # per kind, the scopes ``observed`` covers (a fresh plan's)
    seal: Seal = field(default_factory=Seal)  # values from ${env:} kept out of what is shown and recorded
    sealed: Plan | None = None  # ``plan`` as it is shown and saved (``seal``); None when that is the plan itself

    @property
    def shown(self) -> Plan:
        """The plan as people and files see it (``engine.sealing``); apply sends ``plan``."""
        return self.plan if self.sealed is None else self.sealed


def plan_changes(
    client: Client,
    desired: Desired,
    lock: Lockfile,
    *,
    targets: tuple[str, ...] = (),
    after: Plan | None = None,
    before: State | None = None,
    seen: Outcome | None = None,
    show_hidden: bool = False,
) -> Outcome:
    """Observe and diff. After an apply of ``after`` whose plan observed ``before``, only the scopes
    that apply wrote to are read again (``touched_scopes``). Beside ``seen``, a fresh plan of other
    manifests on the same account (a pull request's, when this is its base branch's), only the scopes
    ``seen`` did not read are read: both plans see one live state. Live objects never managed by default
    (``Kind.hidden``: a sandbox domain) are listed as not managed only with ``show_hidden``. A fresh
    plan first makes sure the lockfile belongs to the account read (``account.check``: one request,
    a refusal before any other)."""
    fresh = after is None and seen is None
    account = check_account(lock.path, Account.recorded(lock.account), identify(client)) if fresh else None
    locked, wanted = canonical(lock.state()), canonical(desired.state)
    scopes = read = wanted_scopes(desired, locked)
    if after is not None and before is not None:
        scopes = touched_scopes(after, scopes)
    elif seen is not None and seen.scopes is not None:
        scopes, before = unseen(scopes, seen.scopes), seen.observed
    prune = desired.prune | frozenset(_canonical_prune(kind, scope) for kind, scope in desired.prune)
    differ = None if targets else Differ(Inputs(wanted, State(), locked, prune), KINDS)
    odd: list[OddItem] = []
    observed, secrets = _read_live(client, scopes, lock, (locked, wanted), before, differ, odd)
    recorded = lock.references()
    seal = sealing(desired.shown_env, wanted, locked, observed, recorded=recorded)
    locked = unsealed(locked, observed) if recorded else locked
    inputs = Inputs(wanted, observed, locked, prune, secrets.matches | secrets.unchecked)  # unchecked: no change shown
    targets, needed = with_needs(inputs, targets)
    selected = select(inputs, targets)
    made = diff(selected, KINDS) if differ is None else differ.finish(selected)
    made = replace(made, changes=weighed(client, made.changes))
    unmatched = unmatched_targets(selected, targets)
    notes = [*odd_notes(odd, wanted, locked), *(f"--target {t} {NOTHING_MATCHED}" for t in unmatched), *needed]
    plan = replace(_with_engine_word(made, selected, observed, notes, show_hidden=show_hidden), targets=targets)
    covered = read if fresh else None
    plan = replace(plan, unmatched=unmatched)
    seal = seal.learning(plan.changes)
    sealed = None if (shown := seal.plan(plan)) is plan else shown
    return Outcome(plan, observed, secrets=secrets, account=account, scopes=covered, seal=seal, sealed=sealed)


def unseen(wanted: dict[str, set[str]], seen: dict[str, set[str]]) -> dict[str, set[str]]:
    """Per kind, the ``wanted`` scopes that ``seen`` (another plan's) did not cover (``*``: it read
    every one there is)."""
    return {
        kind: set() if "*" in seen.get(kind, ()) else scopes - seen.get(kind, set()) for kind, scopes in wanted.items()
    }


def weighed(client: Client, changes: list[Change]) -> list[Change]:
    """``changes``, the live side of each that a kind weighs the losses of read closer (``Lossy.weigh``:
    a template's versions when its content changes, a request each, on the pool); the rest as they are."""
    lossy = {kind.name: kind for kind in KINDS if isinstance(kind, Lossy)}
    found = [
        (i, lossy[c.address.kind], c.observed)
        for i, c in enumerate(changes)
        if c.address.kind in lossy and c.observed is not None
    ]
    if not found:
        return changes
    result = list(changes)
    lives = client.pool.map(lambda each: each[1].weigh(client, each[2], changes[each[0]]), found)
    for (i, _, before), live in zip(found, lives):
        if live is not before:
            c = changes[i]
            result[i] = Change(c.address, c.action, c.before, c.after, c.fields, c.desired, live)
    return result


def _read_live(
    client: Client,
    scopes: dict[str, set[str]],
    lock: Lockfile,
    states: tuple[State, State],
    before: State | None,
    differ: Differ | None,
    odd: list[OddItem],
) -> tuple[State, SecretCheck]:
    """Observe (canonical), while the secrets are checked beside the reads; with ``differ``, each
    collection is compared as soon as it is read (rows hold no secrets)."""

    def arrived(kind: Kind[Any], scope: str, entries: Entries) -> None:
        if differ is not None:
            differ.table(kind.name, *kind.canonical_table(scope, entries))

    locked, wanted = states  # canonical
    with ThreadPoolExecutor(1, thread_name_prefix="mgsync-secrets", initializer=tuning.worker_started) as aside:
        checking = aside.submit(secret_matches, wanted, lock)  # scrypt lets go of the GIL: it runs beside the reads
        observed = canonical(observe(client, scopes, locked, before, arrived, odd=odd))
        return observed, checking.result()


def _with_engine_word(plan: Plan, inputs: Inputs, observed: State, odd: list[str], *, show_hidden: bool) -> Plan:
    """``plan`` without deletes inside a deleted container, without hidden live objects unless
    ``show_hidden``, and with the notes: ``odd`` ones, confirmations, the safety thresholds crossed
    (``Plan.threshold_notes``, from what apply refuses by), unchecked secrets, then each
    kind's word on its declared objects (``Kind.review``; refusals apply keeps). A new plan."""
    changes = _without_children_of_deleted(plan.changes)
    unmanaged = plan.unmanaged if show_hidden else _unlisted_hidden(plan.unmanaged, observed)
    reviews = _reviews(inputs)
    unsafe = replace(plan, changes=changes).threshold_notes()  # what apply refuses without --force
    stranded = _stranded(changes, inputs.desired)
    notes = [*odd, *_confirmations(changes), *stranded, *unsafe, *unchecked_notes(inputs.desired)]
    return replace(
        plan,
        changes=changes,
        unmanaged=unmanaged,
        notes=[*plan.notes, *notes, *(n.text for n in reviews)],
        refusals=[*plan.refusals, *stranded, *(n.text for n in reviews if n.refuse)],
        account_notes=[*plan.account_notes, *(n.text for n in reviews if n.account)],
    )


def _stranded(changes: list[Change], desired: State) -> list[str]:
    """A refusal per declared object that needs an object this plan deletes (``Kind.requires``: a
    forward's or a list's domain): Mailgun would take it with the domain, or refuse it for ever after."""
    deleted = {c.address for c in changes if c.action is Action.DELETE}
    return [
        f"{address} is declared but needs {needed}, which this plan deletes; remove {address} from the "
        f"manifests too, or keep {needed}."
        for address in sorted(desired.objects, key=sort_key)
        for needed in BY_NAME[address.kind].requires(address)
        if needed in deleted
    ]


def _reviews(inputs: Inputs) -> list[Notice]:
    """Each kind's notices on its declared objects, in address order. Bulk entries are not reviewed
    (``BulkKind``)."""
    reviewers = {kind.name: kind for kind in BY_NAME.values() if isinstance(kind, Reviewable)}
    return [
        notice
        for address, desired in sorted(inputs.desired.objects.items(), key=lambda pair: sort_key(pair[0]))
        if (reviewer := reviewers.get(address.kind)) is not None
        for notice in reviewer.review(desired, inputs.observed.get(address))
    ]


def _unlisted_hidden(unmanaged: dict[str, list[Address]], observed: State) -> dict[str, list[Address]]:
    """The not-managed list without the hidden live objects (``Kind.hidden``)."""
    kept = {
        kind_name: [a for a in found if a not in observed.objects or not BY_NAME[kind_name].hidden(observed.objects[a])]
        for kind_name, found in unmanaged.items()
    }
    return {kind_name: found for kind_name, found in kept.items() if found}


def odd_notes(odd: list[OddItem], wanted: State, locked: State) -> list[str]:
    """A note per odd live item (``observe``) that is left alone; an error when one may be an object
    the manifests declare or the lockfile records: planning it blind could delete or re-create it."""
    notes = []
    for item in sorted(odd, key=lambda o: (o.kind, o.scope, o.index, o.setting)):
        if item.setting:  # the object is read, that value as Mailgun shows it (``Kind.resource``)
            notes.append(f"Mailgun API: {item}; kept as Mailgun has it, changed only if the manifests set it.")
            continue
        if _may_be_managed(item, wanted) or _may_be_managed(item, locked):
            if item.address:  # named exactly: one the manifests or the lockfile hold
                raise MgsyncError(f"Mailgun API: {item}; please report this.")
            raise MgsyncError(
                f"Mailgun API: GET {item.path} returned 200: {item.problem}; it may be a "
                f"{BY_NAME[item.kind].noun(1)} the manifests or the lockfile name, so nothing is planned."
            )
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


def _canonical_prune(kind_name: str, scope: str) -> tuple[str, str]:
    parent = BY_NAME[kind_name].parent
    return kind_name, parent.identity(scope) if parent is not None else scope


def _confirmations(changes: list[Change]) -> list[str]:
    confirming = {kind.name for kind in KINDS if _confirmed_only(kind)}
    return [
        f"Deleting {c.address} deletes everything in it; apply refuses unless given --delete-{c.address.kind} {c.address.key}."
        for c in changes
        if c.action is Action.DELETE and c.address.kind in confirming
    ]


def _confirmed_only(kind: Kind[Any]) -> bool:
    """Deleting needs ``apply --delete-<name> KEY`` too (``Deletable.confirm_delete``)."""
    return isinstance(kind, Deletable) and kind.confirm_delete


def _without_children_of_deleted(changes: list[Change]) -> list[Change]:
    """Deleting a container (a domain, a list) deletes what lives in it: no separate deletes for those."""
    gone = {c.address for c in changes if c.action is Action.DELETE}
    if not gone:
        return changes  # a plan of 200,000 creates asks nothing of each

    def orphan(change: Change) -> bool:
        if change.action is not Action.DELETE:
            return False
        parent = BY_NAME[change.address.kind].parent_address(change.address)
        while parent is not None and parent not in gone:
            parent = BY_NAME[parent.kind].parent_address(parent)
        return parent is not None

    return [c for c in changes if not orphan(c)]


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
    return [kind.verify(client, key) for kind, key in targets if isinstance(kind, Verifiable)]
