"""``load``: manifest files → one validated, merged desired state, or every problem at once.

The pipeline, per file: parse (``yamlfile``) → substitute ``${env:}`` (``env``) → report unknown
keys (``check``) → validate each top-level entry on its own with the document models, so one bad
entry never hides the problems of another → convert to canonical resources (``convert``). Then
all files merge into one state, where an address declared twice is an error naming both places.
Nothing here raises anything but ``ManifestError``; nothing touches the network. ``mgsync --verbose``
says what ``load`` loaded, and the CPU the process has spent so far (its cost before any request).
With ``allow_unset_env`` (``validate`` without ``--strict``) an unset ``${env:NAME}`` is a warning
carried in ``Desired.warnings`` instead of an error. With ``allow_unset_secrets`` (``plan``) an unset
variable that makes up a whole secret field (a password, validated to ``UnsetSecret``) is no
problem at all, the plan shows it "not checked"; any other unset variable is an error. Apply
allows neither.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mgsync.errors import ManifestError, Problem
from mgsync.kinds import BY_NAME
from mgsync.manifest import convert, yamlfile
from mgsync.manifest.check import from_validation, unknown_keys
from mgsync.manifest.convert import Collected, FileHarvest, Staged
from mgsync.manifest.desired import Desired
from mgsync.manifest.document import CONTAINERS, SECTIONS, ManifestDoc
from mgsync.settings import KEY_VARIABLES
from mgsync.shapes.doc import SHAPE_TAGS
from mgsync.shapes.env import EnvProblem, Redactor, UnsetSecret, substitute
from mgsync.state import Address, Entries, Resource, Source, State, TableKey

log = logging.getLogger(__name__)

SECRET_KEYS = frozenset(name for kind in BY_NAME.values() for name in kind.model.SECRET)  # masked fields
TOP_KEYS = ", ".join(f"{key}:" for key in (*SECTIONS, "prune"))  # for "a manifest must be a mapping"


def load(
    paths: list[Path], env: Mapping[str, str], *, allow_unset_env: bool = False, allow_unset_secrets: bool = False
) -> Desired:
    paths = list(paths) or [Path(".")]
    files, problems = yamlfile.find_files(paths)
    loading = Loading(env, allow_unset_env=allow_unset_env, allow_unset_secrets=allow_unset_secrets)
    for file in files:
        loading.add(file)
    desired = loading.finish(files, paths[0], problems)
    if log.isEnabledFor(logging.DEBUG):  # a command's CPU before its first request, for the account-L benchmark
        counts = (len(desired.files), len(desired.state.objects), sum(map(len, desired.state.tables.values())))
        log.debug(
            "manifests: %s files, %s objects and %s bulk entries loaded and checked; process CPU so far %.2f s",
            *(f"{n:,}" for n in counts),
            time.process_time(),
        )
    return desired


class Loading:
    """A load made file by file, then finished into one ``Desired``: ``load`` adds the files it
    finds; an import adds each file it makes from memory (``data``, with the files beside it in
    ``staged``) as soon as what the file holds is read, while the reads go on."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        allow_unset_env: bool = False,
        staged: Staged | None = None,
        allow_unset_secrets: bool = False,
    ):
        self.env, self.allow_unset_env, self.staged = env, allow_unset_env, staged
        self.allow_unset_secrets = allow_unset_secrets
        self.redact = Redactor()
        for name in KEY_VARIABLES:  # never shown, wherever a file echoes it (file: /proc/self/environ)
            self.redact.remember(env.get(name, "").strip(), f"${{env:{name}}}")
        self.harvests: dict[Path, FileHarvest] = {}
        self.problems: dict[Path, list[Problem]] = {}  # of parsing, by file

    def add(self, file: Path, data: bytes | None = None) -> None:
        parsed, self.problems[file] = yamlfile.parse(file, data)
        if parsed is not None:
            found = harvest(
                parsed,
                self.env,
                self.redact,
                allow_unset_env=self.allow_unset_env,
                staged=self.staged,
                allow_unset_secrets=self.allow_unset_secrets,
            )
            self.harvests[file] = found

    def finish(self, files: list[Path], first: Path, problems: Sequence[Problem] = ()) -> Desired:
        """The files added (``files``, in this order: ``load``'s is sorted) as one state, or every
        problem at once; ``first``: the first path given, whose directory the lockfile lives in."""
        found = [*problems, *(p for file in files for p in self.problems.get(file, ()))]
        harvests = [self.harvests[file] for file in files if file in self.harvests]
        resources, duplicates = merge(r for h in harvests for r in h.resources)
        tables, twice = merge_collected(c for h in harvests for c in h.collected)
        found += duplicates + twice + [p for h in harvests for p in h.problems]
        warnings = [w for h in harvests for w in h.warnings]
        if found:
            raise ManifestError(
                [Problem(p.file, p.line, p.col, p.where, _cut_column(self.redact(p.message))) for p in found], warnings
            )
        state = State(resources)
        for (kind, scope), (entries, chunks) in tables.items():
            state.put_table(kind, scope, entries)
            state.origins[(kind, scope)] = _first_source(chunks)
        return Desired(
            state=state,
            prune=frozenset(pair for h in harvests for pair in h.prune),
            files=tuple(files),
            root=first if first.is_dir() else first.parent,
            warnings=tuple(sorted(warnings)),
            shown_env=dict(self.redact.shown),
        )


