"""Finding manifest files and parsing them with ruamel.yaml, positions kept, problems reported.

A path is a file or a directory searched recursively for ``*.yaml`` / ``*.yml`` in any case (hidden entries
and templates' test data, ``*.vars.yaml``, skipped). Parsing is round-trip, so every mapping and sequence keeps ``.lc`` line/column data;
libyaml scans and parses where it reads the text as ruamel.yaml does (``yamlevents``).
Duplicate keys are found on the composed node tree first, so *every* duplicate is reported with
both places; the document is then constructed keeping the first value. Malformed YAML, unreadable
files, non-UTF-8 text, characters YAML refuses and a byte order mark past the start become a
``Problem`` at ``file:line:col`` (columns count characters, lines break as YAML breaks them), never an
exception. Knows nothing of the schema.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner

from mgsync.errors import Problem, file_type
from mgsync.manifest import yamlevents

SUFFIXES = (".yaml", ".yml")
NAMES = "*.yaml, *.yml"
BOM = "\ufeff"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # as ruamel.yaml's reader counts lines
EXPANDED = 1_000_000  # values a file may expand to through aliases, past ten times those written


@dataclass(frozen=True)
class Parsed:
    path: Path  # as given by the user (joined under a given directory)
    root: Any  # CommentedMap, None for an empty file, or anything else YAML allows at the top

    @property
    def name(self) -> str:
        return str(self.path)


def find_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The manifest files of ``paths`` (files, and directories walked), each once; a problem for a path
    that is none of these, and for a file found that cannot be read as one (a link that leads nowhere
    or to itself, a device or a pipe, which would be read forever or wait)."""
    found: dict[Path, Path] = {}  # resolved -> as given, first wins
    problems: list[Problem] = []
    for path in paths:
        mode, why = _mode(path)
        if stat.S_ISDIR(mode):
            files = _walk(path)
            if not files:
                problems.append(Problem(str(path), 0, 0, "", f"no manifest files ({NAMES}) in this directory"))
        else:
            files = [path]  # a file, or why not: said below
        for file in files:
            mode, why = _mode(file) if file is not path else (mode, why)
            if why is not None or not stat.S_ISREG(mode):
                problems.append(
                    Problem(str(file), 0, 0, "", why or "not a regular file (a device, a pipe or a socket)")
                )
                continue
            found.setdefault(file.resolve(), file)
    return sorted(found.values()), problems


def _mode(path: Path) -> tuple[int, str | None]:
    """``path``'s file type (its ``st_mode``, links followed), or why it has none."""
    mode, err = file_type(path)
    if err is not None:
        return 0, f"cannot read it: {err.strerror or err}"
    return mode, None if mode else "no such file or directory"


def _test_data(name: str) -> bool:
    """A template's test data (``welcome.vars.yaml``, issue 22) is no manifest."""
    return name.lower().endswith((".vars.yaml", ".vars.yml"))


def _walk(directory: Path) -> list[Path]:
    """The manifest files under ``directory``: suffixes in any case (``routes.YAML``), linked
    directories followed, each directory once (a link to an ancestor is no loop). Both were left
    out without a word, and what they declared was planned for deletion."""
    files = []
    seen = {os.path.realpath(directory)}
    for parent, dirs, names in os.walk(directory, followlinks=True):
        kept = []
        for name in sorted(dirs):
            real = os.path.realpath(os.path.join(parent, name))
            if not name.startswith(".") and real not in seen:
                seen.add(real)
                kept.append(name)
        dirs[:] = kept
        files += [
            Path(parent, n)
            for n in names
            if n.lower().endswith(SUFFIXES) and not n.startswith(".") and not _test_data(n)
        ]
    return sorted(files)


def parse(path: Path, data: bytes | None = None) -> tuple[Parsed | None, list[Problem]]:
    """The file at ``path``; or ``data``, the bytes about to be written there (an import's)."""
    name, raw = str(path), b""
    try:
        raw = path.read_bytes() if data is None else data
        text = raw.decode("utf-8-sig")
    except OSError as err:
        return None, [Problem(name, 0, 0, "", f"cannot read the file: {err.strerror or err}")]
    except UnicodeDecodeError as err:
        line, col = _line_col(raw[: err.start].decode("utf-8-sig"), err.start)
        return None, [Problem(name, line, col, "", "not UTF-8 text (save the file as UTF-8)")]
    if (at := text.find(BOM, 1)) > 0:  # YAML reads it as part of a key or value: nobody means that
        line, col = _line_col(text, at)
        message = "a byte order mark (U+FEFF) in the middle of the file, as where two files were joined: remove it"
        return None, [Problem(name, line, col, "", message)]
    try:
        return _parse_text(path, text)
    except ReaderError as err:
        return None, [_reader_problem(name, text, err)]
    except MarkedYAMLError as err:
        return None, [_yaml_problem(name, text, err)]
    except YAMLError as err:
        return None, [Problem(name, 0, 0, "", f"invalid YAML: {_first_line(str(err))}")]
    except RecursionError:
        return None, [Problem(name, 0, 0, "", "invalid YAML: nested too deeply")]
    except _AliasBomb as err:
        mark = err.node.start_mark
        message = (
            f"aliases (*name) make this value expand to more than {EXPANDED:,} values, as in an alias bomb;"
            " write it with fewer nested aliases"
        )
        return None, [Problem(name, mark.line + 1, mark.column + 1, "", message)]


