"""``mgsync import``: a live account → manifests a person would have written, plus the lockfile.

The account is read once through the engine's ``observe`` (whole account, or only the named
containers and what they hold, e.g. ``--domain``; other account-level kinds always). The files are
made in memory while the reads go on (``_Stream``): each collection as soon as it is read, each
account-level kind's manifests as soon as it and everything inside it is, kinds renaming first what
a manifest cannot hold (``Kind.import_names``; ``documents`` builds the sections). Each manifest is
loaded back by the real loader from the bytes about to be written, which proves they validate. Then
the files are checked against what exists (nothing is overwritten without ``force``), written, and
recorded with the engine's ``sync_lock`` so that everything imported is managed and a plan right
after shows no changes. Knows no kind by name; prints nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync.account import identify
from mgsync.engine import observe, sync_lock, wanted_scopes
from mgsync.errors import ConfigError, ManifestError, MgsyncError
from mgsync.importer import documents
from mgsync.kinds import BY_NAME, KINDS, BulkKind, Kind, children
from mgsync.lockfile import Lockfile, collection_digest
from mgsync.manifest import Desired, csvdata
from mgsync.manifest.convert import Staged
from mgsync.manifest.loader import Loading
from mgsync.memory import settled
from mgsync.state import Entries, State, TableKey, sort_key

if TYPE_CHECKING:
    from mgsync.client import Client

LOCKFILE = "mgsync.lock"


@dataclass
class Imported:
    out: Path
    counts: dict[str, int]  # account-level kind -> objects imported (kinds with none left out)
    objects: int
    notes: list[str] = field(default_factory=list)

    def summary(self, plan_command: str = "mgsync plan") -> str:
        """The closing line; ``plan_command`` repeats the connection flags the import used."""
        counts = ", ".join(f"{n:,} {BY_NAME[kind].noun(n)}" for kind, n in self.counts.items()) or "nothing"
        noun = "object" if self.objects == 1 else "objects"
        return f"Imported {counts} ({self.objects:,} {noun}) into {self.out}; run: {plan_command} {self.out}"


def run_import(
    client: Client, out: Path, *, only: Mapping[str, tuple[str, ...]] | None = None, force: bool = False
) -> Imported:
    """Import the account into ``out``; ``only`` maps a container kind to the keys to import of it."""
    digests: dict[TableKey, str] = {}
    stream = _Stream(out, only or {})
    observed = read_account(client, only or {}, digests, stream)
    settled()  # what was read lives to the end: the collector need not scan it again
    stream.close(observed)
    output = stream.builder.output
    output.refuse_overwrite(out, also=[LOCKFILE], force=force)
    notes = _strays(out, output.manifests()) + stream.notes()
    output.write(out)
    desired = stream.loaded()
    lock = Lockfile(out / LOCKFILE)
    lock.account = identify(client).record()  # the account this lockfile belongs to (account.py)
    sync_lock(lock, desired, observed, (), digests=digests)
    lock.write()
    counts = {kind.name: n for kind in children(None) if (n := len(desired.keys(kind.name)))}
    return Imported(out, counts, len(desired.state), notes)


class _Stream:
    """The import's files made and loaded back (parsed and validated by the real loader, from the
    bytes about to be written) while the reads go on: a collection as soon as it is read, an
    account-level kind's manifests as soon as it and everything inside it is (routes long before the
    last domain). Only what ``only`` keeps is made. Nothing is written here."""

    def __init__(self, out: Path, only: Mapping[str, tuple[str, ...]]):
        self.out, self.wanted = out, _wanted(only)
        self.builder = documents.Builder()
        self.staged = Staged(out, self.builder.output.files)
        self.loading = Loading({}, staged=self.staged)
        self.waiting = {kind.name: {k.name for k in _subtree(kind)} for kind in children(None)}
        self.renamed: dict[str, list[str]] = {}  # kind -> notes of ``import_names``

    def collection(self, kind: BulkKind[Any], scope: str, entries: Entries) -> None:
        """Export a collection just read; a CSV file is read back column by column now (a file that is
        not plain goes row by row when its manifest is loaded)."""
        path = self.builder.collection(kind, scope, entries)
        if path is None:
            return
        file = self.out / path
        try:
            read = csvdata.columnar(csvdata.decoded(self.builder.output.files[path], str(file)), kind)
        except (csvdata.Unreadable, csv.Error):
            return
        if read is not None:
            self.staged.tables[(file, kind.name)] = read

    def finished(self, kind: Kind[Any], observed: State) -> None:
        """``kind``'s reads are all in: once its whole account-level kind is, make and load its manifests."""
        top = kind
        while top.parent is not None:
            top = top.parent
        self.waiting[top.name].discard(kind.name)
        if self.waiting[top.name]:
            return
        for member in _subtree(top):
            self.renamed[member.name] = member.import_names(observed)
        self._load(self.builder.account_level(top, _only(observed, self.wanted)))

    def close(self, observed: State) -> None:
        """After the reads: the kinds ``observe`` did not report (none, unless it read nothing), and
        the manifest an empty account still gets."""
        for name in [name for name, waiting in self.waiting.items() if waiting]:
            self.waiting[name] = set()
            self.finished(BY_NAME[name], observed)
        self._load(self.builder.close())

    def notes(self) -> list[str]:
        return [note for kind in KINDS for note in self.renamed.get(kind.name, ())]

    def loaded(self) -> Desired:
        """The manifests as the loader makes them of the files written, in the order ``load`` takes
        them; this proves they validate."""
        files = sorted(self.out / path for path in self.builder.output.manifests())
        try:
            return self.loading.finish(files, self.out)
        except ManifestError as err:
            raise MgsyncError(
                f"The imported manifests in {self.out} do not load back, so no lockfile was written "
                f"(please report this): {err.problems[0]}"
            ) from None

    def _load(self, manifests: list[str]) -> None:
        """Load back the manifests just made, from their bytes (the files beside them are staged)."""
        for path in manifests:
            self.loading.add(self.out / path, self.builder.output.files[path])


