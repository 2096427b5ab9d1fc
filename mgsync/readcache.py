"""One read of the live state where several kinds read the same listing: ``ReadCache``.

Within a ``sharing`` block (opened by observe for one plan), ``read`` of one path and query is sent
once and its answer shared by every caller, on any thread (two DKIM kinds read a domain's keys).
Outside a block every ``read`` is sent, so the reads inside an apply see its writes. This module
knows nothing about HTTP: it wraps the client's checked ``read``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from mgsync.answers import Shape

Read = Callable[..., Any]  # ``Client.read(path, expected, **params)``


class ReadCache:
    def __init__(self, read: Read) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._shared: dict[tuple[str, str], Future[Any]] | None = None  # answers of a ``sharing`` block

    @contextlib.contextmanager
    def sharing(self) -> Iterator[None]:
        """Within the block, ``read`` of one path and query is sent once and its answer shared."""
        self._shared = {}
        try:
            yield
        finally:
            self._shared = None

    def read(self, path: str, expected: Shape, **params: Any) -> Any:
        """The client's ``read``, sent once per ``sharing`` block for a path and query (outside one:
        every time). The answer is shared between callers: they must not change it."""
        shared = self._shared
        if shared is None:
            return self._read(path, expected, **params)
        key = (path, repr(sorted(params.items())))
        with self._lock:
            answer, first = shared.get(key), key not in shared
            if answer is None:
                answer = shared[key] = Future()
        if first:
            try:
                answer.set_result(self._read(path, expected, **params))
            except BaseException as exc:  # the callers waiting for it raise it too
                answer.set_exception(exc)
        return answer.result()
