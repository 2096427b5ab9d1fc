"""Observed canonical state → the manifests a person would have written, built from the registry.

Each account-level kind writes its entries to the file it names (``Kind.import_file``: one per
object, like ``<domain>.yaml``, or one for all, like ``routes.yaml``); inside a container's entry,
each kind inside it writes its section (``Kind.export``), with its note above it. What a section
holds, which files it adds (template bodies, CSV collections) and which defaults it leaves out are
the kind's business. Knows no kind by name, nothing of HTTP or of the files on disk.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from mgsync.kinds import BY_NAME, BulkKind, Kind, children
from mgsync.shapes.output import Output
from mgsync.state import Resource, State, sort_key

HEADER = """\
Imported from Mailgun by `mgsync import` ({what}).
Every field written here is managed: remove a field to leave it as it is in Mailgun. mgsync.lock
records what mgsync manages, so removing a domain, route, list, template, webhook or login here
makes the next plan delete it. Members and suppressions are additive: removing an entry never
deletes it (see `prune`). Editor support: `mgsync schema > mgsync.schema.json`, then make the first
line of this file `# yaml-language-server: $schema=mgsync.schema.json`."""
ENTRY_INDENT = 4  # notes above the sections of an entry: ``<section>:`` / ``  <key>:`` / ``    here``


class Account:
    """The observed state grouped by (kind, scope): what each container holds. Collections stay the
    tables they were read into, exported as they are (``BulkKind.export_table``)."""

    def __init__(self, observed: State):
        self.groups: dict[tuple[str, str], list[Resource]] = {}
        for address in sorted(observed.objects, key=sort_key):
            scope = BY_NAME[address.kind].scope_of(address)
            self.groups.setdefault((address.kind, scope), []).append(observed.objects[address])
        self.tables = observed.tables

    def get(self, kind: str, scope: str = "") -> list[Resource]:
        return self.groups.get((kind, scope), [])

    def export(self, kind: Kind[Any], output: Output, scope: str) -> Any:
        """``kind``'s section of the container ``scope`` (``""``: the account)."""
        if isinstance(kind, BulkKind):
            return kind.export_table(output, scope, self.tables.get((kind.name, scope), {}))
        return kind.export(output, scope, self.get(kind.name, scope))


def build(observed: State) -> Output:
    account, output = Account(observed), Output()
    files: dict[str, CommentedMap] = {}
    for kind in children(None):
        _account_level(kind, account, output, files)
    for path, root in files.items():
        output.add_yaml(path, root)
    if not output.files:
        output.add_yaml("mgsync.yaml", _root("an empty account"))
    return output


def _root(what: str) -> CommentedMap:
    root = CommentedMap(version=1)
    root.yaml_set_start_comment(HEADER.format(what=what))
    return root


def _account_level(kind: Kind[Any], account: Account, output: Output, files: dict[str, CommentedMap]) -> None:
    """Write ``kind``'s objects, each with what it holds, into the files the kind names."""
    resources = account.get(kind.name)
    entries = kind.export(output, "", resources) if resources else None
    if not entries:
        return
    by_key = {r.address.key: r for r in resources}
    for key, entry in entries.items():
        _fill(kind, key, entry, account, output)
        path = kind.import_file.format(key=key)
        if path not in files:
            files[path] = _root(kind.import_title.format(key=key))
            files[path][kind.section] = CommentedMap()
            if kind.note:
                files[path].yaml_set_comment_before_after_key(kind.section, kind.note.format(scope=""))
        section = files[path][kind.section]
        section[key] = entry
        comment = kind.export_comment(by_key[key]) if key in by_key else ""
        if comment:
            section.yaml_set_comment_before_after_key(key, comment, 2)


def _fill(container: Kind[Any], key: str, entry: CommentedMap, account: Account, output: Output) -> None:
    """Add to a container's entry the sections of the kinds inside it, in registry order."""
    for kind in children(container):
        value = account.export(kind, output, key)
        if not value:
            continue
        if kind.group is None:
            entry[kind.section] = value
            _note(entry, kind.section, kind.note.format(scope=key))
            continue
        if kind.group.key not in entry:
            entry[kind.group.key] = CommentedMap()
            _note(entry, kind.group.key, kind.group.note)
        entry[kind.group.key][kind.section] = value


def _note(entry: CommentedMap, key: str, note: str) -> None:
    if note:
        entry.yaml_set_comment_before_after_key(key, note, ENTRY_INDENT)