_LONG_COLUMN = re.compile(r'(column ")([^"\n]{60})[^"\n]+"')


def _cut_column(message: str) -> str:
    """``message`` with a CSV column name over 60 characters cut (a whole file read as one header);
    cut after the secrets are hidden, so no part of one is shown."""
    return _LONG_COLUMN.sub(r'\1\2…"', message)


def harvest(
    parsed: yamlfile.Parsed,
    env: Mapping[str, str],
    redact: Redactor,
    *,
    allow_unset_env: bool = False,
    staged: Staged | None = None,
    allow_unset_secrets: bool = False,
) -> FileHarvest:
    out = FileHarvest(parsed.name, parsed.root, staged=staged)
    root = parsed.root
    if root is None:
        return out
    if not isinstance(root, dict):
        message = f"a manifest must be a mapping ({TOP_KEYS})"
        out.problems.append(Problem(out.shown, 1, 1, "", message))
        return out
    missing = substitute(root, env, redact, SECRET_KEYS)
    for problem in missing:
        out.problem(problem.path, problem.message)
    for loc, message in unknown_keys(root, ManifestDoc):
        out.problem(loc, message, at_key=True)
    for key, value in root.items():
        _top_level(out, key, value)
    own = len(out.warnings)  # the kinds' own warnings (routes, templates) mark no variable's spot
    kept = _unset_allowed(out, missing, warn=allow_unset_env, secrets=allow_unset_secrets)
    _quiet_after_env(out, kept, out.warnings[own:])
    return out


def _unset_allowed(out: FileHarvest, missing: list[EnvProblem], *, warn: bool, secrets: bool) -> int:
    """Relax the problems of unset variables (the first ``len(missing)`` problems, in order): with
    ``warn`` each becomes a warning saying which command needs it; with ``secrets`` one whose string
    became a secret field (``UnsetSecret``) goes. Returns how many environment problems are left."""
    as_secret = {id(s.origin) for r in out.resources for s in _unset_secrets(r.body)}
    kept: list[Problem] = []
    for problem, env_problem in zip(out.problems[: len(missing)], missing):
        secret = env_problem.missing is not None and id(env_problem.value) in as_secret
        if env_problem.missing is None or not (warn or (secret and secrets)):
            kept.append(problem)
        elif warn:
            needed = "apply needs it" if secret else "plan and apply need it"
            out.warnings.append(replace(problem, message=f"{problem.message} ({needed})"))
    out.problems[: len(missing)] = kept
    return len(kept)


def _unset_secrets(body: Any) -> list[UnsetSecret]:
    return [value for name in body.SECRET if isinstance(value := getattr(body, name, None), UnsetSecret)]


def _top_level(out: FileHarvest, key: Any, value: Any) -> None:
    if key in SECTIONS and isinstance(value, dict):
        for name, entry in value.items():
            _entry(out, key, name, entry)
    elif key in ManifestDoc.model_fields:  # version, prune, or a section of the wrong type
        doc = _validate(out, {key: value})
        if doc is not None and key == "prune":
            convert.top_prune(out, getattr(doc, "prune"))  # noqa: B009  (a field made by create_model)


