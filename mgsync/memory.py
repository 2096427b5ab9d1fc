"""Keep freed memory from piling up in the C allocator (glibc, Linux): a memory setting, not a feature.

Pages of 1000 members arrive as ~100 KB bodies on worker threads. glibc gives each thread its own
malloc arena and, after the first large block is freed, stops handing blocks of that size straight
back to the OS (its mmap threshold adapts upward); so every thread keeps the high-water mark of what it
ever held, and a 200,000-entry apply ends up 120 MiB larger than what Python still uses
(measured: 386 MiB with the defaults, 266 MiB with one arena). ``limit_arenas`` sets, before any
worker thread starts, two arenas at most and a fixed mmap threshold of 128 KiB (glibc's default, kept
fixed), which is what ``MALLOC_ARENA_MAX=2`` and ``MALLOC_MMAP_THRESHOLD_=131072`` would do. Elsewhere
(musl, macOS, Windows) it does nothing: those allocators do not keep per-thread arenas this way.

Also how often Python's cyclic garbage collector runs while a large state is built (``fewer_collections``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024


def limit_arenas() -> bool:
    """Apply the settings above where the C library is glibc; True when it took them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl's mallopt ignores these)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic collector less often inside the block, then as before.

    Entries of a 200,000-item account are acyclic tuples, dicts and strings: collecting finds almost
    nothing, yet at CPython's default every 700 allocations, with the older generations (which hold
    everything read so far) scanned again and again, it cost an import of account L 1.1 s of its
    3.8 s of CPU. Young collections every 50,000 allocations keep what cycles do arise (parser and
    YAML nodes) bounded: peak RSS rose by 4 MiB, where switching the collector off cost 50 MiB.
    """
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
