"""One fingerprint per thing a change does (saved_plan.py's module docstring says how each is made).

Apart from ``saved_plan`` so that the pull-request comment can tell which changes a base branch's own
plan also has without importing what renders plans (``render``, which ``saved_plan`` uses).
"""

from __future__ import annotations

from typing import Any

from mgsync.changes import Action, Change
from mgsync.fingerprint import fingerprint


def labelled_fingerprints(change: Change) -> list[tuple[str, str]]:
    """(what it names in a refusal, fingerprint) for each thing ``change`` does."""
    address, action = str(change.address), change.action.value
    match change.action:
        case Action.CREATE:
            return [(f"{address} (create)", _short([address, action, change.after]))]
        case Action.UPDATE if change.fields:
            return [
                (f"{address} (update {'.'.join(map(str, f.path))})", _short([address, action, list(f.path), f.after]))
                for f in change.fields
            ]
        case Action.UPDATE:  # no field named: the whole object as it becomes
            return [(f"{address} (update)", _short([address, action, change.after]))]
        case _:
            return [(f"{address} ({action})", _short([address, action]))]


def _short(data: Any) -> str:
    # 128 bits of sha256: unique enough between the changes of one account, and a plan of 200,000
    # creates keeps its list of fingerprints small.
    return fingerprint(data)[: len("sha256:") + 32]
