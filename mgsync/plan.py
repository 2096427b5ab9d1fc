"""The diff: desired, observed and locked state in; a ``Plan`` of ``Change`` data out.

This is the one place deepdiff is used, and only on matched pairs of one object each: collections
are matched by address first (keyed, linear), so a 50,000-member list costs 50,000 dict lookups, not
a deep comparison of two lists. Ownership (the README's "Ownership and the lockfile" and "Pruning")
is decided here: an observed object that is not desired is deleted only if the lockfile says mgsync
manages it or its scope is pruned; members and suppressions are never deleted without pruning. So
are the safety thresholds (``Plan.over_threshold``). This module prints nothing and sends nothing;
rendering lives in ``render/`` and execution in ``apply.py``; a plan's digests are ``plandigest.py``'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from mgsync.changes import SENSITIVE, SENSITIVE_CHANGED, Action, Change, Drift, FieldChange, Key
from mgsync.errors import UnsafePlanError
from mgsync.fingerprint import fingerprint_texts
from mgsync.kinds import BULK_KINDS, BY_NAME, DELETABLE_KINDS, PRUNABLE_KINDS, Deletable
from mgsync.kinds.base import Kind
from mgsync.plandigest import LiveFingerprints, account_digest, digest_texts
from mgsync.rows import Row, all_settled, settled
from mgsync.state import Address, Body, Entries, Resource, State, sort_key

THRESHOLD = 0.30  # apply refuses, without --force, to delete or update more than this share of a kind's
MIN_EXISTING = 10  # managed objects when at least this many exist (octoDNS's safety threshold)
MASS_ACTIONS = frozenset((Action.UPDATE, Action.DELETE))  # what the thresholds count


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    unmanaged: dict[str, list[Address]] = field(default_factory=dict)  # kind -> live, never managed
    existing: dict[str, int] = field(default_factory=dict)  # kind -> live objects managed (thresholds' whole)
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # address -> live fingerprint
    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # what apply refuses whatever the flags (also in notes)
    account_notes: list[str] = field(default_factory=list)  # on the account, not this change (also in notes)
    targets: tuple[str, ...] = ()  # the plan covers only these addresses or globs (``--target``)
    unmatched: tuple[str, ...] = ()  # those of ``targets`` that match nothing (also a note each)

    @property
    def empty(self) -> bool:
        return not any(c.action is not Action.FORGET for c in self.changes)

    @property
    def digest(self) -> str:
        """``sha256:…`` of what the changes do, secrets masked: the same for the same changes whatever
        the output format, colour or order, so ``apply --expect-plan`` can insist on the reviewed plan."""
        return fingerprint_texts(sorted(digest_texts(self.changes)))

    @property
    def account_digest(self) -> str | None:
        """The lockfile's record of ``account_notes`` (``account_digest``)."""
        return account_digest(self.account_notes)

    def counts(self) -> dict[Action, int]:
        result = dict.fromkeys(Action, 0)
        for change in self.changes:
            result[change.action] += 1
        return result

    def raise_if_unsafe(self, *, force: bool, confirmed: frozenset[str]) -> None:
        """Refuse a deletion that needs its naming flag (a domain's) without it, and mass changes
        without --force (``over_threshold``). ``confirmed`` holds the addresses named on the
        command line. A kind's refusal (a create-only setting changed on a live object) is never
        overridden."""
        if self.refusals:
            raise UnsafePlanError(f"Refusing to apply: {self.refusals[0]}")
        confirming = {kind.name for kind in BY_NAME.values() if isinstance(kind, Deletable) and kind.confirm_delete}
        for change in self.changes:
            kind = change.address.kind
            if change.action is Action.DELETE and kind in confirming and str(change.address) not in confirmed:
                raise UnsafePlanError(
                    f"Refusing to apply: plan deletes {change.address}, and everything in it. "
                    f"Re-run with --delete-{kind} {change.address.key} to confirm."
                )
        crossed = self.over_threshold()
        if crossed and not force:
            raise UnsafePlanError(f"Refusing to apply: plan {crossed[0]}. Re-run with --force to proceed.")

    def over_threshold(self) -> list[str]:
        """Each mass change apply refuses without --force, as ``deletes 6 of 12 route objects (50% > 30%)``:
        more than ``THRESHOLD`` of the live objects of a kind that the plan manages (``existing``: those
        listed as not managed cannot change, so they do not count), when there are ``MIN_EXISTING`` or more."""
        # the updates and deletes picked in C: an apply from empty of a large account plans 200,000 creates
        picked = compress(self.changes, map(MASS_ACTIONS.__contains__, map(attrgetter("action"), self.changes)))
        counted = Counter((change.address.kind, change.action) for change in picked)
        found = []
        for (kind, action), count in sorted(counted.items()):
            existing = self.existing.get(kind, 0)
            if existing >= MIN_EXISTING and count / existing > THRESHOLD:
                verb = "deletes" if action is Action.DELETE else "updates"
                found.append(f"{verb} {count} of {existing} {kind} objects ({count / existing:.0%} > {THRESHOLD:.0%})")
        return found

    def threshold_notes(self) -> list[str]:
        """The plan's word on each of ``over_threshold``, before anyone merges it."""
        return [
            f"This plan {crossed}, over the safety threshold; apply refuses it unless given --force."
            for crossed in self.over_threshold()
        ]

    def by_kind(self) -> dict[str, list[Change]]:
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.address.kind, []).append(change)
        return grouped