class _AliasBomb(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


def _expanded_past_limit(root: Node) -> Node | None:
    """The deepest node that aliases expand past ``EXPANDED`` values (each alias counting all it
    stands for, as converting it to JSON does), when that is ten times the nodes written; else None.
    A 652-byte file of nested aliases was gigabytes of memory and then a crash."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is None:
            sizes[id(node)] = 1  # a node holding itself (a recursive alias) counts once
            known = sizes[id(node)] = 1 + sum(size(child) for child in _children(node))
        return known

    if size(root) <= max(EXPANDED, 10 * len(sizes)):
        return None
    found = root
    while (deeper := next((child for child in _children(found) if sizes[id(child)] > EXPANDED), None)) is not None:
        found = deeper
    return found


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, SequenceNode) else []


class _Constructor(RoundTripConstructor):
    """Keeps the composed node tree, so duplicate keys can be found without parsing twice."""

    root_node: Node | None = None

    def get_single_data(self) -> Any:
        self.root_node = self.composer.get_single_node()
        return None if self.root_node is None else self.construct_document(self.root_node)

    def construct_yaml_str(self, node: Any) -> Any:
        """``!!str 550`` is the string "550", as YAML means it (the usual way to keep a value a string);
        ruamel.yaml's round trip made it a ``TaggedScalar``, refused as "a value tagged ..."."""
        return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:str", _Constructor.construct_yaml_str)


def _parse_text(path: Path, text: str) -> tuple[Parsed, list[Problem]]:
    yaml = YAML(typ="rt", pure=True)
    # libyaml's events where it reads the text as ruamel.yaml would (``yamlevents``); else the spec's
    # scanner and parser: the round-trip ones also gather comments, which a load never uses (import
    # writes its own), for a fifth of the parse time; positions (``.lc``) are the same.
    made = yamlevents.events(text)
    yaml.Scanner, yaml.Parser = Scanner, Parser if made is None else yamlevents.Replay.of(made)
    yaml.Composer = yamlevents.BoundComposer
    if made is not None:
        yaml.Resolver = yamlevents.Resolver12
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a re-defined anchor: legal YAML, not worth a warning
        data = yaml.load(text)
    node, yaml.constructor.root_node = yaml.constructor.root_node, None
    if node is not None and yaml.composer.aliases and (bomb := _expanded_past_limit(node)) is not None:
        raise _AliasBomb(bomb)
    # The YAML object and its parts refer to each other; with the node tree no longer among what
    # they hold, the tree (a mark per token) is freed when this returns, not at the next collection.
    return Parsed(path, data), _duplicate_keys(str(path), node) if node is not None else []


def _yaml_problem(name: str, text: str, err: MarkedYAMLError) -> Problem:
    mark, context = err.problem_mark or err.context_mark, err.context_mark
    if mark is not None and "single document" in str(err.context):
        message = "a manifest file holds one YAML document (remove this ---)"
        return Problem(name, mark.line + 1, mark.column + 1, "", message)
    message = _first_line(err.problem or err.context or "")
    if err.problem and err.context and context is not None and context is not mark:
        message += f" ({_first_line(err.context)} at line {context.line + 1}, column {context.column + 1})"
    if mark is None:
        return Problem(name, 0, 0, "", f"invalid YAML: {message}")
    if message.startswith("found undefined alias"):  # ``*@mg.example.com:``, a forward's catch-all, unquoted
        lines = text.splitlines()
        written = re.match(r"\*[^\s,\[\]{}]*", lines[mark.line][mark.column :]) if mark.line < len(lines) else None
        if written is not None:
            message += f"; YAML reads a plain * as an alias: quote the text ('{written.group().rstrip(':')}')"
    if "'\\t'" in message:  # a tab where YAML's parser wants a space (after "key:", after "-")
        message += "; write a space there instead of the tab"
    return Problem(name, mark.line + 1, mark.column + 1, "", f"invalid YAML: {message}")


def _reader_problem(name: str, text: str, err: ReaderError) -> Problem:
    """A character YAML refuses anywhere (controls other than tab and line breaks, U+FFFE/FFFF)."""
    line, col = _line_col(text, err.position)
    code = err.character if isinstance(err.character, int) else ord(err.character)
    kind = "a control character" if code < 0x20 or 0x7F <= code <= 0x9F else "not a character"
    return Problem(name, line, col, "", f"invalid YAML: character U+{code:04X} ({kind}) is not allowed: remove it")


def _line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of the character at ``position``."""
    breaks = list(_LINE_BREAK.finditer(text, 0, position))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, position - start + 1


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "malformed document"


def _duplicate_keys(name: str, root: Node) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[Node, tuple[str, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            problems += _duplicates_in(name, node, path)
            stack += [(value, (*path, str(key.value))) for key, value in node.value]
        elif isinstance(node, SequenceNode):
            last = path[-1] if path else ""
            stack += [(item, (*path[:-1], f"{last}[{i}]")) for i, item in enumerate(node.value)]
    return problems


def _duplicates_in(name: str, node: MappingNode, path: tuple[str, ...]) -> list[Problem]:
    first: dict[tuple[str | None, Any], Node] = {}
    problems = []
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        earlier = first.setdefault((key.tag, key.value), key)
        if earlier is not key:
            mark, was = key.start_mark, earlier.start_mark
            where = ".".join((*path, str(key.value)))
            message = f'duplicate key "{key.value}" (also at {name}:{was.line + 1}:{was.column + 1})'
            problems.append(Problem(name, mark.line + 1, mark.column + 1, where, message))
    return problems
