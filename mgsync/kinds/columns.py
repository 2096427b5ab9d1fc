"""A bulk kind's entry declared once, as columns: everything else about its fields is derived.

A bulk entry class (a ``Record``) lists its key column(s) (``key``) and its value columns
(``column``) as class attributes, as a dataclass does. From that one declaration come: the compact
``Row`` it is (slots, ``DEFAULTS``, ``FIX``), the manifest entry document (a pydantic model, so the
JSON schema follows), the CSV columns, header, cell parsers and cheap per-cell checks, the cells
import writes and the entry it writes inline, and the API item shape and ``entry_of``. The kinds
(``BulkKind``) take all of these from their ``model``; the fast paths (``csvdata.columnar``,
``answers``' column-wise ``fits``, ``BulkKind.page_entries``, ``lockdoc.collection_digest``) read
the same declaration through the ``Row`` interface, so a new column is one line here.

Entries stay plain tuples (``Row.entry``): the declaration makes no object per entry. ``Table`` is
the typed view of one collection's entries, column by column. Knows no kind, no HTTP and no file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice, repeat
from operator import itemgetter
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import create_model, model_validator

from mgsync import jsontext
from mgsync.answers import STR, Obj, Shape
from mgsync.rows import Row
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.output import flow_map
from mgsync.state import Entries

BAD = object()  # what a cell parser makes of a cell it cannot convert (``Column.bad`` words why)
BOOLEANS = {"yes": True, "true": True, "no": False, "false": False}


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Column:
    """One field of a bulk entry. ``doc``: its type in the manifest's entry document. ``default``:
    a new entry's value; ``fix``: the canonical form of a checked value. ``check``: a cheap test of a
    CSV cell (as ``parse`` converts it) that passes only what ``doc`` accepts unchanged. ``api``: its
    shape in an API item (``api_also``: other item keys ``read`` looks at); ``read``: its value from
    an API item (default: the item's value, else the default). ``cell``: its CSV cell on import (None:
    CSV cannot hold it); ``shown``: its value written inline, which import writes only when it differs
    from the default, or ``always``. A key column (``key=True``) is the entry's name, not a field."""

    doc: Any
    default: Any = None
    fix: Callable[[Any], Any] | None = None
    check: Callable[[Any], bool] | None = None
    parse: Callable[[str], Any] | None = None
    bad: Callable[[str], str] = lambda cell: "cannot be read"
    api: Shape | None = None
    api_also: Mapping[str, Shape] = field(default_factory=dict)
    read: Callable[[dict[str, Any]], Any] | None = None
    cell: Callable[[Any], str | None] = _same
    shown: Callable[[Any], Any] = _same
    always: bool = False
    key: bool = False
    inline_name: Callable[[str], str] | None = None  # keys: the inline field a name is written as
    name: str = ""  # set from the attribute name

    def value_of(self, item: dict[str, Any]) -> Any:
        """This field's value in an API item of the checked shape."""
        if self.read is not None:
            return self.read(item)
        found = item.get(self.name)
        return self.default if found is None else found


def column(doc: Any, default: Any, **how: Any) -> Any:
    """A value column (typed ``Any`` so that the attribute keeps its declared type)."""
    return Column(doc, default, **how)


def key(doc: Any, **how: Any) -> Any:
    """A key column: the entry's name. More than one: exactly one of them is written (the first is
    the one CSV files, API items and plain inline entries use)."""
    return Column(doc, key=True, **how)


