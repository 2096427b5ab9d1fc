"""``mgsync import``: a live account → manifests a person would have written, plus the lockfile.

The account is read once through the engine's ``observe`` (whole account, or only the named domains'
scoped data; routes and lists always). The files are built in memory (``documents``, ``bulk``,
``naming``), checked against what exists (nothing is overwritten without ``force``), written, then
loaded back with the real loader, which proves they validate, and recorded with the engine's
``sync_lock`` so that everything imported is managed and a plan right after shows no changes.
Knows no kind's HTTP details; prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mgsync.engine import observe, sync_lock, wanted_scopes
from mgsync.errors import ConfigError, ManifestError, MgsyncError
from mgsync.importer import documents, naming
from mgsync.kinds import KINDS
from mgsync.lockfile import Lockfile
from mgsync.manifest import Desired, load
from mgsync.state import State

if TYPE_CHECKING:
    from mgsync.client import Client

LOCKFILE = "mgsync.lock"


@dataclass
class Imported:
    out: Path
    domains: int
    routes: int
    lists: int
    objects: int
    notes: list[str] = field(default_factory=list)

    def summary(self, plan_command: str = "mgsync plan") -> str:
        """The closing line; ``plan_command`` repeats the connection flags the import used."""
        counts = ", ".join(
            [_plural(self.domains, "domain"), _plural(self.routes, "route"), _plural(self.lists, "mailing list")]
        )
        return f"Imported {counts} ({_plural(self.objects, 'object')}) into {self.out}; run: {plan_command} {self.out}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def run_import(client: Client, out: Path, *, domains: tuple[str, ...] = (), force: bool = False) -> Imported:
    observed = read_account(client, tuple(d.lower() for d in domains))
    names = naming.route_names(observed.of_kind("route"))
    naming.rename_routes(observed, names)
    output = documents.build(observed)
    output.refuse_overwrite(out, also=[LOCKFILE], force=force)
    notes = _strays(out, output.manifests())
    output.write(out)
    desired = _load_back(out, output.manifests())
    lock = Lockfile(out / LOCKFILE)
    sync_lock(lock, desired, observed, ())
    lock.write()
    notes += [f"route {n.name!r}: {n.note}." for n in names.values() if n.note]
    return Imported(out, len(desired.domains), len(desired.state.of_kind("route")), len(desired.lists),
                    len(desired.state), notes)


def _load_back(out: Path, manifests: list[str]) -> Desired:
    """The written manifests through the real loader: this proves they validate."""
    try:
        return load([out / path for path in manifests], {})
    except ManifestError as err:
        raise MgsyncError(
            f"The imported manifests in {out} do not load back, so no lockfile was written "
            f"(please report this): {err.problems[0]}"
        ) from None


def read_account(client: Client, domains: tuple[str, ...]) -> State:
    """Everything, or the named domains' data only (routes and lists are account-wide: always)."""
    scopes = wanted_scopes(None, State(), everything=True)
    if domains:
        for kind in KINDS:
            if kind.scope == "domain":
                scopes[kind.name] = set(domains)
    observed = observe(client, scopes, State())
    if not domains:
        return observed
    live = {r.address.key for r in observed.of_kind("domain")}
    missing = [d for d in domains if d not in live]
    if missing:
        have = ", ".join(sorted(live)) or "none"
        raise ConfigError(f"--domain {missing[0]}: no such domain in this Mailgun account (it has: {have}).")
    return State(r for r in observed.values() if r.address.kind != "domain" or r.address.key in domains)


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
