"""Which live object a problem of an import's load-back is about, so that import leaves out that
object alone instead of the whole account (issue 18: one odd object never blocks an account).

A problem carries the file and line the loader found it at. The manifest is parsed again (ruamel's
round-trip loader keeps each key's line) and walked the way ``documents`` built it: an account-level
kind's section, the entry holding the line, then inside a container the section of each kind it
holds (``Kind.section``, ``Kind.group``), down to the deepest object whose lines hold the problem. A
row of a collection's CSV file is found by its line too. A problem in one of a container's own
settings (a domain's ``web_prefix``) is about that setting only: the container is kept without it
(``LEFT_OUT`` in its meta: the export leaves it out, so it is not managed), with all it holds. Knows
no kind by name; reads and writes no file (the bytes are the import's own, not yet written).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mgsync.errors import Problem
from mgsync.kinds import BY_NAME, BulkKind, Kind, children
from mgsync.state import Address, Resource, State

Csvs = Mapping[str, tuple[BulkKind[Any], str]]  # a CSV file's path under the import root -> (kind, scope)
LEFT_OUT = "left_out"  # a resource's meta: the settings its export leaves out (never in the lockfile)


@dataclass(frozen=True)
class Culprit:
    """What a problem is about: a live object, or only one of its own settings (``setting``)."""

    address: Address
    setting: str = ""

    def __str__(self) -> str:
        return f"{self.address}: {self.setting}" if self.setting else str(self.address)


def culprit(problem: Problem, out: Path, files: Mapping[str, bytes], csvs: Csvs, observed: State) -> Culprit | None:
    """The live object, or container setting, ``problem`` is about, if it can be told; None otherwise."""
    try:
        path = Path(problem.file).relative_to(out).as_posix()
    except ValueError:
        return None
    if path not in files or problem.line < 1:
        return None
    if path in csvs:
        kind, scope = csvs[path]
        found = _csv_row(kind, scope, files[path], problem.line)
        return None if found is None else Culprit(found)
    try:
        root = YAML(typ="rt").load(files[path].decode("utf-8"))
    except Exception:  # our own bytes: a parse failure means no object can be named
        return None
    return _walk(root, None, "", problem.line - 1, observed) if isinstance(root, CommentedMap) else None


def _walk(node: CommentedMap, container: Kind[Any] | None, key: str, line: int, observed: State) -> Culprit | None:
    """The deepest object at ``line`` inside ``node``: the top of a manifest (``container`` None) or
    the entry of the container object ``key``; when no section inside holds it, the container's own
    setting at that line, or the container itself."""
    found = _object_at(node, container, key, line, observed)
    if isinstance(found, Culprit) or container is None:
        return found
    setting = _key_at(node, line)
    if container.settings is not None and setting in container.settings.model_fields:
        return Culprit(container.address("", key), str(setting))
    return Culprit(container.address("", key))


def _object_at(node: CommentedMap, container: Kind[Any] | None, key: str, line: int, observed: State) -> Culprit | None:
    """The object of a section of ``node`` whose lines hold ``line``; None when no section does."""
    here = None if container is None else Culprit(container.address("", key))
    for kind in children(container):
        section = _section_at(node, kind, line)
        if section is None:
            continue
        if isinstance(kind, BulkKind):
            item = _bulk_item(kind, key, section, line)
            return here if item is None else Culprit(item)
        single = kind.address("", key)
        if container is not None and single in observed:  # the section is the object (a domain's tracking)
            return Culprit(single)
        name = _key_at(section, line) if isinstance(section, CommentedMap) else None
        if name is None:
            return here
        entry = section[name]
        if isinstance(entry, CommentedMap) and children(kind):
            return _walk(entry, kind, str(name), line, observed)
        return Culprit(kind.address(key, str(name)))
    return None


def _section_at(node: CommentedMap, kind: Kind[Any], line: int) -> Any:
    """``kind``'s section in ``node`` when its lines hold ``line`` (a grouped one inside its group)."""
    holder = node
    if kind.group is not None:
        group = node.get(kind.group.key)
        if not isinstance(group, CommentedMap) or not _holds(node, kind.group.key, line):
            return None
        holder = group
    if kind.section not in holder or not _holds(holder, kind.section, line):
        return None
    return holder[kind.section]


def _holds(mapping: CommentedMap, key: str, line: int) -> bool:
    """Whether ``line`` lies from ``key``'s line up to the next key's of ``mapping``."""
    keys = list(mapping)
    start = mapping.lc.key(key)[0]
    after = keys.index(key) + 1
    end = mapping.lc.key(keys[after])[0] if after < len(keys) else None
    return start <= line and (end is None or line < end)


def _key_at(mapping: CommentedMap, line: int) -> Any:
    """The last key of ``mapping`` that starts on or before ``line``."""
    found = None
    for key in mapping:
        if mapping.lc.key(key)[0] > line:
            break
        found = key
    return found


def _bulk_item(kind: BulkKind[Any], scope: str, section: Any, line: int) -> Address | None:
    """The entry of an inline collection at ``line``."""
    if not isinstance(section, CommentedSeq):
        return None
    index = None
    for i in range(len(section)):
        if section.lc.item(i)[0] > line:
            break
        index = i
    if index is None:
        return None
    item = section[index]
    fields = {kind.plain_key: item} if isinstance(item, str) else dict(item) if isinstance(item, Mapping) else None
    try:
        return kind.address(scope, str(kind.entry_key(fields))) if fields is not None else None
    except (KeyError, TypeError):
        return None


def _csv_row(kind: BulkKind[Any], scope: str, data: bytes, line: int) -> Address | None:
    """The entry of a collection's CSV file whose row spans ``line`` (the header is line 1)."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    start = 2
    for row in reader:
        if start <= line <= reader.line_num:
            return kind.address(scope, str(kind.entry_key(dict(row))))
        start = reader.line_num + 1
    return None


def without(observed: State, dropped: set[Culprit]) -> State:
    """``observed`` without the ``dropped`` objects and all that lives in them (addresses compared as
    the kinds match them), and with the dropped settings marked ``LEFT_OUT`` in their objects."""
    gone = {BY_NAME[c.address.kind].canonical(c.address) for c in dropped if not c.setting}
    settings: dict[Address, set[str]] = {}
    for found in dropped:
        if found.setting:
            settings.setdefault(found.address, set()).add(found.setting)

    def lost(address: Address | None) -> bool:
        while address is not None:
            if BY_NAME[address.kind].canonical(address) in gone:
                return True
            address = BY_NAME[address.kind].parent_address(address)
        return False

    kept = State(_left_out(r, settings.get(a)) for a, r in observed.objects.items() if not lost(a))
    for (kind_name, scope), entries in observed.tables.items():
        kind = BY_NAME[kind_name]
        if kind.parent is not None and lost(Address(kind.parent.name, scope)):
            continue
        kept.put_table(kind_name, scope, {n: e for n, e in entries.items() if not lost(kind.address(scope, n))})
    return kept


def _left_out(resource: Resource, settings: set[str] | None) -> Resource:
    return resource if not settings else replace(resource, meta={**resource.meta, LEFT_OUT: frozenset(settings)})
