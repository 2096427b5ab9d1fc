"""Saved plans (``plan --out``): apply exactly what was reviewed, or refuse (README, "Saved plans").

A saved plan records the manifests and lockfile it was made from, a digest of the desired state
(secrets masked: a plan file never holds a secret), the changes, and the fingerprint of every live
object those changes touch (``absent`` for objects to create). Applying it re-loads the manifests,
re-reads Mailgun, and refuses with ``StalePlanError`` if the manifests, the lockfile or any touched
object changed, or if the plan computed now differs from the saved one.

``check_digest`` is the same promise without a file (``apply --expect-plan DIGEST``): the digest of
the reviewed plan, e.g. from a pull-request comment, must equal the digest of the plan made now.

``change_fingerprints`` are the finer promise of ``apply --reviewed FILE`` (repeatable): one
fingerprint per thing a change does, made from what the plan shows (secrets masked, never a secret):
a create is (address, action, the object as created), an update one per changed field (address,
field path, the value it gets), so two pull requests changing different fields of one object
compose; a delete or forget is (address, action). A fresh plan is accepted when every fingerprint it
has is in some reviewed plan (``check_reviewed``). A password change shows as "changed" in a plan,
so its fingerprint says which credential changes, not to what: the secret itself is never reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgsync import __version__, jsontext
from mgsync.changeprints import labelled_fingerprints
from mgsync.errors import MgsyncError, StalePlanError, writing
from mgsync.fingerprint import fingerprint
from mgsync.lockfile import Lockfile
from mgsync.plan import Plan, masked
from mgsync.render import json_document
from mgsync.state import State

FORMAT_VERSION = 1
ABSENT = "absent"


@dataclass(frozen=True)
class SavedPlan:
    manifests: tuple[str, ...]
    lockfile: str
    targets: tuple[str, ...]
    desired_digest: str
    lock_digest: str
    changes: tuple[tuple[str, str], ...]  # (address, action)
    fingerprints: dict[str, str]
    digest: str | None = None  # Plan.digest; None in files written before digests existed
    change_fingerprints: tuple[str, ...] = ()  # empty in files written before they existed


def desired_digest(state: State, seal: Callable[[Any], Any] | None = None) -> str:
    """A digest of the desired state, secrets masked and, with ``seal``, values from ``${env:}`` sealed
    (``engine.sealing``): a plan file is public, and a digest of a short token would give it away."""
    bodies = [(str(address), masked(resource, managed_only=True)) for address, resource in state.items()]
    return fingerprint(bodies if seal is None else seal(bodies))


def touched_fingerprints(plan: Plan) -> dict[str, str]:
    return {str(c.address): plan.fingerprints.get(str(c.address), ABSENT) for c in plan.changes}


def save(
    path: Path,
    plan: Plan,
    *,
    manifests: list[Path],
    lock: Lockfile,
    state: State,
    targets: tuple[str, ...],
    seal: Callable[[Any], Any] | None = None,
) -> None:
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "mgsync_version": __version__,
        "manifests": [str(p) for p in manifests],
        "lockfile": str(lock.path),
        "targets": list(targets),
        "desired_digest": desired_digest(state, seal),
        "lock_digest": fingerprint(lock.render()),
        "fingerprints": touched_fingerprints(plan),
        "digest": plan.digest,
        "change_fingerprints": change_fingerprints(plan),
        "plan": json_document(plan),
    }
    with writing(path):
        path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def is_saved_plan(path: Path) -> bool:
    """A ``.json`` file given to apply is a saved plan (manifests are ``.yaml``): ``load`` says what is
    wrong with one that is not readable, where loading it as a manifest would have said "invalid YAML"."""
    try:  # a path the system will not look at (a name too long) is no plan: loading manifests says why
        return path.suffix.lower() == ".json" and path.is_file()
    except OSError:
        return False


def given(paths: tuple[Path, ...], targets: tuple[str, ...] = (), lockfile: Path | None = None) -> SavedPlan | None:
    """The saved plan ``apply`` is given among its paths (``is_saved_plan``), alone; None when none is.
    ``--target`` and ``--lockfile`` given beside it must be the plan's own: it applies with those."""
    plans = [path for path in paths if is_saved_plan(path)]
    if plans and len(paths) > 1:  # else a plan file is loaded as a manifest: a dozen errors about its keys
        raise MgsyncError(
            f"{plans[0]} is a saved plan: apply it alone, with no manifest paths (it names the manifests it was made from)."
        )
    if not plans:
        return None
    saved = load(plans[0])
    if targets and sorted(set(targets)) != sorted(set(saved.targets)):
        made = " ".join(f"--target {t}" for t in saved.targets) or "no --target"
        raise MgsyncError(f"{plans[0]} was planned with {made}: it applies with those; give no other --target with it.")
    if lockfile is not None and Path(lockfile).resolve() != Path(saved.lockfile).resolve():
        raise MgsyncError(
            f"{plans[0]} was planned against the lockfile {saved.lockfile}: it applies with that one; "
            "give no other --lockfile with it."
        )
    return saved


