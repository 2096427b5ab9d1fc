"""What every kind shares: the canonical model base class.

A kind's model is its canonical form: the same type whether built from YAML (only the fields the
user wrote are *set*; unset fields are not managed) or from the API (every field set). Fields named
in ``POLICY`` steer mgsync (e.g. how many template versions to keep) and are never diffed or sent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    POLICY: ClassVar[frozenset[str]] = frozenset()
    SECRET: ClassVar[frozenset[str]] = frozenset()

    def managed(self) -> dict[str, Any]:
        """Fields the user set, minus policy fields, as JSON-able data."""
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(self.POLICY))

    def comparable(self) -> dict[str, Any]:
        """Every field (defaults included), minus policy and secret fields."""
        return self.model_dump(mode="json", exclude=set(self.POLICY | self.SECRET))
