"""Runtime tuning of the ``mgsync`` command: every process-wide trick, in this one module, off by default.

Only the command switches it on (``switch_on``, first thing in ``cli.run``: the ``mgsync`` console
script and ``python -m mgsync``), and ``MGSYNC_NO_TUNING=1`` (any non-empty value) keeps even the
command untuned, to tell a fault of the tuning from another. Library callers, click's test runner and
in-process tests never switch it on: the hooks the rest of the code calls (``settled``,
``responsive``, ``handing_over``, ``leave``) then do nothing more than Python would, and the
collector's thresholds, the switch interval and the C allocator stay as the process had them. Performance work that changes the
interpreter or the process goes here, nowhere else (tests/test_architecture.py checks it).

What the command gets when it is on:

- **The C allocator (glibc, Linux)**: pages of 1000 members arrive as ~100 KB bodies on worker
  threads. glibc gives each thread its own malloc arena and, after the first large block is freed,
  stops handing blocks of that size straight back to the OS (its mmap threshold adapts upward); so
  every thread keeps the high-water mark of what it ever held, and a 200,000-entry apply ends up
  120 MiB larger than what Python still uses (measured: 386 MiB with the defaults, 266 MiB with one
  arena). Before any worker thread starts, two arenas at most and a fixed mmap threshold of 128 KiB
  (glibc's default, kept fixed), which is what ``MALLOC_ARENA_MAX=2`` and
  ``MALLOC_MMAP_THRESHOLD_=131072`` would do. A fixed mmap threshold also fixes the trim threshold
  at glibc's 128 KiB, so each arena gave back to the OS the free space at its top as soon as a page
  of answers was freed, and took it back, page fault by page fault, for the next: a no-op plan of L
  took 66,000 minor faults for 160 MiB of peak memory (41,000 pages). So the free top is kept up
  to 16 MiB before it is given back, and an arena grows 4 MiB at a time (``MALLOC_TRIM_THRESHOLD_``,
  ``MALLOC_TOP_PAD_``): 42,000 faults, 0.03-0.07 s less CPU for a plan or an import of L, the same
  peak memory. Elsewhere (musl, macOS, Windows) nothing: those allocators do not keep per-thread
  arenas this way.
- **The cycle collector**: a plan of a large account makes about a million small objects that live
  until the end (entry tuples, table dicts) and almost no reference cycles (YAML nodes, HTTP
  responses). With the default thresholds (700, 10, 10) the collector scans the live ones over and
  over: 0.8 s of a 2.4 s plan of 200,000 entries (measured with the collector off). The youngest
  generation runs every 50,000 allocations instead (the older ones less often), so cycles are still
  collected, in larger steps; and ``settled`` moves what exists once the manifests are loaded (the
  desired state, kept to the end), or once import has read the account, out of the collector's sight
  (``gc.freeze``). Together: 2.4 -> 1.6 s of CPU, the same peak memory within 5 %.
- **The switch interval while an import reads** (``handing_over``): a worker needs the GIL back after
  every socket wait, and CPython takes it from a busy thread only each switch interval (5 ms). An
  import makes its files and digests on the calling thread while the pool reads; at 0.2 ms the
  workers take up their answers at once: an import of L takes 0.13 s less wall (2.47 against 2.60 s,
  medians of 6), for 0.25 s more CPU. A plan only compares on that thread, and there the short
  interval has eight workers take the GIL from each other: a no-op plan of L spends 1.63 s of CPU
  at 5 ms against 1.80 at 0.2 ms, and ends 0.12 s sooner (medians of 8), so it keeps CPython's.
- **No cycle collection while the pool reads** (``responsive``): the reads make the entries of every
  collection (a plan of 200,000 entries: millions of objects, all kept) and next to no reference
  cycles (the client breaks the one httpx makes of each answer, ``Client._send``), so the
  collector's passes over the young objects find nothing: 0.07-0.1 s of the CPU of a no-op plan or
  an import of 200,000 items; peak memory the same (measured: 168 MiB either way, 177 MiB before
  the client broke the answers' cycles). When the block ends, what the reads made is frozen (it is
  what was observed, kept to the end) before the collector runs again: else the first allocation
  after would start one collection over all of it (60 ms after the reads of a plan of L).
- **The hard exit** (``leave``): freeing the objects of a large plan is left to the operating system
  (about 0.1 s at the end of a no-op plan of 200,000 entries), as mypy's ``hard_exit`` does; ``keep``
  holds what a command made until then, which Python would otherwise free one object at a time
  when the function holding it returns (the state of an import of L: 50 ms). Output
  is flushed first; files are all closed by then, and the lockfile is written whole or not at all
  (``lockfile.py``). Under a profiler, a tracer or coverage the exit is the usual one, so that they
  write what they saw.

Not tricks, and on for every caller: **Ctrl-C or SIGTERM while an apply writes**
(``graceful_interrupt``). The first SIGINT only sets an event: the apply starts no new step and
records those in flight, then stops with ``KeyboardInterrupt``; a second one raises at once. SIGTERM
(``docker stop``, Kubernetes, systemd, a CI job cancelled) does the same and stops with
``Terminated``, which the command reports with exit 143: a supervisor's grace period (10 s and more)
is ample for the requests in flight, where Python's default would end the process among them. Only
in the main thread, and only for a signal that has Python's own handler (a program embedding mgsync
with a handler of its own keeps it).
And **Ctrl-C goes to the main thread** (``worker_started``): mgsync's worker threads block SIGINT and
SIGTERM, so that the system hands them to the main thread and wakes it wherever it waits. Python runs
handlers in the main thread only, and a SIGINT a worker took would leave apply's question on the
terminal waiting for a line. (Linux gives it to the main thread first anyway; POSIX lets a system give it to any thread.)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import NoReturn

ENV = "MGSYNC_NO_TUNING"
M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
TRIM_THRESHOLD = 16 * 1024 * 1024
TOP_PAD = 4 * 1024 * 1024
GC_THRESHOLDS = (50_000, 20, 20)
SWITCH_INTERVAL = 0.0002  # seconds, while an import reads (``handing_over``)
STOPPING = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}  # with Python's handler

log = logging.getLogger("mgsync.tuning")


class _Switch:
    """Whether the command switched tuning on, and what it said about it (one per process)."""

    on = False
    state = "runtime tuning off: not the mgsync command (library or test use)"


def switch_on(env: Mapping[str, str] = os.environ) -> bool:
    """Tune this process for the command, unless ``MGSYNC_NO_TUNING`` is set; True when tuned.
    Called once, before any thread starts (``cli.run``)."""
    if env.get(ENV):
        _Switch.state = f"runtime tuning off: {ENV} is set"
        return False
    allocator = set_allocator()
    gc.set_threshold(*GC_THRESHOLDS)
    _Switch.on = True
    _Switch.state = (
        f"runtime tuning on: glibc malloc set: {'yes' if allocator else 'no'}; "
        f"collector thresholds {'/'.join(map(str, GC_THRESHOLDS))}"
    )
    return True


def is_on() -> bool:
    return _Switch.on


def log_state() -> None:
    """Say on the debug log whether tuning is on, and what it did (``mgsync --verbose``)."""
    log.debug("%s", _Switch.state)


def set_allocator() -> bool:
    """Set the allocator as the module docstring says where the C library is glibc; True when it took it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        # the C library the process runs on, from its loaded symbols: finding libc by name
        # (ctypes.util.find_library) runs ``ldconfig -p``, 3-5 ms of every command's start
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl's mallopt ignores these)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = (
        (M_ARENA_MAX, ARENAS),
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (M_TOP_PAD, TOP_PAD),
    )
    took = [mallopt(option, value) for option, value in settings]  # each one, whatever the others did
    return all(took)