def load(path: Path) -> SavedPlan:
    try:
        data = jsontext.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "desired_digest" not in data:
            raise MgsyncError(f"{path}: not an mgsync plan file (save one with mgsync plan --out FILE.json)")
        found = data.get("format_version")
        if type(found) is int and found > FORMAT_VERSION:  # the plan job ran a newer mgsync than this one
            raise MgsyncError(
                f"{path}: made by a newer mgsync (saved plan format_version {found}; this mgsync {__version__} "
                f"reads {FORMAT_VERSION}): apply it with the mgsync that made it, or plan again"
            )
        if found != FORMAT_VERSION:
            raise MgsyncError(f"{path}: saved plan format_version {found} is not supported")
        return SavedPlan(
            manifests=tuple(data["manifests"]),
            lockfile=data["lockfile"],
            targets=tuple(data.get("targets", ())),
            desired_digest=data["desired_digest"],
            lock_digest=data["lock_digest"],
            changes=tuple((c["address"], c["action"]) for c in data["plan"]["changes"]),
            fingerprints=dict(data["fingerprints"]),
            digest=data.get("digest"),
            change_fingerprints=tuple(data.get("change_fingerprints", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise MgsyncError(f"{path}: not a readable mgsync plan file ({err})") from None


def check_fresh(
    saved: SavedPlan, plan: Plan, *, state: State, lock: Lockfile, seal: Callable[[Any], Any] | None = None
) -> None:
    """Refuse unless the world still looks exactly as it did when the plan was made."""
    again = "Run mgsync plan again."
    if desired_digest(state, seal) != saved.desired_digest:
        raise StalePlanError(f"Saved plan is stale: the manifests changed since the plan was made. {again}")
    if fingerprint(lock.render()) != saved.lock_digest:
        raise StalePlanError(f"Saved plan is stale: {lock.path} changed since the plan was made. {again}")
    now = touched_fingerprints(plan)
    for address, before in sorted(saved.fingerprints.items()):
        if plan.fingerprints.get(address, ABSENT) != before:
            raise StalePlanError(f"Saved plan is stale: {address} changed in Mailgun after the plan was made. {again}")
    current = tuple((str(c.address), c.action.value) for c in plan.changes)
    changed = saved.digest is not None and saved.digest != plan.digest
    if current != saved.changes or set(now) != set(saved.fingerprints) or changed:
        raise StalePlanError(f"Saved plan is stale: Mailgun no longer needs the same changes. {again}")


def check_digest(expected: str, plan: Plan) -> None:
    """Refuse unless ``plan`` is exactly the reviewed plan whose digest is ``expected``."""
    if plan.digest != expected.strip():
        raise StalePlanError(
            f"Refusing to apply: the plan now has digest {plan.digest}, not the reviewed {expected.strip() or '(empty)'}; "
            "Mailgun, the manifests or the lockfile changed since the review. Run mgsync plan again."
        )


# --- per-change fingerprints (apply --reviewed) ---------------------------------------------------


def change_fingerprints(plan: Plan) -> list[str]:
    """Every fingerprint of every change of ``plan``, sorted and without repeats."""
    return sorted({fp for change in plan.changes for _, fp in labelled_fingerprints(change)})


@dataclass(frozen=True)
class Reviewed:
    """The union of the change fingerprints of the reviewed plan files, and notes about the files."""

    fingerprints: frozenset[str]
    notes: tuple[str, ...]


def load_reviewed(paths: tuple[Path, ...]) -> Reviewed:
    """Read ``plan --out`` files (or ``plan --format json`` output): any JSON object with ``change_fingerprints``."""
    found: set[str] = set()
    notes: list[str] = []
    for path in paths:
        try:
            data = jsontext.loads(path.read_text(encoding="utf-8"))
            listed = data.get("change_fingerprints") if isinstance(data, dict) else None
        except (OSError, ValueError) as err:
            raise MgsyncError(
                f"{path}: not a readable mgsync plan file ({err}); pass a file written by mgsync plan --out."
            ) from None
        if listed is None:  # written before fingerprints existed: it vouches for nothing
            notes.append(f"{path} holds no change fingerprints (an older mgsync wrote it); it vouches for no change.")
            continue
        if not isinstance(listed, list) or not all(isinstance(fp, str) for fp in listed):
            raise MgsyncError(
                f"{path}: change_fingerprints is not a list of strings; pass a file written by mgsync plan --out."
            )
        found.update(listed)
    return Reviewed(frozenset(found), tuple(notes))


def check_reviewed(reviewed: Reviewed, plan: Plan) -> None:
    """Refuse (exit 3) unless every fingerprint of ``plan`` is in some reviewed plan; name the first that is not."""
    unreviewed = [
        [label for label, fp in labelled_fingerprints(c) if fp not in reviewed.fingerprints] for c in plan.changes
    ]
    unreviewed = [labels for labels in unreviewed if labels]
    if unreviewed:
        count = f"{len(unreviewed)} unreviewed change{'' if len(unreviewed) == 1 else 's'}"
        raise StalePlanError(
            f"Refusing to apply: {unreviewed[0][0]} is in no reviewed plan ({count}). "
            "Review it in a pull request, or apply it through the approved dispatch path."
        )
