"""``BulkKind``: the core of a kind whose objects are the entries of additive collections (list
members, suppressions), written in batches. What it derives from its one declaration of columns
(``columns.Record``) and how its entries are read, paged and exported; ``base.py`` has what every
kind shares. Knows nothing of the registry, the engine or rendering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from itertools import islice, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from mgsync.answers import Obj
from mgsync.errors import ApiError
from mgsync.kinds.base import Kind, Loc, is_not_found, key_in
from mgsync.kinds.capabilities import Bulk, Deletable, Prunable
from mgsync.kinds.columns import Record
from mgsync.rows import Row
from mgsync.shapes.doc import Doc, collection
from mgsync.state import Entries, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest
    from mgsync.shapes.output import Output

R = TypeVar("R", bound=Record)
log = logging.getLogger("mgsync.read")


class BulkKind(Kind[R], Bulk, Deletable, Prunable):
    """An additive collection (members, suppressions): ``[entry, ...]`` or ``{file: x.csv}`` in a
    manifest, written through a batch endpoint (``upsert``); deletes (only ever in a pruned scope)
    go one by one. Import writes more than ``CSV_THRESHOLD`` entries as CSV beside the manifest.

    Entries are compact ``Row``s, validated once where they come in: a manifest entry by its
    document (``entry_doc``), an API item by the shape its read checks (``answers.py``). The kind's
    ``model`` is its one declaration of the entry's columns (``columns.Record``): the entry document,
    the section's ``document``, the CSV columns and checks, the API item shape, ``entry_of``,
    ``csv_row`` and ``inline`` are all derived from it (``__init_subclass__``), and a kind overrides
    only what it words differently.
    """

    entry_doc: ClassVar[type[Doc]]  # one entry as written inline or as a CSV row (derived)
    plain_key: ClassVar[str] = "address"  # the field an entry written as a plain string fills (derived)
    csv_columns: ClassVar[tuple[str, tuple[str, ...]]]  # (required, optional) columns a CSV may have (derived)
    csv_header: ClassVar[tuple[str, ...]]  # the columns import writes (derived)
    csv_ignored: ClassVar[tuple[str, ...]] = ()  # columns a CSV may have that mean nothing (Mailgun's exports)

    # The cheap checks of a CSV row's data (cells converted as YAML would hold them), per column:
    # together they accept only what ``entry_doc`` accepts and leaves unchanged, so a row they pass
    # is used without building its document; anything else (a problem to word) goes to the document.
    # The key column's check is required; the others apply where the row has the cell. (Derived.)
    checks: ClassVar[dict[str, Callable[[Any], bool]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        record = cls.__dict__.get("model")
        if not (isinstance(record, type) and issubclass(record, Record) and record.KEYS):
            return
        own = record.key_column()
        derived: dict[str, Any] = {
            "entry_doc": record.document(),
            "document": collection(record.document(), own.doc),
            "plain_key": own.name,
            "key_field": own.name,
            "checks": record.checks(),
            "csv_columns": record.csv_columns(cls.csv_ignored),
            "csv_header": record.csv_header(),
        }
        for name, value in derived.items():
            if name not in cls.__dict__:
                setattr(cls, name, value)

    def entry_key(self, fields: dict[str, Any]) -> str:
        """The entry's own key, from its written fields (the one key column written)."""
        return str(next(fields[found.name] for found in self.model.KEYS if found.name in fields))

    def plain(self, data: dict[str, Any]) -> bool:
        """Whether one row passes ``checks``."""
        key = self.csv_columns[0]
        return isinstance(data.get(key), str) and all(
            check(data[name]) for name, check in self.checks.items() if name in data
        )

    def declare(self, out: Harvest, scope: str, value: Any, loc: Loc) -> None:
        out.collect(self, scope, loc, value)

    def entry(self, fields: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """An entry's name (as the kind matches names) and its ``Row.entry`` tuple, from its written
        fields (validated by ``entry_doc`` or ``plain``)."""
        return self.identity(self.entry_key(fields)), self.model.entry(fields)

    def read_table(self, client: Client, scope: str) -> Entries:
        """One scope's live entries by name (``read_entries``), where a scope that is gone holds none."""
        try:
            return self.read_entries(client, scope)
        except ApiError as err:
            if is_not_found(err):
                return {}
            raise

    def read_entries(self, client: Client, scope: str) -> Entries:
        """The live entries of ``scope``: name -> ``Row.entry`` tuple (every field set)."""
        raise NotImplementedError

    key_field: ClassVar[str] = "address"  # the key of an API item's name (derived)
    # An API item's fields are the row's, by the same names, taken as they are when present, not
    # null and of the default's type (``page_entries`` may then convert a page column by column).
    plain_items: ClassVar[bool] = False

    def item(self) -> Obj:
        """The shape of one API item of a read of this kind (``answers.py``)."""
        return self.model.item()

    def entry_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        """The ``Row.entry`` of one API item of the checked shape (``item``)."""
        return self.model.entry_of(item)

    def page_entries(self, items: list[dict[str, Any]]) -> Entries:
        """A page of API items (of the checked shape) as entries by name: for ``plain_items`` kinds,
        column by column in C when each field's values are all there, not null and of the default's
        type (``entry_of`` would take them as they are); else through the record's ``entries_of``
        (a column's ``read`` and ``FIX`` per item, an unsubscribe's tags), or item by item where the
        kind reads an item its own way (``entry_of`` overridden)."""
        model, count = self.model, len(items)
        if not self.plain_items:
            if type(self).entry_of is not BulkKind.entry_of:  # the kind reads an item its own way
                return {item[self.key_field]: self.entry_of(item) for item in items}
            return dict(zip(map(itemgetter(self.key_field), items), model.entries_of(items)))
        columns: list[Iterable[Any]] = []
        for name, default, fix in model.fields():
            cells = list(map(dict.get, items, repeat(name), repeat(default)))
            if not set(map(type, cells)) <= {type(default)}:
                return {item[self.key_field]: self.entry_of(item) for item in items}
            columns.append(cells if fix is None else map(fix, cells))
        entries = islice(zip(*columns, repeat(model.ALL)), count)  # bounded: a kind with no fields
        return dict(zip(map(itemgetter(self.key_field), items), entries))

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [
            Resource(self.address(scope, name), Row.from_entry(entry))
            for name, entry in self.read_entries(client, scope).items()
        ]

    def export(self, out: Output, scope: str, resources: list[Resource]) -> Any:
        return self.export_table(
            out, scope, {key_in(scope, r.address): r.body.to_entry() for r in resources if isinstance(r.body, Row)}
        )

    def export_table(self, out: Output, scope: str, entries: Entries) -> Any:
        """``export`` of a collection as its table (name -> ``Row.entry`` tuple), in name order, with
        no object made per entry: ``Record.csv_rows`` takes the names and tuples, ``inline`` one pair."""
        if not entries:
            return None
        names = sorted(entries)
        rows = list(map(entries.__getitem__, names))
        found = list(zip(names, rows))

        def csv_rows(_: object) -> list[tuple[str, ...]] | None:  # from the names and rows above, not unzipped again
            return self.model.csv_rows(names, rows)

        return out.collection(self.csv_file(scope), self.csv_header, found, csv_rows, self.inline)

    def csv_file(self, scope: str) -> str:
        raise NotImplementedError

    def csv_row(self, item: tuple[str, tuple[Any, ...]]) -> tuple[str, ...] | None:
        """An entry's (name, ``Row.entry`` tuple) as CSV cells in ``csv_header`` order ("" = not set);
        None when CSV cannot hold it exactly."""
        return self.model.csv_row(*item)

    def inline(self, item: tuple[str, tuple[Any, ...]]) -> Any:
        """An entry's (name, ``Row.entry`` tuple) as written in YAML: only fields that differ from a
        new entry's defaults."""
        return self.model.inline(*item)
