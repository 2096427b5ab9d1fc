"""The summary lines and the JSON document: the renderings other tools parse."""

from __future__ import annotations

import math
from typing import Any

from mgsync.changes import Action, Change, FieldChange
from mgsync.kinds import BULK_KINDS, BY_NAME, BulkKind, Kind
from mgsync.plan import Plan

FORMAT_VERSION = 1
NO_CHANGES = "No changes. Mailgun matches the manifests."
NO_CHANGES_TARGETED = "No changes on the targets (--target): Mailgun matches the manifests there."
NO_CHANGES_SOME_TARGETED = "No changes on the targets that match (--target): Mailgun matches the manifests there."
NO_TARGET_MATCHED = "No changes: no target (--target) matches anything, so nothing was compared."


def counts(changes: list[Change]) -> dict[str, int]:
    """``{"add", "change", "destroy", "forget"}`` counts, the summary's vocabulary."""
    by_action = dict.fromkeys(Action, 0)
    for item in changes:
        by_action[item.action] += 1
    return {
        "add": by_action[Action.CREATE],
        "change": by_action[Action.UPDATE],
        "destroy": by_action[Action.DELETE],
        "forget": by_action[Action.FORGET],
    }


def summary_line(plan: Plan) -> str:
    """``Plan: 2 to add, 1 to change, 0 to destroy.`` (``, 1 to forget`` only when there are any)."""
    if not plan.changes:
        return _no_changes(plan)
    n = counts(plan.changes)
    forget = f", {n['forget']} to forget" if n["forget"] else ""
    return f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy{forget}."


def _no_changes(plan: Plan) -> str:
    """What an empty plan says: Mailgun matches the manifests only where a target matched something."""
    if not plan.targets:
        return NO_CHANGES
    if len(plan.unmatched) == len(plan.targets):
        return NO_TARGET_MATCHED
    return NO_CHANGES_SOME_TARGETED if plan.unmatched else NO_CHANGES_TARGETED


_DONE = {Action.CREATE: "added", Action.UPDATE: "changed", Action.DELETE: "destroyed", Action.FORGET: "forgotten"}


def apply_summary(plan: Plan) -> str:
    """``Apply complete: 3 added, 1 changed, 1 destroyed; 2,500 bounces added in 3 requests.``

    Objects of bulk kinds are counted apart, per kind and action, with the requests their batches
    took (one per ``max_batch`` adds or updates in a scope, one per delete).
    """
    single = [c for c in plan.changes if c.address.kind not in BULK_KINDS]
    n = counts(single)
    head = f"Apply complete: {n['add']} added, {n['change']} changed, {n['destroy']} destroyed"
    head += f", {n['forget']} forgotten" if n["forget"] else ""
    bulk = _bulk_counts([c for c in plan.changes if c.address.kind in BULK_KINDS])
    return f"{head}; {', '.join(bulk)}." if bulk else f"{head}."


def _bulk_counts(changes: list[Change]) -> list[str]:
    scopes: dict[tuple[str, Action], dict[str, int]] = {}
    for item in changes:
        per_scope = scopes.setdefault((item.address.kind, item.action), {})
        per_scope[item.address.scope] = per_scope.get(item.address.scope, 0) + 1
    parts = []
    for (kind, action), per_scope in scopes.items():
        size = _batch(BY_NAME[kind]) if action in (Action.CREATE, Action.UPDATE) else 1
        requests = sum(math.ceil(count / size) for count in per_scope.values())
        total = sum(per_scope.values())
        noun = "request" if requests == 1 else "requests"
        sent = "" if action is Action.FORGET else f" in {requests:,} {noun}"  # forgetting sends nothing
        parts.append(f"{total:,} {BY_NAME[kind].noun(total)} {_DONE[action]}{sent}")
    return parts


def json_document(plan: Plan) -> dict[str, Any]:
    """Every change in full, no sampling; only addresses, before/after and field changes."""
    return {
        "format_version": FORMAT_VERSION,
        "summary": counts(plan.changes),
        "changes": [_change(c) for c in plan.changes],
        "drift": [{"address": str(d.address), "deleted": d.deleted, "fields": _fields(d.fields)} for d in plan.drift],
        "unmanaged": {kind: [str(a) for a in addresses] for kind, addresses in plan.unmanaged.items()},
        "notes": list(plan.notes),
    }


def _change(item: Change) -> dict[str, Any]:
    # Only these keys: ``desired``/``observed`` carry unmasked resources and are never rendered.
    return {
        "address": str(item.address),
        "kind": item.address.kind,
        "action": item.action.value,
        "before": item.before,
        "after": item.after,
        "fields": _fields(item.fields),
    }


def _fields(fields: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
    # ``path`` is the list of keys (``["vars", "plan.tier"]``), never a string to parse.
    return [{"path": list(f.path), "before": f.before, "after": f.after} for f in fields]


def _batch(kind: Kind[Any]) -> int:
    """The most adds or updates one request takes (``Bulk.max_batch``; one object otherwise)."""
    return kind.max_batch if isinstance(kind, BulkKind) else 1
