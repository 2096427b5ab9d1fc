"""``mgsync import``: a live account → manifests a person would have written, plus the lockfile.

The account is read once through the engine's ``observe`` (whole account, or only the named
containers and what they hold, e.g. ``--domain``; other account-level kinds always). Kinds rename
what a manifest cannot hold (``Kind.import_names``); the files are built in memory (``documents``,
each kind exporting its section), checked against what exists (nothing is overwritten without
``force``), written, then loaded back with the real loader, which proves they validate, and recorded
with the engine's ``sync_lock`` so that everything imported is managed and a plan right after shows
no changes. Knows no kind by name; prints nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync.engine import observe, sync_lock, wanted_scopes
from mgsync.errors import ConfigError, ManifestError, MgsyncError
from mgsync.importer import documents
from mgsync.kinds import BY_NAME, KINDS, Kind, children
from mgsync.lockfile import Lockfile, collection_digest
from mgsync.manifest import Desired, load
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
    observed = read_account(client, only or {}, digests)
    settled()  # what was read lives to the end: the collector need not scan it again
    notes = [note for kind in KINDS for note in kind.import_names(observed)]
    output = documents.build(observed)
    output.refuse_overwrite(out, also=[LOCKFILE], force=force)
    notes = _strays(out, output.manifests()) + notes
    output.write(out)
    desired = _load_back(out, output.manifests())
    lock = Lockfile(out / LOCKFILE)
    sync_lock(lock, desired, observed, (), digests=digests)
    lock.write()
    counts = {kind.name: n for kind in children(None) if (n := len(desired.keys(kind.name)))}
    return Imported(out, counts, len(desired.state), notes)


def _load_back(out: Path, manifests: list[str]) -> Desired:
    """The written manifests through the real loader: this proves they validate."""
    try:
        return load([out / path for path in manifests], {})
    except ManifestError as err:
        raise MgsyncError(
            f"The imported manifests in {out} do not load back, so no lockfile was written "
            f"(please report this): {err.problems[0]}"
        ) from None


def read_account(client: Client, only: Mapping[str, tuple[str, ...]],
                 digests: dict[TableKey, str] | None = None) -> State:
    """Everything, or of the containers named in ``only`` just those keys and what they hold. Into
    ``digests``, each collection's lockfile digest, made as soon as it is read (while the other
    reads go on, instead of after the files are written)."""

    def digest(kind: Kind[Any], scope: str, entries: Entries) -> None:
        if digests is not None:
            key, canonical = kind.canonical_table(scope, entries)
            digests[(kind.name, key)] = collection_digest(kind.name, key, canonical)

    scopes = wanted_scopes(None, State(), everything=True)
    wanted = {name: {BY_NAME[name].identity(key) for key in keys} for name, keys in only.items() if keys}
    for name, keys in wanted.items():
        for kind in children(BY_NAME[name]):
            scopes[kind.name] = set(keys)
    observed = observe(client, scopes, State(), arrived=digest)
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