@dataclass(frozen=True)
class Inputs:
    desired: State
    observed: State
    locked: State
    prune: frozenset[tuple[str, str]]
    secret_matches: frozenset[Address] = frozenset()  # desired secrets that match the lockfile's hash


def masked(resource: Resource, *, managed_only: bool = False) -> dict[str, Any]:
    body = resource.body.managed() if managed_only else resource.body.comparable()
    for name in resource.body.SECRET:
        if name in resource.body.model_fields_set and getattr(resource.body, name) is not None:
            body[name] = SENSITIVE
    return body


def field_changes(
    before: Mapping[str, Any], wanted: Mapping[str, Any], model: Body | None = None
) -> tuple[FieldChange, ...]:
    """Field-level differences for the keys ``wanted`` sets, with structured paths.

    Nested models (tracking's ``open``/``click`` sections) are compared key by key, so an unset
    sub-field stays unmanaged; map values (member ``vars``, template ``headers``) are diffed per key;
    a change inside a list is reported on the whole list field. Paths come from deepdiff's tree view
    as lists of keys, so a key holding ``.``, ``'`` or ``]`` stays one key.
    """
    restricted = _restrict(before, wanted, model) if model is not None else dict(before)
    if restricted == wanted:
        return ()  # the common case, without deepdiff's cost
    from deepdiff import DeepDiff  # imported when a field differs: a no-op plan never needs it

    diff = DeepDiff(restricted, dict(wanted), ignore_order=False, view="tree")
    paths: dict[tuple[Key, ...], FieldChange] = {}
    for report in diff.values():
        for node in report:
            path = _up_to_list(node.path(output_format="list"))
            paths[path] = FieldChange(path, _lookup(before, path), _lookup(wanted, path))
    return tuple(paths[p] for p in sorted(paths, key=lambda p: [str(k) for k in p]))


def _up_to_list(path: list[Key]) -> tuple[Key, ...]:
    """The path down to the first list index: list changes are reported on the whole list."""
    keys: list[Key] = []
    for key in path:
        if isinstance(key, int):
            break
        keys.append(key)
    return tuple(keys)


def _restrict(before: Mapping[str, Any], wanted: Mapping[str, Any], model: object) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in wanted.items():
        sub = getattr(model, key, None)
        if isinstance(sub, BaseModel) and isinstance(before.get(key), Mapping):
            result[key] = _restrict(before[key], value, sub)
        elif key in before:
            result[key] = before[key]
    return result


