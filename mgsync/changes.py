"""Changes as data: what the plan decided and the apply executes, free of any rendering.

``Change(address, action, before, after, fields)`` in Terraform's vocabulary. ``before``/``after``
are JSON-able dicts with secrets already masked; ``desired``/``observed`` carry the full resources
for the executor and are never rendered or saved.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_, not_
from typing import Any

from mgsync.rows import Row
from mgsync.state import Address, Resource

SENSITIVE = "(sensitive value)"
SENSITIVE_CHANGED = "(sensitive value changed)"


class Action(str, enum.Enum):  # noqa: UP042  (StrEnum would change str() of a member)
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    FORGET = "forget"  # stop managing, leave the object as it is (kinds that cannot be deleted)

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "forget": "."}[self.value]


Key = str | int


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field. ``path`` holds keys, never a string to parse: ``("open", "active")`` for a
    nested model field, ``("vars", "plan.tier")`` for a map key of any content, ``("urls",)`` for a
    list (element changes are reported on the whole list, whose before/after render can compare)."""

    path: tuple[Key, ...]
    before: Any
    after: Any

    @property
    def field(self) -> str:
        """The top-level field this change belongs to (what an update must send)."""
        return str(self.path[0])


class Change:
    """One change: ``Change(address, action, before, after, fields, desired, observed)``, frozen.

    Applying a large account from empty plans 200,000 creates of bulk entries, so a change is slotted
    and the create of a bulk entry (``desired`` a ``Row``: no secrets to mask) keeps no ``after`` of
    its own: ``after`` is the entry's managed fields, made when read (``Change.create``).
    Equality is on address, action, before, after and fields, as for a dataclass with ``desired``
    and ``observed`` left out of the comparison.
    """

    __slots__ = ("_after", "action", "address", "before", "desired", "fields", "observed")
    address: Address
    action: Action
    before: dict[str, Any] | None  # observed (secrets masked)
    _after: dict[str, Any] | None
    fields: tuple[FieldChange, ...]
    desired: Resource | None
    observed: Resource | None

    def __init__(
        self,
        address: Address,
        action: Action,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        fields: tuple[FieldChange, ...] = (),
        desired: Resource | None = None,
        observed: Resource | None = None,
    ) -> None:
        # frozen: each slot set through its own setter, unrolled (200,000 changes in a large plan), which
        # takes half the time ``object.__setattr__`` takes to find the slot by its name
        _SET_ADDRESS(self, address)
        _SET_ACTION(self, action)
        _SET_BEFORE(self, before)
        _SET_AFTER(self, after)
        _SET_FIELDS(self, fields)
        _SET_DESIRED(self, desired)
        _SET_OBSERVED(self, observed)

    @classmethod
    def create(cls, desired: Resource, after: dict[str, Any] | None) -> Change:
        """The create of ``desired``; ``after`` (its managed fields, secrets masked) is not kept for a bulk entry."""
        return cls(
            desired.address, Action.CREATE, None, _LATER if isinstance(desired.body, Row) else after, desired=desired
        )

    @property
    def after(self) -> dict[str, Any] | None:
        """What the object will be (secrets masked)."""
        if self._after is _LATER and self.desired is not None:
            return self.desired.body.managed()
        return self._after

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Change is frozen")

    def _compared(self) -> tuple[Any, ...]:
        return self.address, self.action, self.before, self.after, self.fields

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Change) and self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # before/after are dicts

    def __repr__(self) -> str:
        return (
            f"Change(address={self.address!r}, action={self.action!r}, before={self.before!r}, "
            f"after={self.after!r}, fields={self.fields!r})"
        )


_LATER: Any = object()  # a bulk entry's create: ``after`` is made from ``desired`` when read
_SET_ADDRESS, _SET_ACTION, _SET_BEFORE, _SET_AFTER, _SET_FIELDS, _SET_DESIRED, _SET_OBSERVED = (
    getattr(Change, name).__set__ for name in ("address", "action", "before", "_after", "fields", "desired", "observed")
)


@dataclass(frozen=True)
class Drift:
    """A managed object that changed in Mailgun since the lockfile was written."""

    address: Address
    fields: tuple[FieldChange, ...]  # empty with deleted=True
    deleted: bool = False


@dataclass(frozen=True)
class Notice:
    """Something a kind says about one of its objects in a plan: a status, the next step of a change
    that takes several applies, or (``refuse``) why the manifest asks for what cannot be done.
    ``account`` marks a note on the account as it is (a domain still unverified, a certificate's
    status) rather than on this change: it says the same on every plan, so reviews show it apart."""

    text: str
    refuse: bool = False
    account: bool = False


def deferred(changes: list[Change]) -> tuple[list[Change], list[Change]]:
    """``changes`` split into the creates of bulk entries whose ``after`` is made when read (their
    desired ``Row``'s managed fields: ``Change.create``), and the others; each in the given order
    (in C loops: an apply from empty of a large account has 200,000 of the first)."""
    flags = list(map(is_, map(attrgetter("_after"), changes), repeat(_LATER)))
    return list(compress(changes, flags)), list(compress(changes, map(not_, flags)))
