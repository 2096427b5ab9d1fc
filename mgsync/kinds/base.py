"""What every kind shares: the canonical model base class.

A kind's model is its canonical form: the same type whether built from YAML (only the fields the
user wrote are *set*; unset fields are not managed) or from the API (every field set). Fields named
in ``POLICY`` steer mgsync (e.g. how many template versions to keep) and are never diffed or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mgsync.errors import ApiError, MgsyncError, TransportError
from mgsync.changes import Action, Change
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    POLICY: ClassVar[frozenset[str]] = frozenset()
    SECRET: ClassVar[frozenset[str]] = frozenset()

    def managed(self) -> dict[str, Any]:
        """Fields the user set, minus policy fields, as JSON-able data."""
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(self.POLICY))

    def comparable(self) -> dict[str, Any]:
        """Every field (defaults included), minus policy and secret fields."""
        return self.model_dump(mode="json", exclude=set(self.POLICY | self.SECRET))


# --- the adapter interface -------------------------------------------------------------------


class Kind:
    """One kind of Mailgun object: how to read, create, update and delete it.

    ``scope`` says what a read covers: ``account`` (one read for the whole account), ``domain``
    (one read per domain) or ``list`` (one read per mailing list). ``bulk`` kinds (members,
    suppressions) are additive collections: written in batches, never deleted unless pruned, and
    recorded in the lockfile as a digest rather than object by object.
    """

    name: ClassVar[str]
    model: ClassVar[type[Spec]]
    scope: ClassVar[str] = "domain"
    bulk: ClassVar[bool] = False
    deletable: ClassVar[bool] = True
    lock_meta: ClassVar[tuple[str, ...]] = ()  # server facts worth keeping in the lockfile
    confirm_delete: ClassVar[bool] = False  # deleting needs the apply flag --delete-<kind> KEY too
    nouns: ClassVar[tuple[str, str]] = ("", "")  # (one, many) plans count with; default: name, name + "s"

    def noun(self, count: int) -> str:
        """``member`` / ``members``: the word plans and summaries count this kind with."""
        one, many = self.nouns
        return (one or self.name) if count == 1 else (many or f"{self.name}s")

    def address(self, scope: str, name: str) -> Address:
        return Address(self.name, f"{scope}/{name}" if scope else name)

    def scope_of(self, address: Address) -> str:
        return address.scope

    def resource(self, scope: str, name: str, body: dict[str, Any], **meta: Any) -> Resource:
        """An observed object from an answer of the right shape (shape.py) whose values the model may
        still refuse (a setting Mailgun added since): that is one sentence too, never a traceback."""
        address = self.address(scope, name)
        try:
            return Resource(address, self.model.model_validate(body), meta=meta)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise MgsyncError(f"Mailgun API: {address} has a value mgsync cannot read: {where}: {first['msg']} "
                              f"(got {first['input']!r}); please report this.") from None

    def canonical(self, address: Address) -> Address:
        """The address used for matching; kinds keyed by e-mail addresses compare them case-blind."""
        return address

    def protected(self, address: Address) -> bool:
        """Objects Mailgun itself owns: listed, never deleted, even in a pruned scope."""
        return False

    def wanted(self, desired: Spec, observed: Spec) -> dict[str, Any]:
        """The managed fields to compare with ``observed``; kinds with additive fields override."""
        return desired.managed()

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        raise NotImplementedError

    def read_scope(self, client: Client, scope: str, locked: State) -> list[Resource]:
        """``read``, where a scope that is gone (its domain or list answers 404) holds nothing."""
        try:
            return self.read(client, scope, locked)
        except ApiError as err:
            if is_not_found(err):
                return []
            raise

    def create(self, client: Client, change: Change) -> Resource | None:
        raise NotImplementedError

    def update(self, client: Client, change: Change) -> Resource | None:
        raise NotImplementedError

    def delete(self, client: Client, change: Change) -> None:
        raise NotImplementedError

    def apply(self, client: Client, changes: list[Change], done: Done) -> None:
        """Apply changes of one action; ``done`` is called after each successful step."""
        client.map(lambda change: done([change], self.apply_one(client, change)), changes)

    def apply_one(self, client: Client, change: Change) -> Resource | None:
        match change.action:
            case Action.CREATE:
                return self._create_once(client, change)
            case Action.UPDATE:
                return self.update(client, change)
            case Action.DELETE:
                self._delete_once(client, change)
            case Action.FORGET:
                pass
        return None

    def _create_once(self, client: Client, change: Change) -> Resource | None:
        """Create; if the answer was lost (5xx, dropped connection), re-read before deciding.

        A POST is never repeated blindly (DESIGN §3.9): if the object exists now, the create
        committed and the step succeeded; if it does not, sending it again is safe.
        """
        try:
            return self.create(client, change)
        except ApiError as err:
            if not response_lost(err):
                raise
            found = self.find(client, change.address)
            return found if found is not None else self.create(client, change)

    def _delete_once(self, client: Client, change: Change) -> None:
        """Delete; a 404 means it is gone already (deleted by hand, or a retried DELETE had landed)."""
        try:
            self.delete(client, change)
        except ApiError as err:
            if not is_not_found(err):
                raise

    def send_batch(self, client: Client, batch: list[Change], send: Callable[[list[Change]], None]) -> None:
        """Send one bulk batch; after a lost answer, re-read the scope and resend only what is missing."""
        try:
            send(batch)
        except ApiError as err:
            if not response_lost(err):
                raise
            live = {r.address: r for r in self.read_scope(client, self.scope_of(batch[0].address), State())}
            missing = [c for c in batch if not _landed(c, live.get(c.address))]
            if missing:
                send(missing)

    def find(self, client: Client, address: Address) -> Resource | None:
        for resource in self.read_scope(client, self.scope_of(address), State()):
            if resource.address == address:
                return resource
        return None


class BulkKind(Kind):
    """An additive collection written through a batch endpoint (``upsert``), ``batch_size`` per call;
    deletes (only ever in a pruned scope) go one by one. The engine hands one scope at a time."""

    bulk = True
    batch_size: ClassVar[int] = 1000

    def upsert(self, client: Client, batch: list[Change]) -> None:
        raise NotImplementedError

    def apply(self, client: Client, changes: list[Change], done: Done) -> None:
        upserts = [c for c in changes if c.action in (Action.CREATE, Action.UPDATE)]
        deletes = [c for c in changes if c.action is Action.DELETE]
        size = self.batch_size
        batches = [upserts[i : i + size] for i in range(0, len(upserts), size)]
        client.map(lambda batch: done(batch, self.send_batch(client, batch, lambda b: self.upsert(client, b))), batches)
        Kind.apply(self, client, deletes, done)


class EmailKeyed:
    """Mixin for kinds keyed by e-mail addresses (or domains): Mailgun matches those case-blind,
    so ``Bob@Example.org`` in a CSV and ``bob@example.org`` in Mailgun are one object."""

    def canonical(self, address: Address) -> Address:
        return Address(address.kind, address.key.lower())


Done = Callable[[list[Change], Resource | None], None]


def _landed(change: Change, live: Resource | None) -> bool:
    if live is None:
        return False
    have = live.body.comparable()
    return all(have.get(key) == value for key, value in (change.after or {}).items() if key in have)


def response_lost(err: ApiError) -> bool:
    return isinstance(err, TransportError) or err.status >= 500


def form_bool(value: bool) -> str:
    return "true" if value else "false"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def path_quote(value: str) -> str:
    """Quote a path segment, keeping ``@`` and ``+`` literal as Mailgun's own clients do (§1.3)."""
    from mgsync.client import segment

    return segment(value)


def is_not_found(err: ApiError) -> bool:
    return err.status == 404