def _lookup(data: Any, path: tuple[Key, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def diff(inputs: Inputs, kinds: Iterable[Kind[Any]]) -> Plan:
    return Differ(inputs, kinds).finish(inputs)


class Differ:
    """The diff, made as live state arrives: ``table`` compares one bulk collection as soon as its
    read is done (the caller's thread works while the pool reads on); ``finish`` compares the rest,
    given everything, and orders the plan. ``inputs.observed`` is not used before ``finish``."""

    def __init__(self, inputs: Inputs, kinds: Iterable[Kind[Any]]) -> None:
        self.plan, self.inputs = Plan(), inputs
        self.registry = {k.name: k for k in kinds}
        self._compared: set[tuple[str, str]] = set()

    def table(self, kind_name: str, scope: str, live: Entries) -> None:
        """Compare the desired collection (kind, scope) with its live entries, read completely."""
        self._compared.add((kind_name, scope))
        _diff_table(self.plan, self.inputs, self.registry[kind_name], scope, live)

    def finish(self, inputs: Inputs) -> Plan:
        """Compare what ``table`` has not, with ``inputs`` (the same, with everything observed)."""
        plan, registry, self.inputs = self.plan, self.registry, inputs
        plan.fingerprints = LiveFingerprints(inputs.observed)
        states = (inputs.desired, inputs.observed, inputs.locked)
        for address in sorted({a for state in states for a in state.objects}, key=sort_key):
            _diff_one(plan, inputs, registry[address.kind], address)
        for kind_name, scope in sorted({key for state in states for key in state.tables} - self._compared):
            _diff_table(plan, inputs, registry[kind_name], scope, inputs.observed.tables.get((kind_name, scope), {}))
        plan.changes[:] = _in_order(plan.changes, list(registry))
        plan.unmanaged = {kind: sorted(found, key=sort_key) for kind, found in sorted(plan.unmanaged.items())}
        return plan


def _diff_table(plan: Plan, inputs: Inputs, kind: Kind[Any], scope: str, live: Entries) -> None:
    """A bulk collection, entry by entry on the plain entry tuples: an entry whose written values
    equal the live ones (``settled``, one C comparison) costs a lookup; resources are made only for
    the entries that change or are not declared. Bulk entries are never in the lockfile's resources."""
    wanted = inputs.desired.tables.get((kind.name, scope), {})
    if live:
        plan.existing[kind.name] = plan.existing.get(kind.name, 0) + len(live)
    if not live:  # all of it to create (an apply from empty): a change per entry and no more
        plan.changes.extend(
            Change.create(Resource(Address(kind.name, f"{scope}/{name}"), Row.from_entry(entry)), None)
            for name, entry in wanted.items()
        )
        return
    for name, entry in () if all_settled(wanted, live) else wanted.items():
        have = live.get(name)
        if have is not None and settled(entry, have):
            continue
        address = Address(kind.name, f"{scope}/{name}")
        observed = None if have is None else Resource(address, Row.from_entry(have))
        change = _converge(inputs, kind, Resource(address, Row.from_entry(entry)), observed)
        if change is not None:
            plan.changes.append(change)
    for name in live.keys() - wanted.keys():
        address = Address(kind.name, f"{scope}/{name}")
        change = _undeclared(plan, inputs, kind, Resource(address, Row.from_entry(live[name])), managed=False)
        if change is not None:
            plan.changes.append(change)


def _diff_one(plan: Plan, inputs: Inputs, kind: Kind[Any], address: Address) -> None:
    desired = inputs.desired.get(address)
    observed = inputs.observed.get(address)
    locked = inputs.locked.get(address)
    if observed is not None:
        plan.existing[address.kind] = plan.existing.get(address.kind, 0) + 1
    if locked is not None and kind.name not in BULK_KINDS:
        _drift(plan, kind, locked, observed)
    if desired is not None:
        change = _converge(inputs, kind, desired, observed)
    elif observed is not None:
        change = _undeclared(plan, inputs, kind, observed, managed=locked is not None)
    else:
        change = None  # locked but gone from both: dropped from the lockfile on the next write
    if change is not None:
        plan.changes.append(change)


def _converge(inputs: Inputs, kind: Kind[Any], desired: Resource, observed: Resource | None) -> Change | None:
    if observed is None:
        return Change.create(desired, None if isinstance(desired.body, Row) else masked(desired, managed_only=True))
    return update_to(kind, desired, observed, secrets_match=desired.address in inputs.secret_matches)


def update_to(kind: Kind[Any], desired: Resource, observed: Resource, *, secrets_match: bool) -> Change | None:
    """The update that makes ``observed`` what ``desired`` declares, or None when it is so already;
    ``secrets_match``: the secrets ``desired`` sets are known to be live (none is sent again)."""
    secrets = desired.body.SECRET
    wanted = {k: v for k, v in kind.wanted(desired, observed).items() if k not in secrets}
    fields = list(field_changes(observed.body.comparable(), wanted, desired.body))
    for name in sorted(secrets & desired.body.model_fields_set):
        if getattr(desired.body, name) is not None and not secrets_match:
            fields.append(FieldChange((name,), SENSITIVE, SENSITIVE_CHANGED))
    if not fields:
        return None
    before = masked(observed)
    after = deep_merge(before, {**wanted, **{f.field: f.after for f in fields if f.field in secrets}})
    return Change(desired.address, Action.UPDATE, before, after, tuple(fields), desired, observed)


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merged[key] = deep_merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _undeclared(plan: Plan, inputs: Inputs, kind: Kind[Any], observed: Resource, *, managed: bool) -> Change | None:
    address = observed.address
    pruned = (address.kind, kind.scope_of(address)) in inputs.prune and not _protected(kind, address)
    if (managed and kind.name not in BULK_KINDS) or pruned:
        action = Action.DELETE if kind.name in DELETABLE_KINDS else Action.FORGET
        return Change(address, action, masked(observed), None, observed=observed)
    plan.unmanaged.setdefault(address.kind, []).append(address)
    plan.existing[address.kind] -= 1  # counted when seen; left alone, it is not part of a threshold's whole
    return None


def _protected(kind: Kind[Any], address: Address) -> bool:
    """Mailgun's own object in a pruned scope (``Prunable.protected``): listed, never deleted."""
    prunable = PRUNABLE_KINDS.get(kind.name)
    return prunable is not None and prunable.protected(address)


def _drift(plan: Plan, kind: Kind[Any], locked: Resource, observed: Resource | None) -> None:
    if observed is None:
        plan.drift.append(Drift(locked.address, (), deleted=True))
        return
    fields = field_changes(kind.recorded(locked, observed), observed.body.comparable())
    if fields:
        plan.drift.append(Drift(locked.address, fields))


def _in_order(changes: list[Change], kinds: list[str]) -> list[Change]:
    """Creates and updates in registry order (``kinds``), then deletes in reverse registry order; by
    key within a kind. Sorted kind by kind on the key alone, a comparison of strings in C: an apply
    from empty of a large account has 200,000 changes."""
    making: dict[str, list[Change]] = {}
    ending: dict[str, list[Change]] = {}
    for change in changes:
        (ending if change.action in _ENDING else making).setdefault(change.address.kind, []).append(change)
    unknown = (making.keys() | ending.keys()) - set(kinds)
    if unknown:  # never: every change is of a registered kind; none may be left out unsaid
        raise KeyError(min(unknown))
    result: list[Change] = []
    for found, order in ((making, kinds), (ending, kinds[::-1])):
        for kind in order:
            result += sorted(found.get(kind, ()), key=_KEY)
    return result


_ENDING = (Action.DELETE, Action.FORGET)
_KEY = attrgetter("address.key")
