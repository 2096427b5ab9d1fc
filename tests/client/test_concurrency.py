"""Client.map: bounded threads, input order, first error by input order, nested calls helped by idle workers."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from mgsync.client import Client
from mgsync.settings import Settings
from tests.support.client import KEY


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(Settings("https://api.mailgun.net", "basic", KEY), concurrency=4) as client:
        yield client


def test_results_keep_input_order_and_threads_stay_bounded(client: Client) -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(random.uniform(0, 0.01))
        with lock:
            running[0] -= 1
        return i * i

    assert client.pool.map(work, range(40)) == [i * i for i in range(40)]
    assert 1 < peak[0] <= 4


def test_first_error_by_input_order_is_raised_after_all_finish(client: Client) -> None:
    done: list[int] = []

    def work(i: int) -> int:
        time.sleep(0.02 if i == 3 else 0)  # item 7 fails first in time; item 3 first in input order
        done.append(i)
        if i in (3, 7):
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match="item 3"):
        client.pool.map(work, range(10))
    assert sorted(done) == list(range(10))


def test_nested_map_is_helped_by_idle_workers(client: Client) -> None:
    """One outer item whose inner items wait 50 ms each (a domain read asking 8 statuses): the other
    workers, idle, take inner items, so they do not run one after the other in the caller."""
    threads: set[str] = set()
    lock = threading.Lock()

    def inner(j: int) -> int:
        with lock:
            threads.add(threading.current_thread().name)
        time.sleep(0.05)
        return j

    started = time.perf_counter()
    assert client.pool.map(lambda i: client.pool.map(inner, range(8)) if i == 0 else [], range(2)) == [
        list(range(8)),
        [],
    ]
    assert len(threads) > 1
    assert time.perf_counter() - started < 8 * 0.05 * 0.75  # 4 threads: about 0.1 s, never 0.4 s


def test_nested_map_runs_without_deadlock(client: Client) -> None:
    outcome: list[object] = []

    def outer(i: int) -> list[int]:
        return client.pool.map(lambda j: i * 10 + j, range(3))

    worker = threading.Thread(target=lambda: outcome.append(client.pool.map(outer, range(8))), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "nested map deadlocked"
    assert outcome == [[[i * 10 + j for j in range(3)] for i in range(8)]]


def test_map_over_real_http_shares_one_client(account, connect) -> None:
    emu, url = account
    for i in range(12):
        emu.store.add_route(f'match_recipient("r{i}@example.com")', description=f"r{i}")
    client: Client = connect(url, concurrency=4)
    ids = [r["id"] for r in client.iter_skip("/v3/routes")]
    routes = client.pool.map(lambda rid: client.get(f"/v3/routes/{rid}")["route"], ids)
    assert [r["id"] for r in routes] == ids
    assert client.stats.by_method["GET"] == 13 and client.stats.requests == 13