def _entry(out: FileHarvest, section: str, name: Any, entry: Any) -> None:
    """Validate one entry, report its problems, and convert what is valid of it.

    When parts of the entry are invalid they are cut out and the rest validated again, so that
    checks after validation (files, CSV, duplicates) still run for the valid parts.
    """
    data: dict[Any, Any] = {section: {name: entry}}
    cuts: set[tuple[Any, ...]] = set()
    for attempt in range(4):
        try:
            doc = ManifestDoc.model_validate(data)
            break
        except ValidationError as err:
            if attempt == 0:
                _report(out, err)
            more = {_cut(loc) for loc in _locs(err)}
            if None in more or more <= cuts:
                return
            cuts |= {cut for cut in more if cut is not None}
            data = _drop({section: {name: entry}}, cuts, ())
    else:
        return
    convert.convert(out, SECTIONS[section], "", {name: getattr(doc, section)[name]}, (section,))


def _validate(out: FileHarvest, data: dict[str, Any]) -> ManifestDoc | None:
    try:
        return ManifestDoc.model_validate(data)
    except ValidationError as err:
        _report(out, err)
        return None


def _report(out: FileHarvest, err: ValidationError) -> None:
    for at, message in from_validation(err, out.shown, out.root):
        out.problems.append(Problem(at.file, at.line, at.col, at.where, message))


def _locs(err: ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(p for p in e["loc"] if p not in SHAPE_TAGS and p != "[key]") for e in err.errors()]


def _cut(loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The mapping entry to leave out for ``loc`` (never a list item: that would shift positions)."""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            return loc[:i] if i > 2 else None
    return loc[:4] if len(loc) > 2 else None


def _drop(node: Any, cuts: set[tuple[Any, ...]], here: tuple[Any, ...]) -> Any:
    if not isinstance(node, dict):
        return node
    return {k: _drop(v, cuts, (*here, k)) for k, v in node.items() if (*here, k) not in cuts}


def _quiet_after_env(out: FileHarvest, count: int, warnings: list[Problem]) -> None:
    """A missing variable's reference fails other checks too; keep only the clear message there."""
    env_problems = [*out.problems[:count], *warnings]
    spots = {(p.line, p.col) for p in env_problems}
    out.problems[count:] = [p for p in out.problems[count:] if (p.line, p.col) not in spots or p.file != out.shown]


def merge(resources: Iterable[Resource]) -> tuple[list[Resource], list[Problem]]:
    """One resource per identity (``Kind.canonical``); a second definition is a problem naming both
    places, except for a container declared without settings, which may appear in several files."""
    first: dict[Address, Resource] = {}
    problems = []
    for resource in resources:
        kind = BY_NAME[resource.address.kind]
        identity = kind.canonical(resource.address)
        earlier = first.setdefault(identity, resource)
        if earlier is resource:
            continue
        if kind in CONTAINERS and not (earlier.managed_fields() and resource.managed_fields()):
            first[identity] = earlier if earlier.managed_fields() else resource
            continue
        at, message = resource.source, f"defined twice (also at {earlier.source})"
        if at is not None:
            problems.append(Problem(at.file, at.line, at.col, str(resource.address), message))
    return list(first.values()), problems


def merge_collected(
    chunks: Iterable[Collected],
) -> tuple[dict[TableKey, tuple[Entries, list[Collected]]], list[Problem]]:
    """One table per collection from the chunks files declare (keyed as the kinds match already), with
    the chunks it came from; an entry in two chunks is a problem naming both places, the first counts."""
    tables: dict[TableKey, tuple[Entries, list[Collected]]] = {}
    problems = []
    for chunk in chunks:
        key = (chunk.kind, chunk.scope)
        if key not in tables:
            tables[key] = chunk.entries, [chunk]
            continue
        entries, earlier = tables[key]
        for name in sorted(chunk.entries.keys() & entries.keys()):
            first, at = next(c for c in earlier if name in c.entries), chunk.source(name)
            problems.append(
                Problem(
                    at.file,
                    at.line,
                    at.col,
                    f"{chunk.kind}:{chunk.scope}/{name}",
                    f"defined twice (also at {first.source(name)})",
                )
            )
        tables[key] = {**chunk.entries, **entries}, [*earlier, chunk]
    return tables, problems


def _first_source(chunks: list[Collected]) -> Callable[[str], Source | None]:
    def source(name: str) -> Source | None:
        return next((chunk.source(name) for chunk in chunks if name in chunk.entries), None)

    return source
