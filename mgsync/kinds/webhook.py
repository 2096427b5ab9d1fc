"""Kind ``webhook``: the URLs of one event type on a domain (``webhook:<domain>/<event>``). §5.1."""

from __future__ import annotations

from pydantic import Field, field_validator

from mgsync.kinds.base import Spec

EVENTS = (
    "accepted",
    "clicked",
    "complained",
    "delivered",
    "opened",
    "permanent_fail",
    "temporary_fail",
    "unsubscribed",
)
MAX_URLS = 3


class Webhook(Spec):
    urls: tuple[str, ...] = Field(min_length=1, max_length=MAX_URLS)

    @field_validator("urls")
    @classmethod
    def _canonical_order(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        # Mailgun keeps the order sent, but order carries no meaning: compare as a sorted set.
        return tuple(sorted(set(urls)))
