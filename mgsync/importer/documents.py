"""Observed canonical state → the manifests a person would have written, built from the registry.

Each account-level kind writes its entries to the file it names (``OwnFile.import_file``: one per
object, like ``<domain>.yaml``, or one for all, like ``routes.yaml``); inside a container's entry,
each kind inside it writes its section (``Kind.export``), with its note above it. What a section
holds, which files it adds (template bodies, CSV collections) and which defaults it leaves out are
the kind's business. Knows no kind by name, nothing of HTTP or of the files on disk.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from ruamel.yaml.comments import CommentedMap

from mgsync.importer.leftout import LEFT_OUT
from mgsync.kinds import BY_NAME, KINDS, BulkKind, Deletable, Kind, OwnFile, children
from mgsync.shapes.output import Output, file_stem
from mgsync.state import Entries, Resource, State, sort_key

HEADER_WIDTH = 98  # the header's lines, as a person would wrap them (``# `` in front makes 100)
NO_BREAK = "\0"  # stands for a space inside `code` while the header is wrapped
ENTRY_INDENT = 4  # notes above the sections of an entry: ``<section>:`` / ``  <key>:`` / ``    here``


def header(what: str) -> str:
    """The comment atop each manifest: what removing something does, from the kinds' flags (the plan
    deletes a managed object a manifest dropped only if its kind is ``Deletable`` and not ``Bulk``)."""
    deleted = [kind for kind in KINDS if isinstance(kind, Deletable) and not isinstance(kind, BulkKind)]
    forgotten = [kind.section for kind in KINDS if not isinstance(kind, Deletable) and not isinstance(kind, BulkKind)]
    additive = dict.fromkeys(
        kind.group.key if kind.group else kind.section for kind in KINDS if isinstance(kind, BulkKind)
    )
    confirmed = "".join(
        f" ({kind.noun(2)} only with `apply --delete-{kind.name} NAME` as well)"
        for kind in deleted
        if kind.confirm_delete
    )
    text = (
        f"Imported from Mailgun by `mgsync import` ({what}).\n"
        "Every field written here is managed: remove a field to leave it as it is in Mailgun. mgsync.lock "
        f"records what mgsync manages, so removing an object from {_series([k.section for k in deleted], 'or')} "
        f"here makes the next plan delete it{confirmed}; removing {_series(forgotten, 'or')} only stops "
        f"managing it (Mailgun keeps it). {_series(list(additive), 'and')} are additive: removing an entry "
        "never deletes it (see `prune`). Editor support: `mgsync schema > mgsync.schema.json`, then make "
        "the first line of this file `# yaml-language-server: $schema=mgsync.schema.json`."
    )
    first, rest = text.split("\n")
    rest = re.sub(r"`[^`]*`", lambda code: code.group().replace(" ", NO_BREAK), rest)  # a command stays whole
    lines = textwrap.wrap(rest, HEADER_WIDTH, break_long_words=False, break_on_hyphens=False)
    return "\n".join([first, *(line.replace(NO_BREAK, " ") for line in lines)])


def _series(sections: list[str], conjunction: str) -> str:
    """```a`, `b` or `c``` (``conjunction``: "or", "and")."""
    names = [f"`{section}`" for section in sections]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}" if len(names) > 1 else "".join(names)


class Account:
    """The observed state grouped by (kind, scope): what each container holds. Collections stay the
    tables they were read into, exported as they are (``BulkKind.export_table``), or were exported
    already as they arrived (``stubs``: their YAML values)."""

    def __init__(self, observed: State, stubs: dict[tuple[str, str], Any] | None = None):
        self.groups: dict[tuple[str, str], list[Resource]] = {}
        for address in sorted(observed.objects, key=sort_key):
            scope = BY_NAME[address.kind].scope_of(address)
            self.groups.setdefault((address.kind, scope), []).append(observed.objects[address])
        self.tables, self.stubs = observed.tables, stubs or {}

    def get(self, kind: str, scope: str = "") -> list[Resource]:
        return self.groups.get((kind, scope), [])

    def export(self, kind: Kind[Any], output: Output, scope: str) -> Any:
        """``kind``'s section of the container ``scope`` (``""``: the account)."""
        if isinstance(kind, BulkKind):
            if (kind.name, scope) in self.stubs:
                return self.stubs[(kind.name, scope)]
            return kind.export_table(output, scope, self.tables.get((kind.name, scope), {}))
        return kind.export(output, scope, self.get(kind.name, scope))


class Builder:
    """The files of an import made piece by piece, as the reads arrive: each collection's as soon as
    it is read (``collection``), each account-level kind's manifests once it and all it holds are
    read (``account_level``); ``close`` when all are in."""

    def __init__(self) -> None:
        self.output = Output()
        self.stubs: dict[tuple[str, str], Any] = {}

    def collection(self, kind: BulkKind[Any], scope: str, entries: Entries) -> str | None:
        """Export a collection now (its CSV file, or its entries inline); the CSV file's path, if any."""
        stub = self.stubs[(kind.name, scope)] = kind.export_table(self.output, scope, entries)
        return stub.get("file") if isinstance(stub, dict) else None

    def account_level(self, kind: Kind[Any], observed: State) -> list[str]:
        """Add the manifests of ``kind``'s objects, each with what it holds; their paths."""
        files: dict[str, CommentedMap] = {}
        _account_level(kind, Account(observed, self.stubs), self.output, files)
        for path, root in files.items():
            self.output.add_yaml(path, root)
        return list(files)

    def close(self) -> list[str]:
        """The manifest an empty account still gets; its path, if added."""
        if self.output.manifests():
            return []
        self.output.add_yaml("mgsync.yaml", _root("an empty account"))
        return ["mgsync.yaml"]


def _root(what: str) -> CommentedMap:
    root = CommentedMap(version=1)
    root.yaml_set_start_comment(header(what))
    return root


def _account_level(kind: Kind[Any], account: Account, output: Output, files: dict[str, CommentedMap]) -> None:
    """Write ``kind``'s objects, each with what it holds, into the files the kind names."""
    if not isinstance(kind, OwnFile):
        raise TypeError(
            f"{kind.name}: an account-level kind is OwnFile (import writes its objects to files of their own)"
        )
    resources = account.get(kind.name)
    entries = kind.export(output, "", resources) if resources else None
    if not entries:
        return
    by_key = {r.address.key: r for r in resources}
    for key, entry in entries.items():
        for setting in by_key[key].meta.get(LEFT_OUT, ()) if key in by_key else ():
            entry.pop(setting, None)  # one a manifest cannot hold: not managed (``leftout``)
        _fill(kind, key, entry, account, output)
        path = kind.import_file.format(key=file_stem(key))  # a domain name may be 253 long: a file name 255
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
