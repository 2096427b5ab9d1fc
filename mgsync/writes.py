"""One step of an apply, sent once: the policy for lost answers (README, "Connecting to Mailgun").

A create or a bulk batch whose answer was lost (5xx, a dropped connection) is never blindly repeated:
the object or the batch's scope is read again first, and only what did not land is sent (a create
found done is finished with an update of what it lacks). A delete that finds the object gone already
succeeded. The kinds only make plain calls; ``apply.py`` decides when each step runs and records it.
This module knows no kind by name.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mgsync.changes import Action, Change
from mgsync.errors import ApiError
from mgsync.kinds import BulkKind, Kind
from mgsync.kinds.base import is_not_found, response_lost
from mgsync.kinds.capabilities import Deletable, Writable
from mgsync.plan import update_to
from mgsync.state import Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

log = logging.getLogger("mgsync.apply")


def apply_one(client: Client, kind: Kind[Any], change: Change) -> Resource | None:
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


def _writable(kind: Kind[Any]) -> Writable:
    """``kind`` as the ``Writable`` a create or update of one object needs (a plan makes those only
    for such kinds)."""
    if not isinstance(kind, Writable):
        raise TypeError(f"{kind.name}: not Writable, so a plan never creates or updates one object of it")
    return kind


def _create_once(client: Client, kind: Kind[Any], change: Change) -> Resource | None:
    """Create; if the answer was lost (5xx, dropped connection), re-read before deciding.

    A POST is never repeated blindly (the policy in the module docstring): if the object exists now,
    the create committed, and what it still lacks is sent as an update (``_finished``); if it does
    not, sending it again is safe.
    """
    writable = _writable(kind)
    try:
        return writable.create(client, change)
    except ApiError as err:
        if not response_lost(err):
            raise
        found = kind.find(client, change.address)
        return _finished(client, kind, change, found) if found is not None else writable.create(client, change)


def _finished(client: Client, kind: Kind[Any], change: Change, found: Resource) -> Resource:
    """A create found done after its answer was lost: a create of several calls (a domain's POST, then
    the PUT of its ``mailfrom_host``) may have stopped after its first, so what ``found`` lacks is sent
    now as an update. Recorded as sent: what the create sent (a domain's create-only settings, which
    Mailgun does not show) over what was found (its id). Its secrets went with the create that landed."""
    desired = change.desired
    if desired is None:
        raise TypeError(f"{change.address}: a create without its desired object")
    rest = update_to(kind, desired, found, secrets_match=True)
    if rest is not None:
        finishing = ", ".join(sorted({f.field for f in rest.fields}))  # names only: a value may be from ${env:}
        log.debug("apply: %s found created after a lost answer; finishing: %s", change.address, finishing)
        _writable(kind).update(client, rest)
    sent = {k: v for k, v in (change.after or {}).items() if k not in kind.model.SECRET}
    return Resource(change.address, kind.model.model_validate({**found.body.comparable(), **sent}), meta=found.meta)


def _delete_once(client: Client, kind: Kind[Any], change: Change) -> None:
    """Delete; a 404 means it is gone already (deleted by hand, or a retried DELETE had landed)."""
    if not isinstance(kind, Deletable):
        raise TypeError(f"{change.address}: its kind is not Deletable, so a plan never deletes it")
    try:
        kind.delete(client, change)
    except ApiError as err:
        if not is_not_found(err):
            raise


def send_batch(client: Client, kind: BulkKind[Any], batch: list[Change]) -> None:
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
