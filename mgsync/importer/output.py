"""The files an import writes, assembled in memory first and written only if none would be overwritten.

YAML goes through ruamel.yaml's round-trip dumper (block style, flow style only for small leaf
mappings and lists, comments kept, UTF-8 without escapes, no line folding); CSV follows the
conventions of ``manifest.csvdata``. Content is bytes, so what is written is exactly what was meant.
Knows nothing of Mailgun.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mgsync.errors import MgsyncError


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


def _dumper() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1_000_000  # never fold a long expression or footer across lines
    yaml.allow_unicode = True
    return yaml


class Output:
    """Relative path (POSIX) → content, in the order added."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add_yaml(self, path: str, tree: CommentedMap) -> None:
        buffer = io.StringIO()
        _dumper().dump(tree, buffer)
        self.add_text(path, buffer.getvalue())

    def add_csv(self, path: str, header: tuple[str, ...], rows: Iterable[Mapping[str, str]]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([row.get(column, "") for column in header] for row in rows)
        self.add_text(path, buffer.getvalue())

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
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
