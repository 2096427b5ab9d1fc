"""Shared fixtures: a fresh in-memory emulator, and the same served over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator accepting API key ``test`` (no domains, no faults)."""
    return Emulator(api_key="test")


@pytest.fixture
def served_emulator(emulator: Emulator) -> Iterator[tuple[Emulator, str]]:
    """``(emulator, url)``: the ``emulator`` fixture served by a real HTTP server on a free port."""
    with serve(emulator, host="127.0.0.1", port=0) as srv:
        yield emulator, srv.url
