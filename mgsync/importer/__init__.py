"""``mgsync import``: a live account → manifests a person would have written, plus the lockfile.

The account is read once through the engine's ``observe`` (whole account, or only the named
containers and what they hold, e.g. ``--domain``; other account-level kinds always). The files are
made in memory while the reads go on (``_Stream``): each collection as soon as it is read, each
account-level kind's manifests as soon as it and everything inside it is, kinds renaming first what
a manifest cannot hold (``OwnFile.import_names``; ``documents`` builds the sections). Each manifest is
loaded back by the real loader from the bytes about to be written, which proves they validate. A
live object whose manifest does not load back is left out alone (``leftout`` finds which from the
problem's line), with a note naming it and why; the files are made again without it, and it stays
in Mailgun not managed: one odd object never blocks an account. Then the files are checked against
what exists (nothing is overwritten without ``force``), written, and recorded with the engine's
``sync_lock`` so that everything imported is managed and a plan right after shows no changes.
Knows no kind by name; prints nothing.
"""

from __future__ import annotations

import csv
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync.account import identify
from mgsync.answers import OddItem
from mgsync.engine import observe, sync_lock, wanted_scopes
from mgsync.errors import ConfigError, ManifestError, MgsyncError, Problem, file_type
from mgsync.importer import documents, leftout
from mgsync.kinds import BY_NAME, KINDS, BulkKind, Kind, OwnFile, children
from mgsync.lockdoc import collection_digest
from mgsync.lockfile import Lockfile
from mgsync.manifest import Desired, csvdata
from mgsync.manifest.convert import Staged
from mgsync.manifest.loader import Loading
from mgsync.state import Entries, State, TableKey, sort_key
from mgsync.tuning import handing_over, keep, settled

if TYPE_CHECKING:
    from mgsync.client import Client

LOCKFILE = "mgsync.lock"
MAX_PASSES = 20  # each load-back after the first leaves out at least one more object


@dataclass
class Imported:
    out: Path
    counts: dict[str, int]  # account-level kind -> objects imported (kinds with none left out)
    objects: int
    notes: list[str] = field(default_factory=list)
    left_out: int = 0  # live objects mgsync could not write as a manifest (each has a note)

    def summary(self, plan_command: str = "mgsync plan") -> str:
        """The closing line; ``plan_command`` repeats the connection flags the import used."""
        counts = ", ".join(f"{n:,} {BY_NAME[kind].noun(n)}" for kind, n in self.counts.items()) or "nothing"
        noun = "object" if self.objects == 1 else "objects"
        left = f"; left out {self.left_out:,} (see the notes above)" if self.left_out else ""
        return f"Imported {counts} ({self.objects:,} {noun}) into {self.out}{left}; run: {plan_command} {self.out}"


def run_import(
    client: Client, out: Path, *, only: Mapping[str, tuple[str, ...]] | None = None, force: bool = False
) -> Imported:
    """Import the account into ``out``; ``only`` maps a container kind to the keys to import of it."""
    _check_out(out)
    digests: dict[TableKey, str] = {}
    account = client.pool.submit(identify, client)  # the account this lockfile belongs to, read beside the rest
    stream = _Stream(out, only or {})
    odd: list[OddItem] = []
    hidden: list[str] = []
    observed = read_account(client, only or {}, digests, stream, odd, hidden)
    settled()  # what was read lives to the end: the collector need not scan it again
    stream.close(observed)
    desired, stream, left = _load_back(stream, observed)
    identified = account.result()  # before anything is written
    left.update(
        (str(item), f"Mailgun API: {item}; left out, it stays as it is in Mailgun, not managed.")
        for item in odd
        if not item.setting  # read as Mailgun has it: the load-back decides whether a manifest holds it
    )
    output = stream.builder.output
    output.refuse_overwrite(out, also=[LOCKFILE], force=force)
    notes = [*hidden, *_strays(out, output.manifests()), *stream.notes(), *(note for _, note in sorted(left.items()))]
    output.write(out)
    lock = Lockfile(out / LOCKFILE)
    lock.account = identified.record()  # (account.py)
    sync_lock(lock, desired, observed, (), digests=digests)  # records only what ``desired`` declares
    lock.write()
    counts = {kind.name: n for kind in children(None) if (n := len(desired.keys(kind.name)))}
    keep(observed, desired, stream)  # freed with the process, not one object at a time on return
    return Imported(out, counts, len(desired.state), notes, len(left))


