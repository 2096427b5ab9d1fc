"""Shared fixtures: a fresh in-memory emulator, and the same served over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores. Much of the suite waits on the real ``mgsync``
    processes it starts and on sockets (measured on 2 cores: 1.7 cores busy with two workers, 1.9
    with three, and the suite 10 % shorter)."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator accepting API key ``test`` (no domains, no faults)."""
    return Emulator(api_key="test")


@pytest.fixture
def served_emulator(emulator: Emulator) -> Iterator[tuple[Emulator, str]]:
    """``(emulator, url)``: the ``emulator`` fixture served by a real HTTP server on a free port."""
    with serve(emulator, host="127.0.0.1", port=0) as srv:
        yield emulator, srv.url
