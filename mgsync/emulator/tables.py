"""The emulator's generic containers: ``Table`` (records by a lower-cased key, with a cached sorted
key list for paging) and ``Family`` (one endpoint family's own state in one account).

Knows nothing of accounts, HTTP or any endpoint; ``store`` holds these containers and persists them.
"""

from __future__ import annotations

from typing import Any


class Table:
    """Records keyed by a normalised (lower-case) key, with a cached sorted key list for paging."""

    __slots__ = ("_sorted", "rows")

    def __init__(self, rows: dict[str, dict[str, Any]] | None = None):
        self.rows: dict[str, dict[str, Any]] = rows or {}
        self._sorted: list[str] | None = None

    def get(self, key: str) -> dict[str, Any] | None:
        return self.rows.get(key.lower())

    def put(self, key: str, record: dict[str, Any]) -> None:
        key = key.lower()
        if key not in self.rows:
            self._sorted = None
        self.rows[key] = record

    def pop(self, key: str) -> dict[str, Any] | None:
        record = self.rows.pop(key.lower(), None)
        if record is not None:
            self._sorted = None
        return record

    def clear(self) -> int:
        count = len(self.rows)
        self.rows.clear()
        self._sorted = None
        return count

    def __len__(self) -> int:
        return len(self.rows)

    def sorted_keys(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.rows)
        return self._sorted


class Family:
    """One endpoint family's state in one account, in a shape this module need not know: named
    ``Table``s, named groups of Tables (e.g. template name → its versions) and a JSON-able
    ``settings`` dict (the family's emulator switches). Saved and loaded generically."""

    __slots__ = ("groups", "settings", "tables")

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.groups: dict[str, dict[str, Table]] = {}
        self.settings: dict[str, Any] = {}

    def table(self, name: str) -> Table:
        """The family's table ``name``, created empty on first use."""
        return self.tables.setdefault(name, Table())

    def group(self, name: str) -> dict[str, Table]:
        """The family's group ``name`` (key → Table), created empty on first use."""
        return self.groups.setdefault(name, {})

    def to_data(self) -> dict[str, Any]:
        return {
            "tables": {n: t.rows for n, t in self.tables.items()},
            "groups": {n: {k: t.rows for k, t in by.items()} for n, by in self.groups.items()},
            "settings": self.settings,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Family:
        family = cls()
        family.tables = {n: Table(rows) for n, rows in data.get("tables", {}).items()}
        family.groups = {n: {k: Table(rows) for k, rows in by.items()} for n, by in data.get("groups", {}).items()}
        family.settings = dict(data.get("settings", {}))
        return family
