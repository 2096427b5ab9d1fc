"""Bounded concurrency for the reads and writes of one command: ``Pool.map`` and ``Pool.batch``.

A pool of ``concurrency`` threads, started on first use and shut down with its client (the client
owns one, ``Client.pool``, sized like its HTTP connection pool). This module knows nothing about HTTP:
it runs callables. A task that itself maps (a domain read asking each domain's status) is run so that
idle workers help and no worker waits on a queue it could be stuck behind (``Pool.map``).

What the pool tells an observer (a status display), ``observer(event, value)``: "tasks" with the
number of tasks handed to it from outside a worker, "task_done" as each of them finishes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

from mgsync import tuning

T = TypeVar("T")
R = TypeVar("R")

Observer = Callable[[str, float], None]


class Pool:
    def __init__(self, concurrency: int, observer: Observer | None = None) -> None:
        self.concurrency = max(1, concurrency)
        self.observer = observer
        self._lock = threading.Lock()
        self._local = threading.local()
        self._executor: ThreadPoolExecutor | None = None

    def close(self, *, wait: bool = True) -> None:
        """Stop the threads; without ``wait``, leave those still running to the process's end."""
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` on ``concurrency`` threads, in input order.

        Every call runs to completion; then the first error by input order is raised. Called from
        inside a worker (a nested map: a domain read asking each domain's status), the items go to
        the pool too, and the calling worker runs every item no other thread has taken yet itself,
        so idle workers help and a worker never waits on a queue it could be stuck behind.
        """
        items = list(items)
        nested = self.on_worker()
        if self.observer is not None and not nested:
            self.notify("tasks", len(items))
            fn = _reporting(fn, self.notify)
        if len(items) <= 1 or self.concurrency == 1:
            futures = [_run_inline(fn, item) for item in items]
        else:
            pool = self.executor()
            tasks = [_Task(fn, item) for item in items]
            for task in tasks:
                pool.submit(task.run)
            if nested:
                for task in tasks:
                    task.run()  # does nothing for a task another thread took
            futures = [task.future for task in tasks]
            wait(futures)
        return [future.result() for future in futures]

    def submit(self, fn: Callable[[T], R], item: T) -> Future[R]:
        """``fn(item)`` on a worker (inline when the pool has one thread, or on a worker), its future at once;
        for a caller that schedules tasks itself as others finish (apply's steps)."""
        if self.observer is not None and not self.on_worker():
            self.notify("tasks", 1)
            fn = _reporting(fn, self.notify)
        if self.concurrency == 1 or self.on_worker():
            return _run_inline(fn, item)
        return self.executor().submit(fn, item)

    def batch(self) -> Batch:
        """Tasks handed to the pool one by one, taken back as each finishes (``Batch``)."""
        return Batch(self)

    def on_worker(self) -> bool:
        """Whether the calling thread is one of this pool's workers."""
        return getattr(self._local, "worker", False)

    def notify(self, event: str, value: float = 0.0) -> None:
        if self.observer is not None:
            self.observer(event, value)

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.concurrency, thread_name_prefix="mgsync-http", initializer=self._mark_worker
                )
            return self._executor

    def _mark_worker(self) -> None:
        tuning.worker_started()
        self._local.worker = True


class Batch:
    """Tasks submitted to a pool one at a time, and ``completed`` in the order they finish,
    so that a caller may submit more as results come in (observe reads a domain's scopes as soon as
    the domains are known, not when every other account-level read is done too). Called on a worker
    thread (nested), a submitted task runs at once, inline."""

    def __init__(self, pool: Pool) -> None:
        self._pool, self._finished, self._pending = pool, queue.SimpleQueue[tuple[Any, Future[Any]]](), 0

    def submit(self, fn: Callable[[T], R], item: T) -> None:
        future = self._pool.submit(fn, item)
        self._pending += 1
        future.add_done_callback(lambda done: self._finished.put((item, done)))

    def completed(self) -> Iterator[tuple[Any, Future[Any]]]:
        """(item, its finished future) as each finishes, until none is left, counting those
        submitted meanwhile."""
        while self._pending:
            self._pending -= 1
            yield self._finished.get()


class _Task(Generic[T, R]):
    """One item of a ``map``: run once, by whichever thread takes it first."""

    def __init__(self, fn: Callable[[T], R], item: T) -> None:
        self.fn, self.item = fn, item
        self.future: Future[R] = Future()
        self._taken = threading.Lock()

    def run(self) -> None:
        if not self._taken.acquire(blocking=False):
            return
        try:
            self.future.set_result(self.fn(self.item))
        except BaseException as exc:  # re-raised by future.result() in input order; the waiter never hangs
            self.future.set_exception(exc)


def _reporting(fn: Callable[[T], R], notify: Callable[[str], None]) -> Callable[[T], R]:
    def run(item: T) -> R:
        try:
            return fn(item)
        finally:
            notify("task_done")

    return run


def _run_inline(fn: Callable[[T], R], item: T) -> Future[R]:
    future: Future[R] = Future()
    try:
        future.set_result(fn(item))
    except Exception as exc:  # re-raised by future.result() in input order, like the pool's
        future.set_exception(exc)
    return future
