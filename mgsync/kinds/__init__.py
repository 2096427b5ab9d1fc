"""The registry of kinds: one ordered tuple, in dependency order.

Creates and updates run in this order (a domain before its webhooks, a list before its members);
deletes run in reverse; a kind comes after its parent. Manifest documents, the JSON Schema, prune
lists, import and CLI flags are built from this tuple. Adding a kind means one module and one line
here; nothing outside the kind's module names it.
"""

from __future__ import annotations

from typing import Any

from mgsync.kinds.account_template import ACCOUNT_TEMPLATE
from mgsync.kinds.account_webhook import ACCOUNT_WEBHOOK
from mgsync.kinds.base import Kind
from mgsync.kinds.bulk import BulkKind
from mgsync.kinds.capabilities import Bulk, Deletable, Lossy, OwnFile, Prunable, Reviewable, Verifiable, Writable
from mgsync.kinds.credential import CREDENTIAL
from mgsync.kinds.dkim import DKIM, DKIM_KEY
from mgsync.kinds.domain import DOMAIN
from mgsync.kinds.forward import FORWARD
from mgsync.kinds.mailing_list import LIST, MEMBER
from mgsync.kinds.route import ROUTE
from mgsync.kinds.suppression import ALLOWLIST, BOUNCE, COMPLAINT, UNSUBSCRIBE
from mgsync.kinds.template import TEMPLATE
from mgsync.kinds.tracking import TRACKING
from mgsync.kinds.webhook import WEBHOOK

KINDS: tuple[Kind[Any], ...] = (
    DOMAIN,
    TRACKING,
    WEBHOOK,
    TEMPLATE,
    CREDENTIAL,
    BOUNCE,
    UNSUBSCRIBE,
    COMPLAINT,
    ALLOWLIST,
    DKIM_KEY,
    DKIM,
    ROUTE,
    FORWARD,
    LIST,
    MEMBER,
    ACCOUNT_TEMPLATE,
    ACCOUNT_WEBHOOK,
)

BY_NAME: dict[str, Kind[Any]] = {kind.name: kind for kind in KINDS}

# The kinds declaring a capability, by name, for checks made once per change or entry (200,000 in a
# large account): ``isinstance`` of a protocol costs microseconds, a lookup here nanoseconds.
BULK_KINDS: frozenset[str] = frozenset(kind.name for kind in KINDS if isinstance(kind, Bulk))
DELETABLE_KINDS: frozenset[str] = frozenset(kind.name for kind in KINDS if isinstance(kind, Deletable))
PRUNABLE_KINDS: dict[str, Prunable] = {kind.name: kind for kind in KINDS if isinstance(kind, Prunable)}


def children(parent: Kind[Any] | None) -> list[Kind[Any]]:
    """The kinds directly inside ``parent`` (``None``: the account-level kinds), in registry order."""
    return [kind for kind in KINDS if kind.parent is parent]


__all__ = [
    "BULK_KINDS",
    "BY_NAME",
    "DELETABLE_KINDS",
    "KINDS",
    "PRUNABLE_KINDS",
    "Bulk",
    "BulkKind",
    "Deletable",
    "Kind",
    "Lossy",
    "OwnFile",
    "Prunable",
    "Reviewable",
    "Verifiable",
    "Writable",
    "children",
]
