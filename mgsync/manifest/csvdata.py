"""Members and suppressions read from CSV files (``members: {file: lists/news.csv}``).

CSV conventions:

* UTF-8 (a byte-order mark is ignored), comma-separated, RFC 4180 quoting; blank lines are skipped.
* The first row is the header. Column names are lower-case, in any order; an unknown or
  repeated column, or a missing required one, is an error. Every row has as many fields as the header.
* Cells are stripped of surrounding spaces. An empty cell means "not set": the field is left as
  it is in Mailgun, exactly like a key left out in YAML. No ``${env:}`` substitution happens in CSV cells.

Each bulk kind names its columns (``csv_columns``: the required one and the optional ones, and the
cell parsers of the columns whose cells become other YAML values, all derived from the kind's one
declaration, ``kinds/columns.py``); a ``created_at`` column, where a kind accepts it, is ignored, so that files exported from Mailgun load
as they are. Each row is then validated by the same document model as an inline entry; problems
name the CSV file and the line where the row starts. A row the kind finds plainly valid (``plain``:
a cheap check that accepts only what the document accepts, as it would store it) skips building the
document: 200,000 rows, one check each.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Mapping
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from mgsync.errors import Problem, read_file
from mgsync.kinds.columns import BAD, Column, CsvColumns
from mgsync.manifest.check import describe
from mgsync.shapes.rules import all_pass, unknown

if TYPE_CHECKING:
    from mgsync.kinds.bulk import BulkKind

IGNORED = "created_at"
Columns = tuple[str, tuple[str, ...]]  # (required column, optional columns)


class Unreadable(Exception):
    """The CSV file cannot be read at all; reported at the manifest's ``file:`` entry."""


def text_of(path: Path, shown: str) -> str:
    """The file's text (a byte-order mark dropped); ``Unreadable`` when it has none."""
    try:
        data = read_file(path)
    except OSError as err:
        raise Unreadable(f'cannot read "{shown}": {err.strerror or err}') from None
    return decoded(data, shown)


