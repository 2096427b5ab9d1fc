"""The engine: one run against one account (``Engine``), made of

- ``observe``: which scopes to read, and reading them (``observe``, ``canonical``);
- ``secrets``: desired secrets against the lockfile's salted hashes and its combined verifier;
- ``planning``: observe and diff, the engine's notes, the ``Outcome`` (verification targets too);
- ``record``: execute a plan (``apply.execute``), read again, sync the lockfile;
- ``run``: the ``Engine`` object, the apply workflow in one place, and ``held``.

It iterates the registry and names no kind; it prints nothing (the CLI renders what it returns).
"""

from __future__ import annotations

from mgsync.engine.observe import canonical, observe, touched_scopes, wanted_scopes
from mgsync.engine.planning import Outcome, odd_notes, plan_changes, verification_targets, verify
from mgsync.engine.record import apply_changes, sync_lock
from mgsync.engine.run import Checks, Engine, Hooks, held
from mgsync.engine.secrets import SecretCheck, record_secrets_verifier, secret_matches, unchecked_notes
from mgsync.engine.targets import matches_target

__all__ = [
    "Checks",
    "Engine",
    "Hooks",
    "Outcome",
    "SecretCheck",
    "apply_changes",
    "canonical",
    "held",
    "matches_target",
    "observe",
    "odd_notes",
    "plan_changes",
    "record_secrets_verifier",
    "secret_matches",
    "sync_lock",
    "touched_scopes",
    "unchecked_notes",
    "verification_targets",
    "verify",
    "wanted_scopes",
]
