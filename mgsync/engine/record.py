"""Applying a plan and recording the result: execute it (``apply.execute``), read again what it
wrote, and bring the lockfile in line with what Mailgun shows (``sync_lock``).

The caller holds the lockfile's lock (``safefile.hold``) from planning to here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from mgsync.apply import Hashes, Progress, Stopping, execute
from mgsync.engine.observe import canonical
from mgsync.engine.planning import Outcome, plan_changes
from mgsync.engine.secrets import SecretCheck, record_secrets_verifier
from mgsync.engine.targets import matches_target
from mgsync.errors import MgsyncError
from mgsync.kinds import BY_NAME
from mgsync.lockfile import Lockfile
from mgsync.state import Address, State, TableKey, sort_key

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.manifest import Desired


def apply_changes(
    client: Client,
    desired: Desired,
    lock: Lockfile,
    outcome: Outcome,
    *,
    targets: tuple[str, ...] = (),
    progress: Progress | None = None,
    hashes: Hashes | None = None,
    stopping: Stopping | None = None,
) -> Outcome:
    """Apply ``outcome.plan``, then re-read and record what Mailgun shows: ``outcome`` with the
    number of changes applied and, when a fresh plan still shows changes, that plan (``pending``).

    The caller holds the lockfile's lock (``safefile.hold``) from planning to here. The lockfile also
    records the digest of the account notes (``Plan.account_digest``), for reviews to show them when changed.
    """
    if outcome.account is not None:  # an older lockfile is adopted; the journal starts from it
        lock.account = outcome.account.record()
    applied = _executed(client, outcome, lock, progress, hashes, stopping)
    after = outcome
    if applied:
        with _folded(lock, f"{applied} of {len(outcome.plan.changes)}"):
            after = plan_changes(client, desired, lock, targets=targets, after=outcome.plan, before=outcome.observed)
    sync_lock(lock, desired, after.observed, targets, after.secrets)
    if not targets:  # the account notes as the plan after this apply shows them; a targeted plan has only its own
        lock.account_notes = after.plan.account_digest
    lock.write()
    return replace(outcome, applied=applied, pending=None if after.plan.empty else after.shown)


def _executed(
    client: Client,
    outcome: Outcome,
    lock: Lockfile,
    progress: Progress | None,
    hashes: Hashes | None,
    stopping: Stopping | None,
) -> int:
    """``apply.execute`` with the lockfile's journal open; when it fails, the journal is folded into the
    lockfile before the error goes on (if even that cannot be written, the journal stays for the next read)."""
    if outcome.plan.empty:
        return 0
    lock.open_journal()
    with _folded(lock):
        return execute(client, outcome.plan, lock, progress, hashes, stopping)


@contextlib.contextmanager
def _folded(lock: Lockfile, reread_after: str = "") -> Iterator[None]:
    """When the block fails, the journal is folded into the lockfile before the error goes on (if even
    that cannot be written, the journal stays for the next read). ``reread_after``: the block is the
    re-read after an apply of that many changes, and its error says only the re-read failed."""
    try:
        yield
    except BaseException as err:
        with contextlib.suppress(MgsyncError, OSError):
            lock.write()
        if reread_after and isinstance(err, MgsyncError):
            err.args = (
                f"Reading Mailgun again after the apply failed: {err}. Every change was applied ({reread_after}), "
                "each recorded in the lockfile; run mgsync plan to see whether Mailgun shows them all",
            )
        raise


def sync_lock(
    lock: Lockfile,
    desired: Desired,
    observed: State,
    targets: tuple[str, ...],
    secrets: SecretCheck | None = None,
    digests: Mapping[TableKey, str] | None = None,
) -> None:
    """Record every declared object Mailgun now shows; forget what is neither declared nor live;
    keep the combined secrets verifier true (``secrets``: what the last plan found). ``digests``:
    the ``collection_digest`` of whole live collections (canonical), made while they were read."""
    wanted, observed = canonical(desired.state), canonical(observed)
    _sync_objects(lock, wanted, observed, targets)
    if not targets:
        lock.collections.clear()
    for (kind_name, scope), entries in sorted(wanted.tables.items()):
        table = observed.tables.get((kind_name, scope), {})
        if not targets and table.keys() <= entries.keys():  # every live entry declared: the table as it is
            if table:
                lock.record_collection(kind_name, scope, table, (digests or {}).get((kind_name, scope)))
            continue
        names = (
            [n for n in entries if n in table and _in_scope(Address(kind_name, f"{scope}/{n}"), targets)]
            if targets
            else entries.keys() & table.keys()
        )
        whole = (digests or {}).get((kind_name, scope)) if len(names) == len(table) else None
        if names:
            lock.record_collection(kind_name, scope, {name: table[name] for name in names}, whole)
    record_secrets_verifier(lock, wanted, secrets)


def _sync_objects(lock: Lockfile, wanted: State, observed: State, targets: tuple[str, ...]) -> None:
    """Forget the recorded objects not both declared and live; record the declared live ones."""
    for address in [a for a in lock.state() if _in_scope(a, targets)]:
        key = BY_NAME[address.kind].canonical(address)
        if key != address or key not in wanted or key not in observed:
            lock.forget(address)
    for address in sorted(wanted.objects, key=sort_key):
        live = observed.objects.get(address)
        if _in_scope(address, targets) and live is not None:
            lock.record(live, secret_hash=lock.secret_hash(address), meta_keys=BY_NAME[address.kind].lock_meta)


def _in_scope(address: Address, targets: tuple[str, ...]) -> bool:
    return not targets or matches_target(address, targets)
