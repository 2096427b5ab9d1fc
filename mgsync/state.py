"""Addresses and states: the one vocabulary shared by desired, observed and locked state.

An ``Address`` (``kind:key``) names one managed object, e.g. ``route:support-inbox`` or
``member:news@mg.example.com/bob@example.org``. A ``Resource`` is an address plus the kind's
canonical pydantic model (the same type whether it came from YAML or from the API). A ``State`` maps
addresses to resources. This module knows no kind, no HTTP and no YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """The base of every kind's canonical model (frozen: a resource's body is a value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    POLICY: ClassVar[frozenset[str]] = frozenset()
    SECRET: ClassVar[frozenset[str]] = frozenset()

    def managed(self) -> dict[str, Any]:
        """Fields the user set, minus policy fields, as JSON-able data."""
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(self.POLICY))

    def comparable(self) -> dict[str, Any]:
        """Every field (defaults included), minus policy and secret fields."""
        return self.model_dump(mode="json", exclude=set(self.POLICY | self.SECRET))


@dataclass(frozen=True, order=True)
class Address:
    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> Address:
        kind, sep, key = text.partition(":")
        if not sep or not kind or not key:
            raise ValueError(f"not an address: {text!r} (expected kind:key, e.g. route:support-inbox)")
        return cls(kind, key)

    @property
    def scope(self) -> str:
        """The container this object lives in: the domain or list before ``/``, else ``""``."""
        head, sep, _ = self.key.rpartition("/")
        return head if sep else ""

    @property
    def name(self) -> str:
        """The object's own name within its scope (after the last ``/``)."""
        return self.key.rpartition("/")[2]


def sort_key(address: Address) -> tuple[str, str]:
    """The order of addresses (the dataclass order) as a plain tuple, so that sorting many addresses
    compares in C instead of calling ``Address.__lt__`` millions of times."""
    return address.kind, address.key


@dataclass(frozen=True)
class Source:
    """Where a desired resource was declared, for error messages and duplicate detection."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Resource:
    address: Address
    body: Spec
    source: Source | None = None
    # Server-side facts that are not part of the desired configuration (e.g. a route's id).
    meta: Mapping[str, Any] = field(default_factory=dict)

    def managed_fields(self) -> dict[str, Any]:
        """The fields the manifest set explicitly; unset fields are left as they are in Mailgun."""
        return self.body.model_dump(mode="json", exclude_unset=True)

    def all_fields(self) -> dict[str, Any]:
        return self.body.model_dump(mode="json")


class State(Mapping[Address, Resource]):
    """An ordered-by-address mapping of resources, plus the scopes the state covers."""

    def __init__(self, resources: Iterable[Resource] = ()):
        self._items: dict[Address, Resource] = {}
        self._order: list[Address] | None = None  # sorted addresses, rebuilt after a change
        for resource in resources:
            self._items[resource.address] = resource

    def __getitem__(self, address: Address) -> Resource:
        return self._items[address]

    def __contains__(self, address: object) -> bool:
        return address in self._items

    def get(self, address: Address, default: Resource | None = None) -> Resource | None:  # type: ignore[override]
        return self._items.get(address, default)

    def __iter__(self) -> Iterator[Address]:
        if self._order is None:
            self._order = sorted(self._items, key=sort_key)
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, resource: Resource) -> None:
        self._items[resource.address] = resource
        self._order = None

    def remove(self, address: Address) -> None:
        self._items.pop(address, None)
        self._order = None

    def of_kind(self, kind: str) -> list[Resource]:
        return [self._items[a] for a in self if a.kind == kind]

    def scopes(self, kind: str) -> set[str]:
        return {a.scope for a in self._items if a.kind == kind}
