"""What a kind may provide beyond the core ``Kind``: small opt-in protocols, one per capability.

A kind declares what it provides by naming these protocols among its base classes (``class
WebhookKind(Kind[Webhook], Writable, Deletable, Prunable)``); callers that depend on a capability
ask ``isinstance(kind, Deletable)``, never ``hasattr``. The registry test (tests/test_architecture.py)
checks every kind against its declaration: it defines each required member of a protocol it declares
(a bare ``...`` here is required; a member with a body here is an optional default) and no member
of one it does not. Each protocol has a member the core lacks, so a kind that does not declare it
never passes for one.

Knows no kind, no engine and no manifest file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from mgsync.changes import Change, Notice
from mgsync.state import Address, Entries, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.output import Output


@runtime_checkable
class Writable(Protocol):
    """Objects apply creates and updates one at a time (``writes.apply_one``)."""

    def create(self, client: Client, change: Change) -> Resource | None: ...

    def update(self, client: Client, change: Change) -> Resource | None: ...


@runtime_checkable
class Deletable(Protocol):
    """Objects apply deletes when the manifests drop them; a kind without it has its dropped objects
    forgotten (left in Mailgun, gone from the lockfile). ``confirm_delete``: deleting also needs
    ``apply --delete-<name> KEY``."""

    confirm_delete: ClassVar[bool] = False

    def delete(self, client: Client, change: Change) -> None: ...


@runtime_checkable
class Bulk(Protocol):
    """An additive collection (members, suppressions; ``base.BulkKind``): written in batches of at
    most ``max_batch`` (an API fact) through ``upsert``, read and exported as a table of entries,
    recorded in the lockfile as a digest."""

    max_batch: ClassVar[int]

    def upsert(self, client: Client, batch: list[Change]) -> None:
        """Create or update up to ``max_batch`` entries of one scope in one call."""
        ...

    def read_table(self, client: Client, scope: str) -> Entries: ...

    def export_table(self, out: Output, scope: str, entries: Entries) -> Any: ...


@runtime_checkable
class Prunable(Protocol):
    """``prune: [<section>]`` in the parent owns the whole collection: live objects no manifest
    declares are deleted, except those ``protected`` says Mailgun itself owns (listed, never deleted)."""

    def protected(self, address: Address) -> bool:
        return False


@runtime_checkable
class Verifiable(Protocol):
    """``apply --verify-<name> KEY`` asks Mailgun to re-check the object now."""

    def verify(self, client: Client, key: str) -> str:
        """Ask Mailgun to re-check the object now; one sentence on the outcome."""
        ...


@runtime_checkable
class Reviewable(Protocol):
    """The plan says more about a declared object than its changes (``engine.planning``)."""

    def review(self, desired: Resource, observed: Resource | None) -> list[Notice]:
        """Its live status, the step a change waits for, or a refusal (``Notice.refuse``) that apply
        never overrides."""
        ...


@runtime_checkable
class Lossy(Protocol):
    """Applying a change ends more than its address says, for the caution at the top of a review."""

    def losses(self, change: Change) -> list[str]:
        """One phrase each: deliveries to a removed URL, the members of a deleted list."""
        ...

    def weigh(self, client: Client, live: Resource, change: Change) -> Resource:
        """``live`` with what ``losses`` weighs that its read leaves out, read apart (a template's
        versions: a request each): a plan asks for the live side of each of its changes. By default
        nothing is left out: ``live`` as it is, nothing read."""
        return live


@runtime_checkable
class OwnFile(Protocol):
    """An account-level kind: ``import`` writes its objects to files of their own (``import_file``;
    ``{key}`` in it: one file per object), headed by ``import_title``."""

    import_file: ClassVar[str]
    import_title: ClassVar[str]
    import_filter: ClassVar[bool] = False  # ``mgsync import --<name> KEY`` narrows import to KEY

    def import_names(self, observed: State) -> list[str]:
        """Rename observed objects to names a manifest can hold before import; notes saying why."""
        return []

    def export_comment(self, resource: Resource) -> str:
        """A comment import writes above an object's entry."""
        return ""


def left_out_duplicates(observed: State, kind: str, note: Callable[[Resource], str]) -> list[str]:
    """Objects of ``kind`` named ``<key>#<id>`` because another holds their key (``meta["duplicate"]``:
    forwards sharing a match, account webhooks sharing a URL) cannot be manifest keys: each is left out
    of ``observed`` for import, with ``note(object)``."""
    notes = []
    for duplicate in [r for r in observed.of_kind(kind) if r.meta.get("duplicate")]:
        observed.remove(duplicate.address)
        notes.append(note(duplicate))
    return notes


CAPABILITIES: tuple[type, ...] = (Writable, Deletable, Bulk, Prunable, Verifiable, Reviewable, Lossy, OwnFile)
