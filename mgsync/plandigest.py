"""What identifies a plan and what it saw, as digests: the plan's digest (what its changes do,
secrets masked: ``apply --expect-plan``), the digest of the notes on the account (the lockfile's
``account_notes``) and the live objects' fingerprints a saved plan keeps (``LiveFingerprints``).
Made in C loops where 200,000 bulk creates would otherwise cost a dict and a JSON encoder each.
Knows nothing of how a plan is made (``plan.py``) or shown (``render/``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import groupby
from json.encoder import encode_basestring  # the escaper json.dumps uses (C)
from operator import attrgetter
from typing import Any, TypeVar

from mgsync.changes import Action, Change, deferred
from mgsync.fingerprint import canonical_cells, canonical_json, fingerprint
from mgsync.rows import Row
from mgsync.state import Address, State

_T = TypeVar("_T")


def account_digest(notes: Iterable[str]) -> str | None:
    """What apply and import record in the lockfile of the notes on the account (``Plan.account_notes``):
    a digest of their sorted texts, so a review can tell whether they changed since (None: no notes)."""
    texts = sorted(notes)
    return fingerprint(texts) if texts else None


def digest_texts(changes: list[Change]) -> list[str]:
    """``canonical_json(_digest_entry(change))`` of every change, in no particular order: the creates
    of bulk entries (200,000 in an apply from empty of a large account) column by column, per kind and
    set of written fields, with no dict or JSON encoder run per change (the same texts: tested)."""
    later, others = deferred(changes)
    texts = [canonical_json(_digest_entry(change)) for change in others]
    bodies = list(map(attrgetter("desired.body"), later))  # a deferred create has its desired row
    keys = zip(map(attrgetter("address.kind"), later), map(type, bodies), map(attrgetter("model_fields_set"), bodies))
    # Each kind's rows, by the fields their source set: a few keys, in runs (a plan is in kind order),
    # so one pass finds where each run starts and ends, and the rows of a key are sliced out run by run.
    runs: dict[tuple[str, type[Any], frozenset[str]], list[slice]] = {}
    start = 0
    for key, run in groupby(keys):
        end = start + len(list(run))
        runs.setdefault(key, []).append(slice(start, end))
        start = end
    for (kind, _, names), slices in runs.items():
        texts += _create_texts(kind, sorted(names), _sliced(later, slices), _sliced(bodies, slices))
    return texts


def _sliced(items: list[_T], slices: list[slice]) -> list[_T]:
    return [item for part in slices for item in items[part]]


def _create_texts(kind: str, names: list[str], changes: list[Change], bodies: list[Row]) -> Iterable[str]:
    """The digest texts of creates of one kind's bulk entries (``bodies``: their rows) that set the
    same ``names`` (sorted): ``{"action":"create","address":…,"after":{name:value,…}}``, a body being
    the row's ``managed()`` (lists and dicts as JSON writes a row's tuples and dicts), keys sorted as
    ``canonical_json`` sorts them."""
    keys = ",".join(canonical_json(name).replace("%", "%%") + ":%s" for name in names)  # literal text of a % template
    template = '{"action":"create","address":%s,"after":{' + keys + "}}"
    addresses = map(encode_basestring, map(f"{kind}:".__add__, map(attrgetter("address.key"), changes)))
    columns = [canonical_cells(list(map(attrgetter(name), bodies))) for name in names]
    return map(template.__mod__, zip(addresses, *columns))


def _digest_entry(change: Change) -> dict[str, Any]:
    """What a change does: its fields for an update, the object for a create or delete. The rest of
    an observed body (fields mgsync does not manage) may change without changing what apply sends."""
    entry: dict[str, Any] = {"address": str(change.address), "action": change.action.value}
    match change.action:
        case Action.CREATE:
            entry["after"] = change.after
        case Action.UPDATE:
            entry["fields"] = [[f.path, f.before, f.after] for f in change.fields]
        case Action.DELETE | Action.FORGET:
            entry["before"] = change.before
    return entry


class LiveFingerprints(Mapping[str, str]):
    """``address -> fingerprint`` of the live objects, computed when asked: a saved plan needs those
    of the objects it changes only, so a plan of 200,000 objects hashes a handful, not all of them."""

    def __init__(self, observed: State, seal: Callable[[Any], Any] | None = None) -> None:
        self._observed, self._seal = observed, seal
        self._known: dict[str, str] = {}

    def sealed(self, seal: Callable[[Any], Any]) -> LiveFingerprints:
        """The same, of each body as shown (``engine.sealing``): a digest of a value from ``${env:}``
        would let anyone who has the rest of the object guess a short one."""
        return LiveFingerprints(self._observed, seal)

    def __getitem__(self, key: str) -> str:
        if key not in self._known:
            resource = self._observed.get(Address.parse(key))
            if resource is None:
                raise KeyError(key)
            body = resource.body.comparable()
            self._known[key] = fingerprint(body if self._seal is None else self._seal(body))
        return self._known[key]

    def __iter__(self) -> Iterator[str]:
        return (str(address) for address in self._observed)

    def __len__(self) -> int:
        return len(self._observed)
