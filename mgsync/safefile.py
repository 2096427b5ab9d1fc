"""Files written whole and held: what the lockfile (and the state branch's copy of it) needs of the
file system, and nothing of what they hold. A write replaces a symbolic link's target, never the link
(``replaced``), through a temporary file beside it with its permissions (``temporary``); ``hold``
takes the exclusive apply lock on a ``.lck`` sidecar (``filelock``: ``flock`` on Linux and macOS,
``msvcrt`` locking on Windows); ``unwritable`` says why a file cannot be made, and what to do.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from mgsync.errors import LockfileError, LockHeldError


def replaced(path: Path) -> Path:
    """The file a write of ``path`` replaces: a symbolic link's target (a lockfile shared between
    directories), never the link itself, which a rename would turn into a file of its own."""
    try:
        return path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError):  # a name too long, a loop of links: using the path says why
        return path


def temporary(target: Path, prefix: str) -> tuple[int, str]:
    """A temporary file beside ``target`` (so that a rename replaces it whole), with ``target``'s
    permissions, or a new file's under the umask: ``mkstemp`` makes it 0600, which a rename would
    give the lockfile, shutting out the group that shares it."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # read by setting it, the only way there is; set back at once
    os.umask(mask)
    return mask


@contextmanager
def hold(path: Path, *, timeout: float = 0, hint: str = "pass --lock-timeout SECONDS to wait") -> Iterator[None]:
    """Hold the exclusive apply lock of the lockfile at ``path`` (a ``.lck`` sidecar), waiting up to
    ``timeout`` seconds for another apply to release it; ``hint``: what to do when it is held."""
    if not path.name:  # "--lockfile ." (or ""): a directory, which has no name to put ".lck" after
        raise LockfileError(f"--lockfile {str(path)!r} is a directory; name a file in it, like {path / 'mgsync.lock'}")
    if not timeout >= 0:  # NaN, which click's FloatRange lets through
        raise LockfileError(f"--lock-timeout must be a number of seconds, not {timeout}")
    target = replaced(path)
    lock_path = target.with_name(target.name + ".lck")
    # A fresh, non-singleton lock per call: two holds in one process must exclude each other too.
    lock = FileLock(lock_path, timeout=timeout, is_singleton=False, thread_local=False)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        waited = f"still held after {timeout:g} s" if timeout > 0 else hint
        raise LockHeldError(
            f"Another mgsync apply holds the lock on {path} ({waited}); wait for it to finish (lock file {lock_path})."
        ) from None
    except OSError as err:  # after Timeout, which is an OSError too
        raise LockfileError(f"Cannot create the apply lock {lock_path}: {unwritable(lock_path, err)}.") from None
    try:
        yield
    finally:
        lock.release()


def unwritable(target: Path, err: OSError) -> str:
    """Why ``target`` cannot be created, and what to do: a file where a directory must be, or the
    system's reason (e.g. Permission denied) with the directory to make writable."""
    if err.errno == errno.ENAMETOOLONG:
        return f"{err.strerror}; choose a shorter lockfile path (--lockfile)"
    # the file itself refused (a teammate's .lck), not the directory it would be made in
    if err.filename is not None and os.path.abspath(err.filename) == os.path.abspath(target) and target.exists():
        return f"{err.strerror or err}; the file is there and this user may not write it: make it writable"
    for parent in reversed(target.parents):
        if parent.exists() and not parent.is_dir():
            return f"{parent} is a file, not a directory; choose a lockfile path in a directory (--lockfile)"
    there = next(p for p in target.parents if p.exists())  # where the missing directories would be made
    return f"{err.strerror or err}; make {there} writable for this user"
