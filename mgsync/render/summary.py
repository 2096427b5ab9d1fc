"""The one summary line and the JSON document: the two renderings other tools parse."""

from __future__ import annotations

from typing import Any

from mgsync.changes import Action, Change, FieldChange
from mgsync.plan import Plan

FORMAT_VERSION = 1
NO_CHANGES = "No changes. Mailgun matches the manifests."


def counts(changes: list[Change]) -> dict[str, int]:
    """``{"add", "change", "destroy", "forget"}`` counts, the summary's vocabulary."""
    by_action = {action: 0 for action in Action}
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
        return NO_CHANGES
    n = counts(plan.changes)
    forget = f", {n['forget']} to forget" if n["forget"] else ""
    return f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy{forget}."


def json_document(plan: Plan) -> dict[str, Any]:
    """Every change in full, no sampling; only addresses, before/after and field changes."""
    return {
        "format_version": FORMAT_VERSION,
        "summary": counts(plan.changes),
        "changes": [_change(c) for c in plan.changes],
        "drift": [
            {"address": str(d.address), "deleted": d.deleted, "fields": _fields(d.fields)} for d in plan.drift
        ],
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
    return [{"path": f.path, "before": f.before, "after": f.after} for f in fields]