def settled() -> None:
    """Tuned: what is alive now lives to the end (the loaded manifests, what import read), so the
    collector skips it from now on. Untuned: nothing (a test's whole heap is not frozen).

    Nothing is collected first: a full collection of a large account's state costs 50 ms, and the
    load leaves next to no garbage behind (``yamlfile`` lets each file's node tree go when parsed), so
    at most a few hundred small objects are frozen with it, for the life of the command."""
    if _Switch.on:
        gc.freeze()


_KEPT: list[object] = []


def keep(*objects: object) -> None:
    """Tuned: ``objects`` live until the hard exit frees them with the process (module docstring).
    Untuned: nothing (a test process frees them as usual)."""
    if _Switch.on:
        _KEPT.extend(objects)


@contextlib.contextmanager
def responsive() -> Iterator[None]:
    """Tuned: the cycle collector rests while the pool reads, and what was read is frozen when the
    block ends (module docstring). Untuned: nothing."""
    if not _Switch.on:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


@contextlib.contextmanager
def handing_over() -> Iterator[None]:
    """Tuned: within the block a worker whose answer arrived takes the GIL from the busy calling thread
    within 0.2 ms, not 5 (an import making its files while it reads: module docstring). Untuned:
    nothing."""
    if not _Switch.on:
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def worker_started() -> None:
    """The first call of every worker thread mgsync starts (``ThreadPoolExecutor(initializer=...)``):
    SIGINT and SIGTERM are blocked in it, so that they go to the main thread (module docstring). POSIX
    only: ``sys.platform`` (not ``hasattr``) is what mypy narrows, so that ``mypy mgsync`` passes on
    Windows too."""
    if sys.platform != "win32":
        signal.pthread_sigmask(signal.SIG_BLOCK, set(STOPPING))


