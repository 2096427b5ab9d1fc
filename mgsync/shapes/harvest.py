"""``Harvest``: what a kind declares its manifest section into, as an interface below the kinds.

A kind's ``declare`` adds resources, bulk collections, problems and warnings to the harvest it is
handed, and reads the files a manifest refers to through it. The one implementation is the manifest
loader's (``manifest.convert.FileHarvest``); naming only this interface keeps the kinds (and the
template body checks) free of any import of the manifest package, even for types.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mgsync.errors import Problem
from mgsync.state import Address, Resource, Source

Loc = tuple[Any, ...]  # a place in a manifest's YAML tree


class Files(Protocol):
    """Files made but not written yet, by path (an import's, loaded back while it reads on)."""

    def data(self, path: Path) -> bytes | None: ...


class Harvest(Protocol):
    """What one manifest file declares, and what went wrong converting it."""

    @property
    def shown(self) -> str: ...  # the file, as the user named it

    @property
    def root(self) -> Any: ...  # its YAML tree, for positions

    @property
    def resources(self) -> list[Resource]: ...  # declared so far, in this file

    @property
    def problems(self) -> list[Problem]: ...

    @property
    def warnings(self) -> list[Problem]: ...

    @property
    def staged(self) -> Files | None: ...  # files beside it that are not on disk yet

    def source(self, loc: Loc) -> Source: ...

    def problem(self, loc: Loc, message: str, at_key: bool = False) -> None: ...

    def warn(self, loc: Loc, message: str) -> None: ...

    def beside(self, reference: str) -> tuple[Path, str]: ...

    def declare(
        self, address: Address, model: type[Any], data: dict[str, Any], loc: Loc, source: Source | None = None
    ) -> None: ...

    # ``kind`` is a ``BulkKind`` (mgsync.kinds.base), named loosely: this module sits below the kinds.
    def collect(self, kind: Any, scope: str, loc: Loc, value: Any) -> None: ...

    def read_text(self, reference: str, loc: Loc, check: Callable[[str], str]) -> str | None: ...
