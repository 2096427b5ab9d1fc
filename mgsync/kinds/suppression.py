"""Suppression models: bounces, unsubscribes, complaints, allowlist (``<kind>:<domain>/<address>``). §8."""

from __future__ import annotations

from pydantic import Field, field_validator

from mgsync.kinds.base import Spec


class Bounce(Spec):
    code: str = "550"
    error: str = ""


class Unsubscribe(Spec):
    tags: tuple[str, ...] = Field(("*",), min_length=1)

    @field_validator("tags")
    @classmethod
    def _canonical_order(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(tags)))


class Complaint(Spec):
    pass


class Allowlist(Spec):
    """An allowlisted address (contains ``@``) or domain; the kind is derived from the key."""

    reason: str = ""
