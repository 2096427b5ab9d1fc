"""``Desired``: everything the manifests declare, as the engine consumes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mgsync.errors import Problem
from mgsync.kinds import children
from mgsync.state import State


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True)
class Desired:
    state: State  # every declared resource, its source set to the file:line:col of its key
    prune: frozenset[tuple[str, str]]  # (kind, scope) owned completely, e.g. ("webhook", "mg.example.com")
    files: tuple[Path, ...]  # manifest files loaded, sorted
    root: Path  # directory of the first path given; the lockfile lives there by default
    warnings: tuple[Problem, ...] = ()  # unset ${env:} variables, when the caller allowed them
    # values from ${env:NAME} outside secret fields that look like secrets: their references, shown instead
    # (shapes.env._secret_like, engine.sealing)
    shown_env: Mapping[str, str] = field(default_factory=dict)

    def keys(self, kind: str) -> tuple[str, ...]:
        """The keys of the declared objects of ``kind``, sorted."""
        return tuple(sorted(r.address.key for r in self.state.of_kind(kind)))

    def summary(self) -> str:
        """e.g. ``OK: 42 resources in 3 files (2 domains, 1 route, 1 mailing list)``: the account-level
        kinds declared (those with none are left out, so a new kind changes no one's output)."""
        counts = [f"{n} {kind.noun(n)}" for kind in children(None) for n in [len(self.keys(kind.name))] if n]
        found = f" ({', '.join(counts)})" if counts else ""
        return f"OK: {plural(len(self.state), 'resource')} in {plural(len(self.files), 'file')}{found}"
