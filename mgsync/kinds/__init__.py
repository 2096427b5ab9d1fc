"""The registry of kinds: one ordered tuple, in dependency order.

Creates and updates run in this order (a domain before its webhooks, a list before its members);
deletes run in reverse. Adding a kind means one module and one line here; the engine knows no kind
by name.
"""

from __future__ import annotations

from mgsync.kinds.base import Kind
from mgsync.kinds.credential import CredentialKind
from mgsync.kinds.domain import DomainKind
from mgsync.kinds.mailing_list import ListKind, MemberKind
from mgsync.kinds.route import RouteKind
from mgsync.kinds.suppression import AllowlistKind, BounceKind, ComplaintKind, UnsubscribeKind
from mgsync.kinds.template import TemplateKind
from mgsync.kinds.tracking import TrackingKind
from mgsync.kinds.webhook import WebhookKind

KINDS: tuple[Kind, ...] = (
    DomainKind(),
    TrackingKind(),
    WebhookKind(),
    TemplateKind(),
    CredentialKind(),
    BounceKind(),
    UnsubscribeKind(),
    ComplaintKind(),
    AllowlistKind(),
    RouteKind(),
    ListKind(),
    MemberKind(),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}

__all__ = ["BY_NAME", "KINDS", "Kind"]
