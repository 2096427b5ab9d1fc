"""Addresses and states: the one vocabulary shared by desired, observed and locked state.

An ``Address`` (``kind:key``) names one managed object, e.g. ``route:support-inbox`` or
``member:news@mg.example.com/bob@example.org``. A ``Resource`` is an address plus the kind's
canonical model (the same type whether it came from YAML or from the API): a pydantic ``Spec``, or
for the entries of bulk collections a compact ``Row``. A ``State`` maps addresses to resources.

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
from operator import itemgetter
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


class Written:
    """The field names a bulk entry's source set (``model_fields_set``: unset means not managed), as
    one object shared by every entry of a row class that set the same names. It ends each entry tuple
    (``Row.entry``), knows the row class, and picks the set values out of an entry in one C call."""

    __slots__ = ("row", "names", "pick")

    def __init__(self, row: type[Row], names: frozenset[str]) -> None:
        positions = [i for i, name in enumerate(row.DEFAULTS) if name in names]
        self.row, self.names = row, names
        self.pick: Callable[[tuple[Any, ...]], Any] = itemgetter(*positions) if positions else _nothing

    def __repr__(self) -> str:
        return f"Written({self.row.__name__}, {sorted(self.names)})"


def _nothing(entry: tuple[Any, ...]) -> tuple[()]:
    return ()


def settled(entry: tuple[Any, ...], live: tuple[Any, ...]) -> bool:
    """Every value ``entry`` (a ``Row.entry`` tuple of a bulk collection) sets equals ``live``'s."""
    pick = entry[-1].pick
    return bool(pick(entry) == pick(live))


def all_settled(wanted: Entries, live: Entries) -> bool:
    """Every entry of ``wanted`` is in ``live`` and ``settled``, found in C loops when the entries
    all set the same fields (a CSV file: one ``Written``); False may still mean settled entry by entry.

    First, whether every wanted entry is a live one as it is: a file that sets every field ends its
    entries with the row class's ``ALL``, as the live ones do, so equal tuples are settled entries;
    compared in one C loop that makes nothing (100,000 bounces: 7 ms instead of 60)."""
    if wanted.items() <= live.items():
        return True
    written = set(map(itemgetter(-1), wanted.values()))
    if len(written) != 1 or not wanted.keys() <= live.keys():
        return False
    pick = written.pop().pick
    return list(map(pick, wanted.values())) == list(map(pick, map(live.__getitem__, wanted)))


class Row:
    """The canonical form of one entry of a bulk collection (a member, a suppression): its values,
    plain and normalised, in slots, and the names its source set (``model_fields_set``: unset means
    not managed, as for a ``Spec``).

    In a ``State`` an entry is stored as its ``entry`` tuple: the values in ``DEFAULTS`` order, then
    its ``Written``. A ``Row`` object is made from that only when one is looked at (``from_entry``).
    Their values were checked once where they came in (the kind's entry document or fast row check,
    or an API answer of the checked shape, ``answers.py``), so neither is a pydantic model. A ``Row``
    answers the part of ``Spec``'s interface that plan, apply, the lockfile and import use. A
    subclass has its fields in ``__slots__`` and their defaults in ``DEFAULTS`` (in the same
    order), and may give a field's canonical form in ``FIX`` (e.g. tags sorted, without repeats);
    the bulk kinds never write these by hand: ``kinds/columns.py`` derives them from the kind's one
    declaration of its columns.
    """

    __slots__ = ("model_fields_set",)
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    FIX: ClassVar[dict[str, Callable[[Any], Any]]] = {}  # field -> its canonical form of a checked value
    model_fields: ClassVar[dict[str, Any]] = {}  # the field names, as code written for ``Spec`` lists them
    POLICY: ClassVar[frozenset[str]] = frozenset()
    SECRET: ClassVar[frozenset[str]] = frozenset()
    ALL: ClassVar[Written]  # every field set: an entry read from the API
    _FIELDS: ClassVar[tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]] = ()
    _FIXES: ClassVar[tuple[tuple[int, Callable[[Any], Any]], ...]] = ()  # (position, FIX) of fields that have one
    _WRITTEN: ClassVar[dict[Any, Written]] = {}  # per class: by the names, and by the keys of a source's data
    model_fields_set: frozenset[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.model_fields = dict(cls.DEFAULTS)
        cls._FIELDS = tuple((name, default, cls.FIX.get(name)) for name, default in cls.DEFAULTS.items())
        cls._FIXES = tuple((i, fix) for i, (_, _, fix) in enumerate(cls._FIELDS) if fix is not None)
        cls._WRITTEN = {}
        cls.ALL = cls.written(frozenset(cls.DEFAULTS))

    @classmethod
    def written(cls, names: frozenset[str]) -> Written:
        """The shared ``Written`` of these field names."""
        found = cls._WRITTEN.get(names)
        if found is None:
            if not names <= cls.DEFAULTS.keys():
                raise TypeError(f"{cls.__name__}: unknown fields {sorted(names - cls.DEFAULTS.keys())}")
            found = cls._WRITTEN.setdefault(names, Written(cls, names))
        return found

    @classmethod
    def fields(cls) -> tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]:
        """(name, default, its ``FIX`` or None) of every field, in entry order."""
        return cls._FIELDS

    @classmethod
    def written_of(cls, keys: tuple[str, ...]) -> Written:
        """The ``Written`` of a source's data with these keys (in their order; other keys, such as
        the entry's own ``address``, are not fields): one lookup for every row of a CSV file."""
        found = cls._WRITTEN.get(keys)
        if found is None:
            found = cls._WRITTEN.setdefault(keys, cls.written(frozenset(cls.DEFAULTS.keys() & set(keys))))
        return found

    @classmethod
    def entry(cls, values: Mapping[str, Any], written: Written | None = None) -> tuple[Any, ...]:
        """The entry tuple of checked field values (missing ones take their defaults; keys that are
        not fields are left out); ``written`` says which the source set (default: those in ``values``)."""
        found = [
            values.get(name, default) if fix is None else fix(values.get(name, default))
            for name, default, fix in cls._FIELDS
        ]
        found.append(written or cls.written_of(tuple(values)))
        return tuple(found)

    @classmethod
    def full(cls, *values: Any) -> tuple[Any, ...]:
        """The entry of an object read from the API: every field's value given, in order."""
        if not cls._FIXES:
            return (*values, cls.ALL)
        fixed = list(values)
        for position, fix in cls._FIXES:
            fixed[position] = fix(fixed[position])
        return (*fixed, cls.ALL)

    @staticmethod
    def from_entry(entry: tuple[Any, ...]) -> Row:
        """The row an entry tuple holds."""
        written: Written = entry[-1]
        row = object.__new__(written.row)
        setter = object.__setattr__
        setter(row, "model_fields_set", written.names)
        for name, value in zip(written.row.DEFAULTS, entry):
            setter(row, name, value)
        return row

    def to_entry(self) -> tuple[Any, ...]:
        return (*self.values(), self.written(self.model_fields_set))

    def __init__(self, **values: Any) -> None:
        if not values.keys() <= self.DEFAULTS.keys():
            raise TypeError(f"{type(self).__name__}: unknown fields {sorted(values.keys() - self.DEFAULTS.keys())}")
        entry = self.entry(values)
        setter = object.__setattr__
        setter(self, "model_fields_set", entry[-1].names)
        for name, value in zip(self.DEFAULTS, entry):
            setter(self, name, value)

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
