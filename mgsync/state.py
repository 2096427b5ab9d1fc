"""Addresses and states: the one vocabulary shared by desired, observed and locked state.

An ``Address`` (``kind:key``) names one managed object, e.g. ``route:support-inbox`` or
``member:news@mg.example.com/bob@example.org``. A ``Resource`` is an address plus the kind's
canonical model (the same type whether it came from YAML or from the API): a pydantic ``Spec``, or
for the entries of bulk collections a compact ``Row`` (rows.py). A ``State`` maps addresses to
resources.

A large account has 200,000 bulk entries on each side, so a ``State`` keeps them apart, in one
``Table`` per collection (kind and scope): entry name to a plain tuple (``Row.entry``), with no
address, resource or model object per entry. The diff compares tables entry by entry on those
tuples; the ``Mapping`` interface still shows every entry as a ``Resource``, made when asked (for
the few that change, and for the slow paths: import, saved plans, ``--target``).
This module knows no kind, no HTTP and no YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

from mgsync.rows import Row


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


def jsonable(value: Any) -> Any:
    """``value`` as JSON data (what ``model_dump(mode="json")`` makes of a ``dict[str, Any]`` field)."""
    return to_jsonable_python(value)


Body = Union[Spec, Row]  # noqa: UP007 - a runtime alias


# Addresses, sources and resources are slotted: a large account holds 400,000 of each.
@dataclass(frozen=True, order=True, slots=True)
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
        """The container this object lives in: the domain or list before the first ``/``, else ``""``
        (a name may hold a ``/``: an e-mail address ``b/x@example.com``, an SMTP login ``ops/alerts``;
        a domain name never does, and a list whose address does is left out)."""
        head, sep, _ = self.key.partition("/")
        return head if sep else ""

    @property
    def name(self) -> str:
        """The object's own name within its scope (after the first ``/``)."""
        head, sep, name = self.key.partition("/")
        return name if sep else head


def sort_key(address: Address) -> tuple[str, str]:
    """The order of addresses (the dataclass order) as a plain tuple, so that sorting many addresses
    compares in C instead of calling ``Address.__lt__`` millions of times."""
    return address.kind, address.key


@dataclass(frozen=True, slots=True)
class Source:
    """Where a desired resource was declared, for error messages and duplicate detection."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_META: Mapping[str, Any] = MappingProxyType({})  # shared by every resource without server facts


@dataclass(frozen=True, slots=True)
class Resource:
    address: Address
    body: Body
    source: Source | None = None
    # Server-side facts that are not part of the desired configuration (e.g. a route's id).
    meta: Mapping[str, Any] = field(default_factory=lambda: NO_META)

    def managed_fields(self) -> dict[str, Any]:
        """The fields the manifest set explicitly; unset fields are left as they are in Mailgun."""
        return self.body.model_dump(mode="json", exclude_unset=True)

    def all_fields(self) -> dict[str, Any]:
        return self.body.model_dump(mode="json")


Entries = dict[str, tuple[Any, ...]]  # one bulk collection: entry name -> ``Row.entry`` tuple
TableKey = tuple[str, str]  # (kind, scope)


class State(Mapping[Address, Resource]):
    """An ordered-by-address mapping of resources. Bulk entries (``Row`` bodies) live in tables, one
    per (kind, scope): ``tables`` is what the hot paths use; the mapping shows them as resources."""

    def __init__(self, resources: Iterable[Resource] = ()):
        self._items: dict[Address, Resource] = {}
        self.tables: dict[TableKey, Entries] = {}
        self.origins: dict[TableKey, Callable[[str], Source | None]] = {}  # where a table's entries were declared
        self._order: list[Address] | None = None  # sorted addresses, rebuilt after a change
        for resource in resources:
            self.add(resource)

    @property
    def objects(self) -> Mapping[Address, Resource]:
        """The resources that are not bulk entries, unordered."""
        return self._items

    def table(self, kind: str, scope: str) -> Entries:
        """The entries of one collection, made empty when it has none (for adding to)."""
        self._order = None
        return self.tables.setdefault((kind, scope), {})

    def put_table(self, kind: str, scope: str, entries: Entries) -> None:
        self._order = None
        self.tables[(kind, scope)] = entries

    def __getitem__(self, address: Address) -> Resource:
        found = self.get(address)
        if found is None:
            raise KeyError(address)
        return found

    def __contains__(self, address: object) -> bool:
        if address in self._items:
            return True
        if not isinstance(address, Address) or not self.tables:
            return False
        return self._entry(address) is not None

    def _entry(self, address: Address) -> tuple[str, str, tuple[Any, ...]] | None:
        """``(scope, name, entry)`` of a bulk entry's address: scope and name part at the first ``/``
        (``Address.scope``), or, for a collection whose own name holds one, at a later one."""
        key = address.key
        scope, _, name = key.partition("/")
        entry = self.tables.get((address.kind, scope), {}).get(name)
        if entry is not None or key.count("/") < 2:  # the usual case: one "/" parts scope from name
            return None if entry is None else (scope, name, entry)
        at = key.find("/", len(scope) + 1)
        while at != -1:
            entry = self.tables.get((address.kind, key[:at]), {}).get(key[at + 1 :])
            if entry is not None:
                return key[:at], key[at + 1 :], entry
            at = key.find("/", at + 1)
        return None

    def get(self, address: Address, default: Resource | None = None) -> Resource | None:  # type: ignore[override]
        found = self._items.get(address)
        if found is not None or not self.tables:
            return found or default
        located = self._entry(address)
        if located is None:
            return default
        scope, name, entry = located
        origin = self.origins.get((address.kind, scope))
        return Resource(address, Row.from_entry(entry), None if origin is None else origin(name))

    def __iter__(self) -> Iterator[Address]:
        if self._order is None:
            table_addresses = (
                Address(kind, f"{scope}/{name}") for (kind, scope), entries in self.tables.items() for name in entries
            )
            self._order = sorted([*self._items, *table_addresses], key=sort_key)
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._items) + sum(map(len, self.tables.values()))

    def add(self, resource: Resource) -> None:
        self._order = None
        address = resource.address
        if isinstance(resource.body, Row):
            scope, _, name = address.key.partition("/")
            self.tables.setdefault((address.kind, scope), {})[name] = resource.body.to_entry()
        else:
            self._items[address] = resource

    def remove(self, address: Address) -> None:
        self._order = None
        if self._items.pop(address, None) is None and self.tables and (found := self._entry(address)) is not None:
            self.tables.get((address.kind, found[0]), {}).pop(found[1], None)

    def of_kind(self, kind: str) -> list[Resource]:
        found = [r for a, r in self._items.items() if a.kind == kind]
        for (table_kind, scope), entries in self.tables.items():
            if table_kind == kind:
                found += [self[Address(kind, f"{scope}/{name}")] for name in entries]
        return sorted(found, key=lambda r: r.address.key)

    def scopes(self, kind: str) -> set[str]:
        found = {a.scope for a in self._items if a.kind == kind}
        return found | {scope for (table_kind, scope), entries in self.tables.items() if table_kind == kind and entries}