def decoded(data: bytes, shown: str) -> str:
    """A CSV file's bytes as text (a byte-order mark dropped); ``Unreadable`` when not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        why = not_utf8(data, err)
        raise Unreadable(f'cannot read "{shown}": {why}; save it as UTF-8 (in Excel: "CSV UTF-8")') from None


def not_utf8(data: bytes, err: UnicodeDecodeError) -> str:
    """Why ``data`` is not UTF-8, and where: UTF-16 by its byte-order mark (a spreadsheet's "Unicode
    text"), else the first byte that is not UTF-8, by line and column (a spreadsheet's Windows-1252 CSV)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text, not UTF-8"
    before = data[: err.start].decode("utf-8-sig")
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    return f"not UTF-8 text: byte 0x{data[err.start]:02x} at line {line}, column {column}"


def columnar(text: str, kind: BulkKind[Any]) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """Every row's name and ``Row.entry`` tuple at once, column by column (the loops run in C), when
    the file is plain throughout: a good header, one line per row, no empty cell except in a column
    empty in every row (left out: an empty cell means "not set", and import writes such columns),
    every cell converting, every column passing the kind's ``checks``, no name twice. Else None, and
    the file goes row by row (``load``), which words every problem. Row ``i`` (from 0) is on line ``i + 2``."""
    table = _table(text)
    if table is None:
        return None
    header = [name.strip() for name in table[0]]
    if _header_messages(header, kind.csv_columns):
        return None
    columns: dict[str, list[Any]] = {name: list(map(str.strip, cells)) for name, cells in zip(header, table[1])}
    for name in _ignored(kind.csv_columns):
        columns.pop(name, None)
    parsers = _parsers(kind.csv_columns)
    for name, cells in list(columns.items()):
        if not any(cells) and name != kind.csv_columns[0]:
            del columns[name]  # empty in every row: not set anywhere, as if the column were not there
            continue
        parser = parsers.get(name)
        if "" in cells or (parser is not None and BAD in (cells := list(map(parser.parse, cells)))):  # type: ignore[arg-type]
            return None
        check = kind.checks.get(name)
        if check is not None and not all_pass(check, cells):
            return None
        columns[name] = cells
    names = kind.identities(columns.pop(kind.csv_columns[0]))
    if len(set(names)) != len(names):
        return None
    model = kind.model
    values = [_column(columns.get(name), default, fix) for name, default, fix in model.fields()]
    return names, list(
        islice(zip(*values, repeat(model.written(frozenset(columns)))), len(names))
    )  # repeats are endless


def _table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """The header row and every column's cells under it, when the file has a header and a row, one
    per line (no line break in a cell, no blank line, no ``\\r``), all as wide as the header; else None.
    A file with no quote (``"``) is split on its line breaks and commas in C, which is what the CSV
    reader makes of it (a comma always parts, a line break always ends a row), in under half the time."""
    if "\r" in text:
        return None
    return _read_table(text) if '"' in text or "\0" in text else _split_table(text)


def _read_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """``_table`` by the CSV reader."""
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if len(rows) < 2 or text.count("\n") != len(rows) - (not text.endswith("\n")):
        return None
    if not rows[0] or set(map(len, rows)) != {len(rows[0])}:  # a blank line is a row of no cells
        return None
    return rows[0], list(map(list, zip(*rows[1:])))


def _split_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """``_table`` of a text with no quote, NUL or ``\\r``: split on line breaks and commas."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or "" in lines or max(map(len, lines)) > csv.field_size_limit():  # the reader refuses such a cell
        return None
    commas = lines[0].count(",")
    if set(map(str.count, lines, repeat(","))) != {commas}:
        return None
    cells, width = ",".join(lines).split(","), commas + 1
    return cells[:width], [cells[width + column :: width] for column in range(width)]


def _column(cells: list[Any] | None, default: Any, fix: Callable[[Any], Any] | None) -> Iterable[Any]:
    """One field's values for every row: its cells, or its default where the file has no such column."""
    if cells is None:
        return repeat(default if fix is None else fix(default))
    return cells if fix is None else map(fix, cells)


def load(
    text: str, shown: str, columns: Columns, model: type[BaseModel], plain: Callable[[dict[str, Any]], bool]
) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """(line, the entry's written fields, validated) for every good row, and a problem for every bad one."""
    rows, problems = read(text, shown, columns)
    entries = []
    for line, data, bad in rows:
        if bad:
            problems += [Problem(shown, line, 1, column, message) for column, message in bad]
        elif plain(data):
            entries.append((line, data))
            continue
        if bad:
            continue
        try:
            entries.append((line, fields_of(model.model_validate(data))))
        except ValidationError as err:
            problems += [_row_problem(shown, line, error) for error in err.errors(include_url=False)]
    return entries, problems


def fields_of(doc: BaseModel) -> dict[str, Any]:
    """The fields of a validated entry document that were written, with their validated values."""
    return {name: getattr(doc, name) for name in doc.model_fields_set}


def _row_problem(shown: str, line: int, error: Any) -> Problem:
    column = next((str(part) for part in error["loc"] if isinstance(part, str)), "row")
    message = f'missing value for "{column}"' if error["type"] == "missing" else describe(error)
    return Problem(shown, line, 1, column, message)


Cells = tuple[int, dict[str, Any], list[tuple[str, str]]]  # (line, data, (column, problem) of cells that can't convert)
NOTHING_BAD: list[tuple[str, str]] = []  # shared: never added to


def read(text: str, shown: str, columns: Columns) -> tuple[list[Cells], list[Problem]]:
    """(line, the row's non-empty cells by column converted as YAML would hold them (``_convert``),
    the cells that can't be) for every row of the file, and problems of the file's shape."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _rows(reader, shown, columns)
    except csv.Error as err:
        return [], [Problem(shown, reader.line_num, 1, "", f"malformed CSV: {err}")]


def _rows(reader: Any, shown: str, columns: Columns) -> tuple[list[Cells], list[Problem]]:
    header = next(reader, None)
    header = header and [name.strip() for name in header]
    problems = _header_problems(header, shown, columns)
    if problems or header is None:
        return [], problems
    parsers = _parsers(columns)
    width, converts, ignored = len(header), bool(parsers.keys() & set(header)), _ignored(columns)
    rows, end = [], reader.line_num
    for fields in reader:
        start, end = end + 1, reader.line_num
        if len(fields) != width:
            if fields and fields != [""]:  # else a blank line
                problems.append(Problem(shown, start, 1, "", f"row has {len(fields)} fields; the header has {width}"))
            continue
        cells = {name: value for name, value in zip(header, map(str.strip, fields)) if value}
        for name in ignored:
            cells.pop(name, None)
        rows.append((start, *_convert(cells, parsers)) if converts else (start, cells, NOTHING_BAD))
    return rows, problems


def _header_problems(header: list[str] | None, shown: str, columns: Columns) -> list[Problem]:
    return [Problem(shown, 1, 1, "header", message) for message in _header_messages(header, columns)]


def _header_messages(header: list[str] | None, columns: Columns) -> list[str]:
    required, optional = columns
    if not header:
        return [f'empty CSV file: the first row must name the columns ("{required}", ...)']
    separator = next((sep for sep in (";", "\t") if len(header) == 1 and sep in header[0]), None)
    if separator is not None:  # a spreadsheet's export where the list separator is not a comma
        return [f"the header is one column, separated by {separator!r}: mgsync reads comma-separated files"]
    allowed = (required, *optional)
    messages = [unknown("column", name, allowed) for name in header if name not in allowed]
    messages += [f'column "{name}" appears twice' for name in sorted(set(header)) if header.count(name) > 1]
    if required not in header:
        messages.append(f'required column "{required}" is missing')
    return messages


def _ignored(columns: Columns) -> tuple[str, ...]:
    """The columns read and dropped (``created_at`` for a plain tuple of names)."""
    return columns.ignored if isinstance(columns, CsvColumns) else (IGNORED,)


def _parsers(columns: Columns) -> Mapping[str, Column]:
    """The columns whose cells become other YAML values (none for a plain tuple of names)."""
    return columns.parsers if isinstance(columns, CsvColumns) else {}


def _convert(cells: dict[str, Any], parsers: Mapping[str, Column]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Cells as the entry's YAML mapping would be written; (column, message) for cells that can't be."""
    data: dict[str, Any] = dict(cells)
    bad = []
    for name, parser in parsers.items():
        if name in data:
            data[name] = parser.parse(data[name])  # type: ignore[misc]
            if data[name] is BAD:
                bad.append((name, parser.bad(cells[name])))
    return data, bad
