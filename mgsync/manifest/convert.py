"""Validated document entries → canonical ``Resource``s, each with its address and source position.

Each kind turns its own section into resources (``Kind.declare``), through the ``Harvest`` (``shapes.harvest``) it is
handed: ``declare`` validates the canonical model and records the source position, ``read_text``
and ``entries`` are where a manifest reaches outside itself (template bodies from ``file:``,
collections from CSV files, both relative to the manifest's directory). ``convert`` walks a
container's entries into its children's sections and its ``prune:`` list. Duplicates across entries
and files are not decided here (see ``loader.merge``). Knows no kind by name.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from mgsync.errors import Problem, read_file
from mgsync.kinds import Kind, Prunable, children
from mgsync.kinds.bulk import BulkKind
from mgsync.manifest import csvdata
from mgsync.manifest.check import Loc, describe, spot
from mgsync.manifest.document import subsection
from mgsync.shapes.doc import CsvFile
from mgsync.shapes.env import UnsetSecret
from mgsync.state import Address, Entries, Resource, Source


@dataclass
class Collected:
    """The entries one manifest file declares for one bulk collection, and where each was written:
    a ``Source``, or for a row of a CSV file just its line (200,000 rows need no object each)."""

    kind: str
    scope: str
    entries: Entries = field(default_factory=dict)
    origins: dict[str, Source | int] = field(default_factory=dict)
    file: str = ""  # the CSV file lines refer to
    in_order: bool = False  # a plain CSV file's entries: entry i (from 0) is on line i + 2

    def source(self, name: str) -> Source:
        if self.in_order and not self.origins:  # made when first asked (a problem): 30 ms for 200,000
            self.origins = dict(zip(self.entries, count(2)))
        origin = self.origins[name]
        return origin if isinstance(origin, Source) else Source(self.file, origin, 1)


@dataclass
class Staged:
    """Files made but not written yet (an import's, loaded back while it reads on): ``files``, their
    bytes by path (POSIX) under ``root``, as they will be written; and for a CSV collection the
    column-wise reading of those bytes (``csvdata.columnar``) by (path, kind), made when the
    collection was exported."""

    root: Path
    files: Mapping[str, bytes]
    tables: dict[tuple[Path, str], tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def data(self, path: Path) -> bytes | None:
        """The bytes to be written at ``path``; None for a file not made here."""
        try:
            return self.files.get(path.relative_to(self.root).as_posix())
        except ValueError:  # not under root
            return None


@dataclass
class FileHarvest:
    """What one manifest file declares, and what went wrong converting it (the ``shapes.harvest.Harvest``
    the kinds declare into)."""

    shown: str  # the file, as the user named it
    root: Any  # its YAML tree, for positions
    resources: list[Resource] = field(default_factory=list)
    collected: list[Collected] = field(default_factory=list)
    prune: set[tuple[str, str]] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # unset ${env:} when allowed; unusual values (``warn``)
    staged: Staged | None = None  # files beside it that are not on disk yet

    def source(self, loc: Loc) -> Source:
        at = spot(self.shown, self.root, loc, at_key=True)
        return Source(at.file, at.line, at.col)

    def problem(self, loc: Loc, message: str, at_key: bool = False) -> None:
        at = spot(self.shown, self.root, loc, at_key=at_key)
        self.problems.append(Problem(at.file, at.line, at.col, at.where, message))

    def warn(self, loc: Loc, message: str) -> None:
        """A valid value that may not do what its author expects (a kind's ``declare`` says so)."""
        at = spot(self.shown, self.root, loc, at_key=False)
        self.warnings.append(Problem(at.file, at.line, at.col, at.where, message))

    def beside(self, reference: str) -> tuple[Path, str]:
        """A file named relative to this manifest: its path, and how to show it."""
        shown = Path(self.shown).parent / reference
        return shown, str(shown)

    def declare(
        self, address: Address, model: type[Any], data: dict[str, Any], loc: Loc, source: Source | None = None
    ) -> None:
        """Add the resource built from ``data``, or a problem per error (never echoing the input)."""
        try:
            body = model.model_validate(data)
        except ValidationError as err:
            for error in err.errors(include_url=False):
                self.problem((*loc, *(p for p in error["loc"] if isinstance(p, str))), describe(error))
            return
        self.resources.append(Resource(address, body, source or self.source(loc)))
        for name in sorted(getattr(body, "SECRET", ())):
            padding = _padding(getattr(body, name, None))
            if padding:
                self.warn(
                    (*loc, name),
                    f"its value {padding}, which is sent as part of it (a .env file with Windows line ends, a "
                    "pasted secret?)",
                )

    def collect(self, kind: BulkKind[Any], scope: str, loc: Loc, value: Any) -> None:
        """Add the entries of a bulk collection (``value``: its validated inline list or CSV file),
        keyed as the kind matches them; an entry written twice is a problem naming both places."""
        found = Collected(kind.name, kind.parent.identity(scope) if kind.parent is not None else scope)
        self.collected.append(found)
        if isinstance(value, CsvFile) and self._columnar(found, kind, value):
            return
        file, rows = self.entries(loc, value, kind)
        found.file = file
        entries, origins = found.entries, found.origins
        for fields, origin in rows:
            name, entry = kind.entry(fields)
            if name in entries:
                where = Source(file, origin, 1) if isinstance(origin, int) else origin
                message = f"defined twice (also at {found.source(name)})"
                written = kind.address(scope, kind.entry_key(fields))  # the address as written, for the message
                self.problems.append(Problem(where.file, where.line, where.col, str(written), message))
                continue
            entries[name], origins[name] = entry, origin

    def read_text(self, reference: str, loc: Loc, check: Callable[[str], str]) -> str | None:
        """The UTF-8 text of a file beside the manifest, passed through ``check``; None after a problem."""
        path, shown = self.beside(reference)
        try:
            return check(self._bytes(path).decode("utf-8"))
        except OSError as err:
            self.problem(loc, f'cannot read "{shown}": {err.strerror or err}')
        except UnicodeDecodeError as err:
            self.problem(loc, f'cannot read "{shown}": {csvdata.not_utf8(err.object, err)}; save it as UTF-8')
        except ValueError as err:
            self.problem(loc, f'"{shown}": {err}')
        return None

    def _staged(self, path: Path) -> bytes | None:
        return self.staged.data(path) if self.staged is not None else None

    def _bytes(self, path: Path) -> bytes:
        """A file beside the manifest: staged, or on disk."""
        staged = self._staged(path)
        return read_file(path) if staged is None else staged

    def _text(self, path: Path, shown: str) -> str:
        """A CSV file's text (``csvdata.text_of``), staged or on disk."""
        staged = self._staged(path)
        return csvdata.text_of(path, shown) if staged is None else csvdata.decoded(staged, shown)

    def _columnar(self, found: Collected, kind: BulkKind[Any], value: CsvFile) -> bool:
        """A plain CSV file's entries in one go (``csvdata.columnar``); False: go row by row."""
        path, shown = self.beside(value.file)
        try:
            read = self.staged.tables.get((path, kind.name)) if self.staged is not None else None
            read = read or csvdata.columnar(self._text(path, shown), kind)
        except (csvdata.Unreadable, csv.Error):
            return False  # the row by row path words it
        if read is None:
            return False
        names, entries = read
        found.file, found.entries, found.in_order = shown, dict(zip(names, entries)), True
        return True

    def entries(
        self, loc: Loc, value: Any, kind: BulkKind[Any]
    ) -> tuple[str, list[tuple[dict[str, Any], Source | int]]]:
        """The written fields (validated) of each entry of a bulk collection, inline or from CSV, with
        its source; a CSV row's source is its line in the file named first."""
        if isinstance(value, CsvFile):
            path, shown = self.beside(value.file)
            try:
                rows, problems = csvdata.load(
                    self._text(path, shown), shown, kind.csv_columns, kind.entry_doc, kind.plain
                )
            except csvdata.Unreadable as err:
                self.problem((*loc, "file"), str(err))
                return shown, []
            self.problems += problems
            return shown, [(fields, line) for line, fields in rows]
        found: list[tuple[dict[str, Any], Source | int]] = []
        for i, item in enumerate(value):
            entry = item if isinstance(item, BaseModel) else kind.entry_doc.model_validate({kind.plain_key: item})
            found.append((csvdata.fields_of(entry), self.source((*loc, i))))
        return self.shown, found


def convert(out: FileHarvest, kind: Kind[Any], scope: str, value: Any, loc: Loc) -> None:
    """Declare a section's resources; for a container, also what each of its entries holds."""
    kind.declare(out, scope, value, loc)
    inside = children(kind)
    if not inside:
        return
    prunable = {child.section: child for child in inside if isinstance(child, Prunable)}
    for key, entry in value.items():
        for child in inside:
            path, section = subsection(entry, child)
            if section is not None:
                convert(out, child, key, section, (*loc, key, *path))
        out.prune |= {(prunable[name].name, key) for name in getattr(entry, "prune", None) or ()}


def top_prune(out: FileHarvest, names: list[str]) -> None:
    prunable = {kind.section: kind for kind in children(None) if isinstance(kind, Prunable)}
    out.prune |= {(prunable[name].name, "") for name in names}


def _padding(secret: Any) -> str:
    """How a secret's value is padded ("ends with a carriage return"), "" when it is not: never the
    value. A multi-line one (a PEM key) may end in line feeds, as a key file does."""
    if not isinstance(secret, SecretStr) or isinstance(secret, UnsetSecret):
        return ""
    text = secret.get_secret_value()
    kept = text.rstrip("\n") if "\n" in text.strip() else text
    for where, edge in (("begins", kept[:1]), ("ends", kept[-1:])):
        if edge and edge.isspace():
            name = {"\r": "a carriage return", "\n": "a line feed", "\t": "a tab", " ": "a space"}
            return f"{where} with {name.get(edge, f'U+{ord(edge):04X}')}"
    return ""
