"""Saved plans (``plan --out``): apply exactly what was reviewed, or refuse (DESIGN §3.8).

A saved plan records the manifests and lockfile it was made from, a digest of the desired state
(secrets masked: a plan file never holds a secret), the changes, and the fingerprint of every live
object those changes touch (``absent`` for objects to create). Applying it re-loads the manifests,
re-reads Mailgun, and refuses with ``StalePlanError`` if the manifests, the lockfile or any touched
object changed, or if the plan computed now differs from the saved one.

``check_digest`` is the same promise without a file (``apply --expect-plan DIGEST``): the digest of
the reviewed plan, e.g. from a pull-request comment, must equal the digest of the plan made now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgsync import __version__
from mgsync.errors import MgsyncError, StalePlanError
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


def desired_digest(state: State) -> str:
    return fingerprint([(str(address), masked(resource, managed_only=True)) for address, resource in state.items()])


def touched_fingerprints(plan: Plan) -> dict[str, str]:
    return {str(c.address): plan.fingerprints.get(str(c.address), ABSENT) for c in plan.changes}


def save(path: Path, plan: Plan, *, manifests: list[Path], lock: Lockfile, state: State, targets: tuple[str, ...]) -> None:
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "mgsync_version": __version__,
        "manifests": [str(p) for p in manifests],
        "lockfile": str(lock.path),
        "targets": list(targets),
        "desired_digest": desired_digest(state),
        "lock_digest": fingerprint(lock.render()),
        "fingerprints": touched_fingerprints(plan),
        "digest": plan.digest,
        "plan": json_document(plan),
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def is_saved_plan(path: Path) -> bool:
    if not path.is_file() or path.suffix != ".json":
        return False
    try:
        return "desired_digest" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load(path: Path) -> SavedPlan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise MgsyncError(f"{path}: saved plan format_version {data.get('format_version')} is not supported")
        return SavedPlan(
            manifests=tuple(data["manifests"]),
            lockfile=data["lockfile"],
            targets=tuple(data.get("targets", ())),
            desired_digest=data["desired_digest"],
            lock_digest=data["lock_digest"],
            changes=tuple((c["address"], c["action"]) for c in data["plan"]["changes"]),
            fingerprints=dict(data["fingerprints"]),
            digest=data.get("digest"),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise MgsyncError(f"{path}: not a readable mgsync plan file ({err})") from None


def check_fresh(saved: SavedPlan, plan: Plan, *, state: State, lock: Lockfile) -> None:
    """Refuse unless the world still looks exactly as it did when the plan was made."""
    again = "Run mgsync plan again."
    if desired_digest(state) != saved.desired_digest:
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
