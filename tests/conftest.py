"""Shared fixtures: a fresh in-memory emulator, and the same served over HTTP on 127.0.0.1."""

from __future__ import annotations

import compileall
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve


def pytest_configure(config: pytest.Config) -> None:
    """Where ``PYTHONDONTWRITEBYTECODE`` is set (as on this workplace's machines and their CI), no
    Python process caches what it compiles, and each of the ~1,000 ``mgsync`` processes the suite
    starts would compile mgsync's modules anew: a third of its start-up (0.3 of 0.9 s CPU), a fifth
    of the e2e tests' CPU. So the controller compiles them once, beside their sources where Python
    itself would (``__pycache__``, ignored by git), before the workers start; the processes only read."""
    if sys.dont_write_bytecode and not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(__file__).resolve().parents[1] / "mgsync", quiet=2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long`` (5-30 s of one worker: the GitHub loop, mypy for other platforms,
    the kill test, the benchmarks' smoke runs) first, the rest in their order. Workers take tests in
    this order one at a time as they free up (``--dist load --maxschedchunk 1``), so the long ones
    spread over them from the start and the run ends on short ones: left for last, one of them kept
    a single core busy for 20 s while the others had nothing left."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: False (long) first


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