def _hidden(observed: State, wanted: dict[str, set[str]]) -> list[str]:
    """A note for each live object never managed by default (``Kind.hidden``: a sandbox domain) that
    ``_only`` leaves out (not named in ``wanted``); observe read nothing inside it."""
    return [
        f"{why}: not imported, and left alone (import it by naming it: --{address.kind} {address.key})."
        for address, resource in sorted(observed.objects.items(), key=lambda pair: sort_key(pair[0]))
        if (why := BY_NAME[address.kind].hidden(resource)) and address.key not in wanted.get(address.kind, ())
    ]


def _load_back(stream: _Stream, observed: State) -> tuple[Desired, _Stream, dict[str, str]]:
    """The manifests loaded back; each live object one of them cannot hold is left out (the files
    made again without it), with a note by address saying why."""
    left: dict[str, str] = {}
    dropped: set[leftout.Culprit] = set()
    for _ in range(MAX_PASSES):
        try:
            return stream.loaded(), stream, left
        except ManifestError as err:
            found = stream.culprits(err, observed)
            if found is None:
                raise MgsyncError(
                    f"The imported manifests in {stream.out} do not load back, so no lockfile was written "
                    f"(please report this): {err.problems[0]}"
                ) from None
        for culprit, problem in found.items():
            left[str(culprit)] = (
                f"{culprit} was left out: mgsync cannot write it as a manifest "
                f"({stream.where(problem)}: {problem.message}); it stays as it is in Mailgun, "
                "not managed."
            )
        if dropped >= set(found):  # leaving them out again would change nothing
            break
        dropped |= set(found)
        stream = stream.again(leftout.without(observed, dropped))
    raise MgsyncError(
        f"The imported manifests in {stream.out} still do not load back after leaving out "
        f"{len(left)} objects, so no lockfile was written (please report this)."
    )


class _Stream:
    """The import's files made and loaded back (parsed and validated by the real loader, from the
    bytes about to be written) while the reads go on: a collection as soon as it is read, an
    account-level kind's manifests as soon as it and everything inside it is (routes long before the
    last domain). Only what ``only`` keeps is made. Nothing is written here."""

    def __init__(self, out: Path, only: Mapping[str, tuple[str, ...]], renamed: dict[str, list[str]] | None = None):
        self.out, self.only, self.wanted = out, only, _wanted(only)
        self.builder = documents.Builder()
        self.staged = Staged(out, self.builder.output.files)
        self.loading = Loading({}, staged=self.staged)
        self.waiting = {kind.name: {k.name for k in _subtree(kind)} for kind in children(None)}
        # kind -> notes of ``import_names``; given: the names were made already (``again``)
        self.renamed: dict[str, list[str]] = {} if renamed is None else renamed
        self.rename = renamed is None
        self.csvs: dict[str, tuple[BulkKind[Any], str]] = {}  # CSV file -> its collection, for ``culprits``

    def collection(self, kind: BulkKind[Any], scope: str, entries: Entries) -> None:
        """Export a collection just read; a CSV file is read back column by column now (a file that is
        not plain goes row by row when its manifest is loaded)."""
        path = self.builder.collection(kind, scope, entries)
        if path is None:
            return
        self.csvs[path] = (kind, scope)
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
        for member in _subtree(top) if self.rename else ():
            self.renamed[member.name] = member.import_names(observed) if isinstance(member, OwnFile) else []
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
        """The manifests as the loader makes them of the files about to be written, in the order
        ``load`` takes them; this proves they validate (``ManifestError`` when they do not)."""
        files = sorted(self.out / path for path in self.builder.output.manifests())
        return self.loading.finish(files, self.out)

    def culprits(self, err: ManifestError, observed: State) -> dict[leftout.Culprit, Problem] | None:
        """The live object (or setting) each problem is about (the first problem of each); None when
        one cannot be told."""
        found: dict[leftout.Culprit, Problem] = {}
        for problem in err.problems:
            culprit = leftout.culprit(problem, self.out, self.builder.output.files, self.csvs, observed)
            if culprit is None:
                return None
            found.setdefault(culprit, problem)
        return found

    def where(self, problem: Problem) -> str:
        """Where in the manifests a problem is: its place in the YAML tree, or a CSV file's column."""
        path = Path(problem.file)
        if path.relative_to(self.out).as_posix() in self.csvs:
            return f"{path.relative_to(self.out).as_posix()}, {problem.where}"
        return problem.where

    def again(self, observed: State) -> _Stream:
        """A stream that makes every file anew from ``observed`` (names made already)."""
        stream = _Stream(self.out, self.only, self.renamed)
        for (kind_name, scope), entries in sorted(observed.tables.items()):
            kind = BY_NAME[kind_name]
            if isinstance(kind, BulkKind):
                stream.collection(kind, scope, entries)
        stream.close(observed)
        return stream

    def _load(self, manifests: list[str]) -> None:
        """Load back the manifests just made, from their bytes (the files beside them are staged)."""
        for path in manifests:
            self.loading.add(self.out / path, self.builder.output.files[path])