class Declared(type):
    """The metaclass of ``Record``: it turns the declared columns into the ``Row``'s slots,
    ``DEFAULTS`` and ``FIX`` (class keywords: ``doc`` names the entry document, default
    ``<class>Doc``; ``csv`` orders the CSV columns where they differ from the entry's order)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **how: Any) -> Declared:
        own = [replace(v, name=k) for k, v in namespace.items() if isinstance(v, Column)]
        for found in own:
            del namespace[found.name]
        # A subclass declares the columns it adds to its base's (slots: only its own).
        inherited = [found for base in bases for found in (*getattr(base, "KEYS", ()), *getattr(base, "COLUMNS", ()))]
        declared = [*inherited, *own]
        values = tuple(found for found in declared if not found.key)
        namespace["__slots__"] = tuple(found.name for found in own if not found.key)
        if own:
            namespace["DEFAULTS"] = {found.name: found.default for found in values}
            namespace["FIX"] = {found.name: found.fix for found in values if found.fix is not None}
        cls = super().__new__(mcs, name, bases, namespace)
        if own:
            _declare(
                cast("type[Record]", cls),
                declared,
                [found for base in bases for found in getattr(base, "CSV", ())],
                own,
                how,
                name,
            )
        return cls


def _declare(
    cls: type[Record], declared: list[Column], shown: list[Column], own: list[Column], how: dict[str, Any], name: str
) -> None:
    """The derived class attributes of a ``Record`` that declares columns of its own."""
    values = tuple(found for found in declared if not found.key)
    order = how.get("csv") or (*(found.name for found in shown), *(found.name for found in own if not found.key))
    cls.KEYS = tuple(found for found in declared if found.key)
    cls.COLUMNS = values
    cls.CSV = tuple(next(found for found in values if found.name == one) for one in order)
    positions = {found.name: i for i, found in enumerate(values)}
    cls.CELLS = tuple((positions[found.name], found.cell) for found in cls.CSV)
    if all(cell is _same for _, cell in cls.CELLS):
        cls.PICK = _picker([position for position, _ in cls.CELLS])
    cls.DOC_NAME = how.get("doc") or f"{name}Doc"


def _picker(positions: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The values at ``positions`` of an entry, as a tuple (in C from two positions on)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda entry: tuple(entry[position] for position in positions)


class Record(Row, metaclass=Declared):
    """A bulk entry declared as columns (see the module docstring)."""

    __slots__ = ()
    KEYS: ClassVar[tuple[Column, ...]] = ()
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    CSV: ClassVar[tuple[Column, ...]] = ()  # the value columns in CSV order
    CELLS: ClassVar[tuple[tuple[int, Callable[[Any], str | None]], ...]] = ()  # CSV order: (entry position, cell)
    PICK: ClassVar[Callable[[tuple[Any, ...]], tuple[Any, ...]] | None] = None  # CELLS, when every cell is the value
    DOC_NAME: ClassVar[str] = ""
    _DOC: ClassVar[type[Doc] | None] = None
    _ITEM: ClassVar[Obj | None] = None

    @classmethod
    def key_column(cls) -> Column:
        return cls.KEYS[0]

    @classmethod
    def document(cls) -> type[Doc]:
        """The entry document: one field per column, the key required (with several keys, exactly one)."""
        if cls.__dict__.get("_DOC") is None:
            cls._DOC = _document(cls)
        found = cls._DOC
        assert found is not None
        return found

    @classmethod
    def csv_columns(cls, ignored: tuple[str, ...]) -> CsvColumns:
        """(required, optional) CSV columns, with the parsers of cells; ``ignored``: columns accepted and dropped."""
        return CsvColumns(
            cls.key_column().name, tuple(found.name for found in cls.CSV), parsers=cls.parsers(), ignored=ignored
        )

    @classmethod
    def csv_header(cls) -> tuple[str, ...]:
        return cls.key_column().name, *(found.name for found in cls.CSV)

    @classmethod
    def parsers(cls) -> dict[str, Column]:
        """The columns whose CSV cells become other YAML values (``Column.parse``)."""
        return {found.name: found for found in cls.COLUMNS if found.parse is not None}

    @classmethod
    def checks(cls) -> dict[str, Callable[[Any], bool]]:
        return {found.name: found.check for found in (cls.key_column(), *cls.COLUMNS) if found.check is not None}

    @classmethod
    def item(cls) -> Obj:
        """The shape of an API item: its key, then each column's (and what ``read`` looks at)."""
        made = cls.__dict__.get("_ITEM")
        if made is None:
            optional: dict[str, Shape] = {}
            for found in cls.COLUMNS:
                optional.update({found.name: found.api} if found.api is not None else {})
                optional.update(found.api_also)
            made = cls._ITEM = Obj({cls.key_column().name: STR}, optional)
        return made

    @classmethod
    def entry_of(cls, item: dict[str, Any]) -> tuple[Any, ...]:
        """The entry of an API item of the checked shape (``item``)."""
        return cls.full(*(found.value_of(item) for found in cls.COLUMNS))

    @classmethod
    def entries_of(cls, items: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        """``entry_of`` of each API item (of the checked shape), column by column: each column's
        ``read`` (else its value, or its default where the value is missing or null) for every item,
        then its ``FIX``; no call per item beyond those two (an unsubscribe page of 1000)."""
        columns: list[Iterable[Any]] = []
        for found in cls.COLUMNS:
            if found.read is not None:
                cells = list(map(found.read, items))
            else:
                cells = [found.default if cell is None else cell for cell in map(dict.get, items, repeat(found.name))]
            fix = cls.FIX.get(found.name)
            columns.append(cells if fix is None else map(fix, cells))
        return islice(zip(*columns, repeat(cls.ALL)), len(items))  # bounded: a record with no value columns

    @classmethod
    def csv_row(cls, name: str, entry: tuple[Any, ...]) -> tuple[str, ...] | None:
        """An entry's CSV cells in ``csv_header`` order ("" = not set); None when CSV cannot hold it."""
        if cls.PICK is not None:  # every cell is the value as it is: picked in C (200,000 rows of a large table)
            return (cls.KEYS[0].cell(name), *cls.PICK(entry))
        cells = (cls.KEYS[0].cell(name), *[cell(entry[position]) for position, cell in cls.CELLS])
        return None if None in cells else cells  # type: ignore[return-value]

    @classmethod
    def csv_rows(cls, names: Sequence[str], entries: Sequence[tuple[Any, ...]]) -> list[tuple[str, ...]] | None:
        """``csv_row`` of every entry, column by column (each cell function mapped over a column in C,
        no call per entry: 200,000 rows of a large account); None when CSV cannot hold one of them."""
        key = cls.KEYS[0].cell
        columns: list[Sequence[Any]] = [names if key is _same else list(map(key, names))]
        for position, cell in cls.CELLS:
            values = list(map(itemgetter(position), entries))
            columns.append(values if cell is _same else list(map(cell, values)))
        if cls.PICK is None and any(None in column for column in columns):
            return None
        return list(zip(*columns))

    @classmethod
    def position(cls, name: str) -> int:
        return list(cls.DEFAULTS).index(name)

    @classmethod
    def inline(cls, name: str, entry: tuple[Any, ...]) -> Any:
        """An entry as import writes it in YAML: the fields that differ from a new entry's (or are
        ``always`` shown), but never an empty text, which is not set, as an empty CSV cell is (Mailgun
        stores its default for it: a bounce's code ""); only its name when there are none."""
        own = cls.key_column()
        extra = {
            found.name: found.shown(value)
            for found, value in zip(cls.COLUMNS, entry)
            if (found.always or value != found.default) and value != ""
        }
        written = own.cell(name)
        if not extra:
            return written
        return flow_map({own.name if own.inline_name is None else own.inline_name(name): written, **extra})


def _document(record: type[Record]) -> type[Doc]:
    keys = record.KEYS
    fields: dict[str, Any] = {}
    for found in keys:
        fields[found.name] = (found.doc, ...) if len(keys) == 1 else (found.doc, UNSET)
    for found in record.COLUMNS:
        fields[found.name] = (found.doc, UNSET)
    validators: dict[str, Any] = {}
    if len(keys) > 1:
        names = [found.name for found in keys]
        wording = f"give exactly one of {', '.join(names[:-1])} or {names[-1]}"

        def _one_key(self: Any) -> Any:
            if len(set(names) & self.model_fields_set) != 1:
                raise ValueError(wording)
            return self

        validators["_one_key"] = model_validator(mode="after")(_one_key)
    made: type[Doc] = create_model(
        record.DOC_NAME, __base__=Doc, __module__=record.__module__, __validators__=validators, **fields
    )
    return made


# Cell parsers for CSV (a cell as YAML would hold it, or ``BAD``) and the wording of a bad cell.
def parse_bool(cell: str) -> Any:
    return BOOLEANS.get(cell.lower(), BAD)


def bad_bool(cell: str) -> str:
    return f'"{cell}" is not yes, no, true or false'


def parse_json(cell: str) -> Any:
    try:
        return jsontext.loads(cell)
    except ValueError:  # not JSON, a number JSON has not, or nested too deeply (``bad_json`` says which)
        return BAD


def bad_json(cell: str) -> str:
    try:
        jsontext.loads(cell)
    except ValueError as err:
        return f"is not valid JSON ({err.args[0].split(':')[0]})"
    return "is not valid JSON"


def parse_list(cell: str) -> list[str]:
    """A list cell: items separated by ``;``, each stripped, empty ones dropped."""
    return [one.strip() for one in cell.split(";") if one.strip()]


def list_cell(values: tuple[str, ...]) -> str | None:
    """A list as one cell, when ``parse_list`` gives it back exactly."""
    if any(";" in one or one != one.strip() or not one for one in values):
        return None
    return ";".join(values)


class CsvColumns(tuple[str, tuple[str, ...]]):
    """A kind's CSV columns, (required, optional) as ``csvdata`` reads them, with the columns whose
    cells it converts (``parsers``: name -> ``Column`` with its ``parse`` and ``bad``)."""

    parsers: Mapping[str, Column]
    ignored: tuple[str, ...]  # columns accepted and dropped (those of Mailgun's exports the kind has no field for)

    def __new__(
        cls, required: str, optional: tuple[str, ...], *, parsers: Mapping[str, Column], ignored: tuple[str, ...]
    ) -> CsvColumns:
        made = super().__new__(cls, (required, (*optional, *ignored)))
        made.parsers, made.ignored = parsers, ignored
        return made


R = TypeVar("R", bound=Record)


class Table(Generic[R]):
    """One collection's entries (name -> entry tuple) seen through its declaration: a column's
    values at once, or one entry as its typed row, with no object made per entry."""

    def __init__(self, record: type[R], entries: Entries) -> None:
        self.record, self.entries = record, entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def column(self, name: str) -> list[Any]:
        """Every entry's value of one column, in entry order."""
        position = self.record.position(name)
        return [entry[position] for entry in self.entries.values()]

    def row(self, name: str) -> R:
        found = Row.from_entry(self.entries[name])
        if not isinstance(found, self.record):
            raise TypeError(f"{name}: not a {self.record.__name__} entry")
        return found