def _subtree(kind: Kind[Any]) -> list[Kind[Any]]:
    return [kind, *(k for child in children(kind) for k in _subtree(child))]


def _wanted(only: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    return {name: {BY_NAME[name].identity(key) for key in keys} for name, keys in only.items() if keys}


def read_account(client: Client, only: Mapping[str, tuple[str, ...]],
                 digests: dict[TableKey, str] | None = None, stream: _Stream | None = None) -> State:
    """Everything, or of the containers named in ``only`` just those keys and what they hold. Into
    ``digests``, each collection's lockfile digest, made as soon as it is read (while the other
    reads go on, instead of after the files are written); ``stream`` makes the files as they come."""

    def arrived(kind: Kind[Any], scope: str, entries: Entries) -> None:
        if digests is not None:
            key, canonical = kind.canonical_table(scope, entries)
            digests[(kind.name, key)] = collection_digest(kind.name, key, canonical)
        if stream is not None and isinstance(kind, BulkKind):
            stream.collection(kind, scope, entries)

    scopes = wanted_scopes(None, State(), everything=True)
    wanted = _wanted(only)
    for name, keys in wanted.items():
        for kind in children(BY_NAME[name]):
            scopes[kind.name] = set(keys)
    observed = observe(client, scopes, State(), arrived=arrived, finished=stream.finished if stream else None)
    for name, keys in wanted.items():
        live = {r.address.key for r in observed.of_kind(name)}
        missing = [key for key in map(BY_NAME[name].identity, only[name]) if key not in live]
        if missing:
            have, noun = ", ".join(sorted(live)) or "none", BY_NAME[name].noun(1)
            raise ConfigError(f"--{name} {missing[0]}: no such {noun} in this Mailgun account (it has: {have}).")
    return _only(observed, wanted)


def _only(observed: State, wanted: dict[str, set[str]]) -> State:
    """``observed`` without the objects of the named container kinds that are not wanted; collections
    are kept as their tables (no resource per entry is made)."""
    objects = sorted(observed.objects, key=sort_key)
    kept = State(observed[a] for a in objects if a.kind not in wanted or a.key in wanted[a.kind])
    for (kind, scope), entries in observed.tables.items():
        if kind in wanted:
            entries = {name: entry for name, entry in entries.items() if f"{scope}/{name}" in wanted[kind]}
        if entries:
            kept.put_table(kind, scope, entries)
    return kept


def _strays(out: Path, written: list[str]) -> list[str]:
    """Manifests already in ``out`` that this import did not write: ``mgsync plan`` will load them too."""
    if not out.is_dir():
        return []
    ours = {out / path for path in written}
    found = sorted(
        p for pattern in ("*.yaml", "*.yml") for p in out.rglob(pattern)
        if p not in ours and not any(part.startswith(".") for part in p.relative_to(out).parts)
    )
    return [f"{path} was not written by this import, and mgsync plan {out} will load it too." for path in found]