def _subtree(kind: Kind[Any]) -> list[Kind[Any]]:
    return [kind, *(k for child in children(kind) for k in _subtree(child))]


def _wanted(only: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    return {name: {BY_NAME[name].identity(key) for key in keys} for name, keys in only.items() if keys}


def read_account(
    client: Client,
    only: Mapping[str, tuple[str, ...]],
    digests: dict[TableKey, str] | None = None,
    stream: _Stream | None = None,
    odd: list[OddItem] | None = None,
    hidden: list[str] | None = None,
) -> State:
    """Everything, or of the containers named in ``only`` just those keys and what they hold. Into
    ``digests``, each collection's lockfile digest, made as soon as it is read (while the other
    reads go on, instead of after the files are written); ``stream`` makes the files as they come;
    into ``odd``, the listed items not of the shape their kind reads (left out: ``observe``); into
    ``hidden``, a note for each object never managed by default that is left out (``_only``)."""

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
    with handing_over():  # this thread makes digests and files while the pool reads
        observed = observe(
            client, scopes, State(), arrived=arrived, finished=stream.finished if stream else None, odd=odd
        )
    for name in wanted:
        live = {r.address.key for r in observed.of_kind(name)}
        missing = [key for key in map(BY_NAME[name].identity, only[name]) if key not in live]
        if missing:
            have, noun = ", ".join(sorted(live)) or "none", BY_NAME[name].noun(1)
            raise ConfigError(f"--{name} {missing[0]}: no such {noun} in this Mailgun account (it has: {have}).")
    if hidden is not None:
        hidden += _hidden(observed, wanted)
    return _only(observed, wanted)


def _only(observed: State, wanted: dict[str, set[str]]) -> State:
    """``observed`` without the objects of the named container kinds that are not wanted, and without
    those never managed by default unless named (``Kind.hidden``; nothing inside them was read);
    collections are kept as their tables (no resource per entry is made)."""
    objects = sorted(observed.objects, key=sort_key)
    kept = State(
        observed[a]
        for a in objects
        if (a.kind not in wanted or a.key in wanted[a.kind])
        and (a.key in wanted.get(a.kind, ()) or not BY_NAME[a.kind].hidden(observed[a]))
    )
    for (kind, scope), entries in observed.tables.items():
        if kind in wanted:
            entries = {name: entry for name, entry in entries.items() if f"{scope}/{name}" in wanted[kind]}
        if entries:
            kept.put_table(kind, scope, entries)
    return kept


def _check_out(out: Path) -> None:
    """Refuse, before any request, an ``--out`` no import could write into: a file, or a path the
    system will not look at (a name too long, a directory this user may not enter). One that does not
    exist yet is made when the files are written."""
    mode, err = file_type(out)
    if err is not None:
        raise ConfigError(f"--out {out}: {err.strerror}; choose another directory")
    if mode and not stat.S_ISDIR(mode):
        raise ConfigError(f"--out {out} is a file, not a directory; choose a directory")


def _strays(out: Path, written: list[str]) -> list[str]:
    """Manifests already in ``out`` that this import did not write: ``mgsync plan`` will load them too."""
    if not out.is_dir():
        return []
    ours = {out / path for path in written}
    found = sorted(
        p
        for pattern in ("*.yaml", "*.yml")
        for p in out.rglob(pattern)
        if p not in ours and not any(part.startswith(".") for part in p.relative_to(out).parts)
    )
    return [f"{path} was not written by this import, and mgsync plan {out} will load it too." for path in found]
