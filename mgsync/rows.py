"""The compact form of a bulk collection's entries (list members, suppressions): ``Row``, the entry
tuples a ``State`` keeps of them (``Row.entry``), and the ``Written`` names that end each tuple.

A large account has 200,000 such entries on each side of a plan, so an entry is a plain tuple of
its values, made a ``Row`` object only when one is looked at; ``settled`` and ``all_settled``
compare entries on their tuples, in C loops where they can. ``state.py`` holds them in its tables.
This module knows no kind, no HTTP and no YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from mgsync.state import Entries


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
    _SETTERS: ClassVar[tuple[Callable[[Any, Any], None], ...]] = ()  # each field's slot, set (``from_entry``)
    model_fields_set: frozenset[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.model_fields = dict(cls.DEFAULTS)
        cls._FIELDS = tuple((name, default, cls.FIX.get(name)) for name, default in cls.DEFAULTS.items())
        cls._FIXES = tuple((i, fix) for i, (_, _, fix) in enumerate(cls._FIELDS) if fix is not None)
        cls._WRITTEN = {}
        cls._SETTERS = tuple(getattr(cls, name).__set__ for name in cls.DEFAULTS)
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
        _SET_FIELDS_SET(row, written.names)
        for set_slot, value in zip(written.row._SETTERS, entry):  # the slots' own setters: no lookup by name
            set_slot(row, value)
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


_SET_FIELDS_SET = vars(Row)["model_fields_set"].__set__  # the slot's own setter


def _plain(value: Any) -> Any:
    """A copy the caller may change: rows hold tuples for lists, and JSON-able dicts."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value
