"""Account-level templates (``/v4/templates…``, wire-issue11.md §2): the domain-template core of
``templates`` mounted on the account, with its state in ``store.family("account_templates")``.

Same shapes, messages and paging as ``/v3/{domain}/templates`` (the reference describes the same
model; the v4 texts are UNCONFIRMED). Differences: at most 100 templates per account, and copying a
version onto an existing tag fails instead of overwriting ("If the version name already exists, the
copy will fail"). Not emulated: ``PUT /v4/templates/{name}/copy`` (copy to subaccounts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mgsync.emulator import templates
from mgsync.emulator.store import Store, seed_template
from mgsync.emulator.wire import Request

FAMILY = "account_templates"
MAX_TEMPLATES = 100
V4 = templates.Rules(max_templates=MAX_TEMPLATES, copy_overwrites=False)


def _space(store: Store, req: Request) -> templates.Space:
    family = store.family(FAMILY)
    return templates.Space(family.table("templates"), family.group("versions"), req.params, V4)


def add_template(
    store: Store, name: str, description: str = "", versions: Iterable[dict[str, Any]] = (), created_by: str = ""
) -> dict[str, Any]:
    """Seeding helper (no validation, no limits): as ``store.seed_template``, at the account level."""
    family = store.family(FAMILY)
    return seed_template(
        family.table("templates"), family.group("versions"), store.clock(), name, description, versions, created_by
    )


ENDPOINTS = templates.endpoints("/v4/templates", _space)
