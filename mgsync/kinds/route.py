"""Kind ``route``: an account-level inbound route (``route:<name>``, the name is its description). §4.

Mailgun identifies routes by a server-assigned id, kept in ``Resource.meta["id"]`` and the lockfile.
"""

from __future__ import annotations

from pydantic import Field, StrictInt

from mgsync.kinds.base import Spec


class Route(Spec):
    priority: StrictInt = Field(0, ge=0)
    expression: str = Field(min_length=1)
    actions: tuple[str, ...] = Field(min_length=1)
