"""The files an import writes, assembled in memory first and written only if none would be overwritten.

YAML is what ruamel.yaml's round-trip dumper writes (block style, flow style only for small leaf
mappings and lists, comments kept, UTF-8 without escapes, no line folding), written directly by
``yamltext`` for the shapes import makes and by the dumper for anything else; CSV follows the
conventions of ``manifest.csvdata``. Content is bytes, so what is written is exactly what was meant.
A bulk collection of more than ``CSV_THRESHOLD`` entries goes to CSV, unless a value cannot survive
CSV as ``manifest.csvdata`` reads it (cells are stripped, an empty cell means "not set"): such a
collection stays inline, where YAML keeps every value exactly. Knows nothing of Mailgun.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter

from mgsync.errors import MgsyncError, writing
from mgsync.shapes.yamltext import Unsure, Writer

CSV_THRESHOLD = 20


def flow_map(data: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(data)
    node.fa.set_flow_style()
    return node


def flow_seq(items: Iterable[Any]) -> CommentedSeq:
    node = CommentedSeq(items)
    node.fa.set_flow_style()
    return node


def block_seq(items: Iterable[Any]) -> CommentedSeq:
    node = CommentedSeq(items)
    node.fa.set_block_style()
    return node


class _Representer(RoundTripRepresenter):
    """ruamel.yaml's, but a string holding NEL (U+0085, a cp1252 "…" read as Latin-1) is double-quoted:
    written raw in single quotes, as ruamel.yaml would, it reads back as a space (a line break folded)."""

    def represent_str(self, data: str) -> ScalarNode:
        if "\x85" in data:
            node: ScalarNode = self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
            return node
        plain: ScalarNode = super().represent_str(data)
        return plain


_Representer.add_representer(str, _Representer.represent_str)


def _dumper() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1_000_000  # never fold a long expression or footer across lines
    yaml.allow_unicode = True
    return yaml


# Names Windows takes for a device in any directory, with any suffix (nul.hbs is NUL):
# https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file#naming-conventions
_DEVICE = re.compile(r"(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)


def file_stem(name: str) -> str:
    """A file name (without suffix) for ``name`` that is safe on every file system: no separator,
    ``:`` or other punctuation, no leading or trailing dot, no Windows device name (``nul`` is
    ``nul_``), on every system, so that what Linux writes checks out on Windows."""
    stem = (re.sub(r"[^\w.@+-]", "_", name).strip(".") or "_")[:120].rstrip(".")
    before_dot = stem.split(".", 1)[0]
    return f"{before_dot}_{stem[len(before_dot) :]}" if _DEVICE.fullmatch(stem) else stem


def _csv_safe(rows: Sequence[Sequence[str]]) -> bool:
    """No cell has surrounding whitespace (``manifest.csvdata`` strips cells): compared in C loops."""
    cells = list(chain.from_iterable(rows))
    return cells == list(map(str.strip, cells))


def _csv_text(lines: list[Sequence[str]]) -> str:
    """The lines as ``csv.writer`` writes them (minimal quoting, "\\n" line ends). When no cell holds a
    comma, quote or line break (the text joined directly has exactly one comma between cells and one
    line break per line), quoting has nothing to do and the cells are joined in C loops; a one-column
    line with an empty cell is written quoted, so such files go through the writer too."""
    text = "\n".join(map(",".join, lines)) + "\n"
    commas = sum(map(len, lines)) - len(lines)
    if (
        text.count(",") == commas
        and text.count("\n") == len(lines)
        and '"' not in text
        and "\r" not in text
        and not (commas == 0 and "\n\n" in "\n" + text)
    ):
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()


_E = TypeVar("_E")


class Output:
    """Relative path (POSIX) → content, in the order added."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.writer = Writer(_dumper())

    def add_yaml(self, path: str, tree: CommentedMap) -> None:
        """``tree`` as ruamel.yaml's round-trip dumper writes it: written directly (``yamltext``)
        where it is sure to write the same, else by the dumper."""
        try:
            text = self.writer.dump(tree)
        except Unsure:
            buffer = io.StringIO()
            _dumper().dump(tree, buffer)
            text = buffer.getvalue()
        self.add_text(path, text)

    def add_csv(self, path: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A CSV file of ``rows`` (cells in ``header`` order, "" = not set)."""
        self.add_text(path, _csv_text([header, *rows]))

    def collection(
        self,
        path: str,
        header: Sequence[str],
        entries: Sequence[_E],
        rows: Callable[[Sequence[_E]], Sequence[Sequence[str]] | None],
        inline: Callable[[_E], Any],
    ) -> Any:
        """The YAML value of a bulk collection: its entries inline, or ``{file: path}`` with the CSV
        added (``rows``: every entry's cells in ``header`` order, or None when CSV cannot hold one)."""
        if len(entries) > CSV_THRESHOLD:
            found = rows(entries)
            if found is not None and _csv_safe(found):
                self.add_csv(path, header, found)
                return flow_map({"file": path})
        return block_seq(map(inline, entries))

    def add_text(self, path: str, text: str) -> None:
        self.files[path] = text.encode("utf-8")

    def manifests(self) -> list[str]:
        return [path for path in self.files if path.endswith(".yaml")]

    def refuse_overwrite(self, root: Path, also: Iterable[str] = (), force: bool = False) -> None:
        """One error naming the first file that exists already (unless ``force``); nothing is written then."""
        if root.exists() and not root.is_dir():
            raise MgsyncError(f"Cannot import into {root}: it is a file, not a directory.")
        if force:
            return
        for path in sorted([*self.files, *also]):
            if (root / path).exists():
                raise MgsyncError(
                    f"Refusing to overwrite {root / path}: it already exists. "
                    "Import into an empty directory, or re-run with --force to replace the files import writes."
                )

    def write(self, root: Path) -> None:
        for path, content in self.files.items():
            target = root / path
            with writing(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