class Terminated(KeyboardInterrupt):
    """An apply stopped by SIGTERM as Ctrl-C stops it (``graceful_interrupt``): the command says ``word``
    instead of "Interrupted." and exits 143 (128 + SIGTERM) instead of 130 (``cliparts.handles_errors``)."""

    word, exit_code = "Terminated.", 143


class Interrupt(threading.Event):
    """Set by the first SIGINT or SIGTERM of a ``graceful_interrupt`` block; ``stop`` is what its caller
    raises once what it started is finished."""

    signal: int = signal.SIGINT

    def stop(self) -> KeyboardInterrupt:
        return _stop(self.signal)


def _stop(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def graceful_interrupt() -> Iterator[Interrupt]:
    """Within the block a first Ctrl-C (SIGINT) or SIGTERM sets the event yielded instead of ending the
    command, so that the caller can finish what it started; a second raises (module docstring). Outside
    the main thread an event that nothing sets; a signal with a handler other than Python's keeps it."""
    interrupted = Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def first_only(signum: int, frame: FrameType | None) -> None:
        if interrupted.is_set():
            raise _stop(signum)
        interrupted.signal = signum
        interrupted.set()

    taken = {signum: handler for signum, handler in STOPPING.items() if signal.getsignal(signum) is handler}
    for signum in taken:
        signal.signal(signum, first_only)
    try:
        yield interrupted
    finally:
        for signum, handler in taken.items():
            signal.signal(signum, handler)


def leave(code: str | int | None) -> NoReturn:
    """End the command with ``code`` (a ``SystemExit``'s): tuned and unwatched, by the hard exit
    (module docstring); else as Python would."""
    if not _Switch.on or _watched():
        sys.exit(code)
    if not isinstance(code, int):  # sys.exit(message), as Python reports it: the text, then 1
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # the command started with the descriptor closed (mgsync plan >&-)
            continue
        # the reader left (mgsync plan | head), it is closed, or it failed (said already: cliparts)
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


def _watched() -> bool:
    """A profiler, tracer or coverage run that writes what it saw on the way out: leave normally."""
    return sys.getprofile() is not None or sys.gettrace() is not None or "coverage" in sys.modules
