"""Members and suppressions read from CSV files (``members: {file: lists/news.csv}``).

CSV conventions:

* UTF-8 (a byte-order mark is ignored), comma-separated, RFC 4180 quoting; blank lines are skipped.
* The first row is the header. Column names are lower-case, in any order; an unknown or
  repeated column, or a missing required one, is an error. Every row has as many fields as the header.
* Cells are stripped of surrounding spaces. An empty cell means "not set": the field is left as
  it is in Mailgun, exactly like a key left out in YAML. No ``${env:}`` substitution happens in CSV cells.

Each bulk kind names its columns (``csv_columns``: the required one and the optional ones); a
``created_at`` column, where a kind accepts it, is ignored, so that files exported from Mailgun load
as they are. Each row is then validated by the same document model as an inline entry; problems
name the CSV file and the line where the row starts. A row the kind finds plainly valid (``plain``:
a cheap check that accepts only what the document accepts, as it would store it) skips building the
document: 200,000 rows, one check each.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mgsync.errors import Problem
from mgsync.manifest.check import describe
from mgsync.shapes.rules import unknown

IGNORED = "created_at"
Columns = tuple[str, tuple[str, ...]]  # (required column, optional columns)


class Unreadable(Exception):
    """The CSV file cannot be read at all; reported at the manifest's ``file:`` entry."""


def load(
    path: Path, shown: str, columns: Columns, model: type[BaseModel], plain: Callable[[dict[str, Any]], bool]
) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """(line, the entry's written fields, validated) for every good row, and a problem for every bad one."""
    rows, problems = read(path, shown, columns)
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


def read(path: Path, shown: str, columns: Columns) -> tuple[list[Cells], list[Problem]]:
    """(line, the row's non-empty cells by column converted as YAML would hold them (``_convert``),
    the cells that can't be) for every row of the file, and problems of the file's shape."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise Unreadable(f'cannot read "{shown}": {err.strerror or err}') from None
    except UnicodeDecodeError:
        raise Unreadable(f'cannot read "{shown}": not UTF-8 text') from None
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
    width, converts = len(header), bool(CONVERTED & set(header))
    rows, end = [], reader.line_num
    for fields in reader:
        start, end = end + 1, reader.line_num
        if len(fields) != width:
            if fields and fields != [""]:  # else a blank line
                problems.append(Problem(shown, start, 1, "", f"row has {len(fields)} fields; the header has {width}"))
            continue
        cells = {name: value for name, value in zip(header, map(str.strip, fields)) if value}
        cells.pop(IGNORED, None)
        rows.append((start, *_convert(cells)) if converts else (start, cells, NOTHING_BAD))
    return rows, problems


def _header_problems(header: list[str] | None, shown: str, columns: Columns) -> list[Problem]:
    return [Problem(shown, 1, 1, "header", message) for message in _header_messages(header, columns)]


def _header_messages(header: list[str] | None, columns: Columns) -> list[str]:
    required, optional = columns
    if not header:
        return [f'empty CSV file: the first row must name the columns ("{required}", ...)']
    allowed = (required, *optional)
    messages = [unknown("column", name, allowed) for name in header if name not in allowed]
    messages += [f'column "{name}" appears twice' for name in sorted(set(header)) if header.count(name) > 1]
    if required not in header:
        messages.append(f'required column "{required}" is missing')
    return messages


CONVERTED = {"subscribed", "vars", "tags"}  # the columns whose cells ``_convert`` turns into YAML values


def _convert(cells: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Cells as the entry's YAML mapping would be written; (column, message) for cells that can't be."""
    data: dict[str, Any] = dict(cells)
    bad = []
    if "subscribed" in data:
        text = data["subscribed"].strip().lower()
        if text in ("yes", "true", "no", "false"):
            data["subscribed"] = text in ("yes", "true")
        else:
            bad.append(("subscribed", f'"{data["subscribed"]}" is not yes, no, true or false'))
    if "vars" in data:
        try:
            data["vars"] = json.loads(data["vars"])
        except ValueError as err:
            bad.append(("vars", f"is not valid JSON ({err.args[0].split(':')[0]})"))
    if "tags" in data:
        data["tags"] = [tag.strip() for tag in data["tags"].split(";") if tag.strip()]
    return data, bad
