"""Addresses and states: the one vocabulary shared by desired, observed and locked state.

An ``Address`` (``kind:key``) names one managed object, e.g. ``route:support-inbox`` or
``member:news@mg.example.com/bob@example.org``. A ``Resource`` is an address plus the kind's
canonical model (the same type whether it came from YAML or from the API): a pydantic ``Spec``, or
for the entries of bulk collections a compact ``Row``. A ``State`` maps addresses to resources.
This module knows no kind, no HTTP and no YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python


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


class Row:
    """The canonical form of one entry of a bulk collection (a member, a suppression): its values,
    plain and normalised, in slots, and the names its source set (``model_fields_set``: unset means
    not managed, as for a ``Spec``).

    A large account holds 200,000 entries twice (declared and live), so they are not pydantic
    models: their values were checked once where they came in (the kind's entry document or fast
    row check, or an API answer of the checked shape, ``answers.py``). A ``Row`` answers the part of
    ``Spec``'s interface that plan, apply, the lockfile and import use. A subclass lists its fields
    in ``__slots__`` and their defaults in ``DEFAULTS`` (in the same order), and may override
    ``normalise`` (e.g. sorted tags).
    """

    __slots__ = ("model_fields_set",)
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    model_fields: ClassVar[dict[str, Any]] = {}  # the field names, as code written for ``Spec`` lists them
    POLICY: ClassVar[frozenset[str]] = frozenset()
    SECRET: ClassVar[frozenset[str]] = frozenset()
    _SETS: ClassVar[dict[frozenset[str], frozenset[str]]] = {}  # per class: one shared object per combination
    model_fields_set: frozenset[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.model_fields = dict(cls.DEFAULTS)
        cls._SETS = {}

    def __init__(self, **values: Any) -> None:
        given = frozenset(values)
        shared = self._SETS.get(given)
        if shared is None:
            if not given <= self.DEFAULTS.keys():
                raise TypeError(f"{type(self).__name__}: unknown fields {sorted(given - self.DEFAULTS.keys())}")
            shared = self._SETS.setdefault(given, given)
        setter = object.__setattr__
        setter(self, "model_fields_set", shared)
        for name, value in self.normalise({**self.DEFAULTS, **values}).items():
            setter(self, name, value)

    @classmethod
    def normalise(cls, values: dict[str, Any]) -> dict[str, Any]:
        """The canonical values (every field, defaults filled in)."""
        return values

    @classmethod
    def model_validate(cls, data: Mapping[str, Any]) -> Row:
        """The row of canonical data (a body ``model_dump`` or ``managed`` gave): it was checked already."""
        return cls(**data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.DEFAULTS)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Row) and self.values() == other.values()

    __hash__ = None  # type: ignore[assignment]  # values may be dicts (member vars)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.DEFAULTS)
        return f"{type(self).__name__}({shown})"

    def model_dump(self, *, mode: str = "python", exclude_unset: bool = False) -> dict[str, Any]:
        names = [n for n in self.DEFAULTS if n in self.model_fields_set] if exclude_unset else self.DEFAULTS
        return {name: _plain(getattr(self, name)) for name in names}

    def managed(self) -> dict[str, Any]:
        """Fields the source set, as JSON-able data (rows have no policy or secret fields)."""
        return self.model_dump(exclude_unset=True)

    def comparable(self) -> dict[str, Any]:
        """Every field (defaults included), as JSON-able data."""
        return self.model_dump()


def _plain(value: Any) -> Any:
    """A copy the caller may change: rows hold tuples for lists, and JSON-able dicts."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


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
