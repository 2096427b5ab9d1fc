"""Execute a Plan: ordered phases, batched where Mailgun allows, lockfile written after every step.

Phases follow ``plan.changes`` order (creates and updates in registry order, then deletes in reverse),
one kind at a time; inside a phase independent changes run concurrently through the client's bounded
pool, and bulk kinds (members, suppressions) go through their batch endpoints, one batch per call.
After each successful step the lockfile is rewritten atomically, so an interrupted apply leaves a
true record and a re-run converges. This module knows no kind by name.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from mgsync.changes import Action, Change
from mgsync.fingerprint import hash_secret, verify_secret
from mgsync.kinds import BY_NAME, Kind
from mgsync.lockfile import Lockfile
from mgsync.plan import Plan
from mgsync.state import Resource

if TYPE_CHECKING:
    from mgsync.client import Client

log = logging.getLogger("mgsync.apply")
Progress = Callable[[int, int, str], None]


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
        if kind.bulk:
            for _, group in itertools.groupby(changes, key=lambda c: c.address.scope):
                kind.apply(client, list(group), done)
        else:
            kind.apply(client, changes, done)
    return applied


def _phases(changes: list[Change]) -> list[tuple[Kind, list[Change]]]:
    def phase(change: Change) -> tuple[str, bool]:
        return change.address.kind, change.action in (Action.DELETE, Action.FORGET)

    return [(BY_NAME[kind], list(group)) for (kind, _), group in itertools.groupby(changes, key=phase)]


def _record(lock: Lockfile, change: Change, result: Resource | None) -> None:
    kind = BY_NAME[change.address.kind]
    if kind.bulk:
        return  # collections are recorded as digests once the apply has re-read them
    if change.action in (Action.DELETE, Action.FORGET):
        lock.forget(change.address)
        return
    lock.record(_applied_resource(kind, change, result), secret_hash=_secret_hash(lock, change), meta_keys=kind.lock_meta)


def _applied_resource(kind: Kind, change: Change, result: Resource | None) -> Resource:
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
