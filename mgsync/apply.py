"""Execute a Plan: ordered phases, batched where Mailgun allows, lockfile written after every step.

Phases follow ``plan.changes`` order (creates and updates in registry order, then deletes in reverse),
one kind at a time; inside a phase independent changes run concurrently through the client's bounded
pool, and bulk kinds (members, suppressions) go through their batch endpoints (``Kind.upsert``), at
most ``Bulk.max_batch`` entries of one scope per call. After each successful step the lockfile is
rewritten atomically, so an interrupted apply leaves a true record and a re-run converges.

The policy for lost answers lives here too (DESIGN §3.9): a create or a batch whose answer was lost
(5xx, dropped connection) is never blindly repeated, but re-read first; a delete that finds the
object gone already succeeded. The kinds only make plain calls. This module knows no kind by name.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mgsync.changes import Action, Change
from mgsync.errors import ApiError, NoAnswerError
from mgsync.fingerprint import hash_secret, verify_secret
from mgsync.kinds import BULK_KINDS, BY_NAME, BulkKind, Kind
from mgsync.kinds.base import is_not_found
from mgsync.kinds.capabilities import Deletable, Writable
from mgsync.lockfile import Lockfile
from mgsync.plan import Plan
from mgsync.state import Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

log = logging.getLogger("mgsync.apply")
Progress = Callable[[int, int, str], None]
Done = Callable[[list[Change], Resource | None], None]  # called after each successful step


def execute(client: Client, plan: Plan, lock: Lockfile, progress: Progress | None = None) -> int:
    """Apply every change of ``plan`` in order; returns the number of changes applied."""
    total, applied = len(plan.changes), 0

    def done(changes: list[Change], result: Resource | None) -> None:
        nonlocal applied
        for change in changes:
            _record(lock, change, result if len(changes) == 1 else None)
        lock.write()
        applied += len(changes)
        if progress:
            progress(applied, total, str(changes[-1].address))

    for kind, changes in _phases(plan.changes):
        log.debug("apply: kind=%s changes=%d", kind.name, len(changes))
        if isinstance(kind, BulkKind):
            for _, group in itertools.groupby(changes, key=lambda c: c.address.scope):
                _apply_batched(client, kind, list(group), done)
        else:
            _apply_each(client, kind, changes, done)
    return applied


def _apply_each(client: Client, kind: Kind[Any], changes: list[Change], done: Done) -> None:
    client.pool.map(lambda change: done([change], _apply_one(client, kind, change)), changes)


def _apply_one(client: Client, kind: Kind[Any], change: Change) -> Resource | None:
    match change.action:
        case Action.CREATE:
            return _create_once(client, kind, change)
        case Action.UPDATE:
            return _writable(kind).update(client, change)
        case Action.DELETE:
            _delete_once(client, kind, change)
        case Action.FORGET:
            pass
    return None


def _apply_batched(client: Client, kind: BulkKind[Any], changes: list[Change], done: Done) -> None:
    """One scope of a bulk kind: upserts in batches of ``max_batch``; deletes (pruned only) one by one."""
    upserts = [c for c in changes if c.action in (Action.CREATE, Action.UPDATE)]
    deletes = [c for c in changes if c.action is Action.DELETE]
    size = kind.max_batch
    batches = [upserts[i : i + size] for i in range(0, len(upserts), size)]

    def send(batch: list[Change]) -> None:
        _send_batch(client, kind, batch)
        done(batch, None)

    client.pool.map(send, batches)
    _apply_each(client, kind, deletes, done)


def _writable(kind: Kind[Any]) -> Writable:
    """``kind`` as the ``Writable`` a create or update of one object needs (a plan makes those only
    for such kinds)."""
    if not isinstance(kind, Writable):
        raise TypeError(f"{kind.name}: not Writable, so a plan never creates or updates one object of it")
    return kind


def _create_once(client: Client, kind: Kind[Any], change: Change) -> Resource | None:
    """Create; if the answer was lost (5xx, dropped connection), re-read before deciding.

    A POST is never repeated blindly (DESIGN §3.9): if the object exists now, the create
    committed and the step succeeded; if it does not, sending it again is safe.
    """
    writable = _writable(kind)
    try:
        return writable.create(client, change)
    except ApiError as err:
        if not response_lost(err):
            raise
        found = kind.find(client, change.address)
        return found if found is not None else writable.create(client, change)


def _delete_once(client: Client, kind: Kind[Any], change: Change) -> None:
    """Delete; a 404 means it is gone already (deleted by hand, or a retried DELETE had landed)."""
    if not isinstance(kind, Deletable):
        raise TypeError(f"{change.address}: its kind is not Deletable, so a plan never deletes it")
    try:
        kind.delete(client, change)
    except ApiError as err:
        if not is_not_found(err):
            raise


def _send_batch(client: Client, kind: BulkKind[Any], batch: list[Change]) -> None:
    """Send one bulk batch; after a lost answer, re-read the scope and resend only what is missing."""
    try:
        kind.upsert(client, batch)
    except ApiError as err:
        if not response_lost(err):
            raise
        live = {r.address: r for r in kind.read_scope(client, kind.scope_of(batch[0].address), State())}
        missing = [c for c in batch if not _landed(c, live.get(c.address))]
        if missing:
            kind.upsert(client, missing)


def _landed(change: Change, live: Resource | None) -> bool:
    if live is None:
        return False
    have = live.body.comparable()
    return all(have.get(key) == value for key, value in (change.after or {}).items() if key in have)


def response_lost(err: ApiError) -> bool:
    """A 5xx or a dropped connection: the request may or may not have been committed."""
    return isinstance(err, NoAnswerError) or err.status >= 500


def _phases(changes: list[Change]) -> list[tuple[Kind[Any], list[Change]]]:
    def phase(change: Change) -> tuple[str, bool]:
        return change.address.kind, change.action in (Action.DELETE, Action.FORGET)

    return [(BY_NAME[kind], list(group)) for (kind, _), group in itertools.groupby(changes, key=phase)]


def _record(lock: Lockfile, change: Change, result: Resource | None) -> None:
    if change.address.kind in BULK_KINDS:
        return  # collections are recorded as digests once the apply has re-read them
    kind = BY_NAME[change.address.kind]
    if change.action in (Action.DELETE, Action.FORGET):
        lock.forget(change.address)
        return
    lock.record(
        _applied_resource(kind, change, result), secret_hash=_secret_hash(lock, change), meta_keys=kind.lock_meta
    )


def _applied_resource(kind: Kind[Any], change: Change, result: Resource | None) -> Resource:
    if result is not None:
        return result
    secrets = kind.model.SECRET
    body = {k: v for k, v in (change.after or {}).items() if k not in secrets}
    meta = change.observed.meta if change.observed is not None else {}
    return Resource(change.address, kind.model.model_validate(body), meta=meta)


def _secret_hash(lock: Lockfile, change: Change) -> str | None:
    """A new salted hash for a secret that was just written, else the hash already on record."""
    desired = change.desired
    if desired is None:
        return lock.secret_hash(change.address)
    for name in sorted(desired.body.SECRET & desired.body.model_fields_set):
        value = getattr(desired.body, name)
        if value is not None:
            existing = lock.secret_hash(change.address)
            secret = value.get_secret_value()
            return existing if verify_secret(secret, existing) else hash_secret(secret)
    return lock.secret_hash(change.address)
