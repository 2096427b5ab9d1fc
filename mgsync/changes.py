"""Changes as data: what the plan decided and the apply executes, free of any rendering.

``Change(address, action, before, after, fields)`` in Terraform's vocabulary. ``before``/``after``
are JSON-able dicts with secrets already masked; ``desired``/``observed`` carry the full resources
for the executor and are never rendered or saved.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from mgsync.state import Address, Resource

SENSITIVE = "(sensitive value)"
SENSITIVE_CHANGED = "(sensitive value changed)"


class Action(str, enum.Enum):
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


@dataclass(frozen=True, slots=True)  # slotted: applying a large account from empty plans 200,000 creates
class Change:
    address: Address
    action: Action
    before: dict[str, Any] | None  # observed (secrets masked)
    after: dict[str, Any] | None  # what the object will be (secrets masked)
    fields: tuple[FieldChange, ...] = ()
    desired: Resource | None = field(default=None, compare=False, repr=False)
    observed: Resource | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Drift:
    """A managed object that changed in Mailgun since the lockfile was written."""

    address: Address
    fields: tuple[FieldChange, ...]  # empty with deleted=True
    deleted: bool = False


@dataclass(frozen=True)
class Notice:
    """Something a kind says about one of its objects in a plan: a status, the next step of a change
    that takes several applies, or (``refuse``) why the manifest asks for what cannot be done."""

    text: str
    refuse: bool = False
