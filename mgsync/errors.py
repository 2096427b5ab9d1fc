"""The one small exception tree of mgsync, and every exit code of the ``mgsync`` command.

    class                          exit  what
    MgsyncError                      1   base: its str() is one sentence fit for the user
    ├── ConfigError                  1   connection settings (env vars, flags) are missing or wrong
    ├── ManifestError                1   manifests failed to load or validate; carries every Problem
    ├── ApiError                     1   Mailgun answered with an error status (method, path, status, message)
    │   ├── UnreadableAnswerError    1   an answer that is not JSON, or not of the shape the read expects
    │   └── NoAnswerError            1   no usable answer at all (connection refused, timeout, retries spent)
    │       └── HostNotFoundError    1   the base URL's host name does not resolve (a DnsError too)
    ├── DnsError                     1   a DNS lookup failed (``dns check``'s resolver, the base URL's host)
    ├── LockfileError                1   the lockfile is unreadable
    │   ├── LockHeldError            4   another apply holds the lockfile's lock
    │   └── AccountMismatchError     6   the lockfile belongs to another account or subaccount
    ├── StalePlanError               3   a saved plan no longer matches live state; a digest other than
    │                                    ``--expect-plan``; a change in no ``--reviewed`` plan
    └── UnsafePlanError              5   a plan crosses a safety threshold or deletes a domain without intent

Every exit code of the command (the README lists them under "Commands"):

    0    success, or no changes
    1    an error: any class above whose code is 1; a usage error (click's, ``cligroup.Commands``);
         a cancelled confirmation; a bug ("internal error", MGSYNC_DEBUG=1 for more)
    2    changes pending (``plan --detailed-exitcode``: not an error), and nothing else
    3    StalePlanError           4  LockHeldError           5  UnsafePlanError
    6    AccountMismatchError
    130  interrupted (Ctrl-C)     143  terminated (SIGTERM during an apply: ``tuning``)
    141  the reader of the output left (``mgsync plan | head``)

Third-party errors (httpx, ruamel.yaml, pydantic, dnspython) are translated into these at the boundary
where they happen; nothing above that boundary sees them. No message ever contains an API key or password.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


class MgsyncError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


def file_type(path: Path) -> tuple[int, OSError | None]:
    """``path``'s ``st_mode`` (links followed) and None; ``(0, None)`` when nothing is there (or a parent
    is a file); ``(0, error)`` when the system will not look (a name too long, a link to itself, a
    directory this user may not enter), where ``Path.exists`` and ``is_dir`` would raise."""
    try:
        return path.stat().st_mode, None
    except (FileNotFoundError, NotADirectoryError):
        return 0, None
    except OSError as err:
        return 0, err


def read_file(path: Path) -> bytes:
    """The bytes of the file at ``path``; an ``OSError`` (its ``strerror`` fit to quote) for a device
    (``/dev/zero`` would be read until memory runs out; ``/dev/null`` is no file either) or a socket.
    A pipe is read (``--vars <(...)``): what it holds is the user's to choose."""
    with open(path, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise OSError(errno.EINVAL, "it is a device, not a file")
        return handle.read()


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Within the block, an ``OSError`` (a full disk, a read-only or missing directory, no permission)
    is one ``MgsyncError`` that names ``path``: every file a command writes for the user goes through
    it (the lockfile and its journal say more, in ``lockfile.py``)."""
    try:
        yield
    except OSError as err:
        raise MgsyncError(f"Cannot write {path}: {err.strerror or err}.") from None


class ConfigError(MgsyncError):
    pass


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, rendered as ``file:line:col: where: message``."""

    file: str
    line: int
    col: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{location}: {self.where}: {self.message}" if self.where else f"{location}: {self.message}"


PER_FILE = 50  # problems of one severity shown per file (validate's text and annotations, a command's error)


def capped(problems: Sequence[Problem], noun: str) -> list[Problem | str]:
    """``problems`` with at most ``PER_FILE`` per file, each file's rest counted in one line where it
    stops: a CSV of 50,000 repeated rows is one screen, not 50,000 lines (JSON lists every one)."""
    total = Counter(problem.file for problem in problems)
    shown: list[Problem | str] = []
    counted: Counter[str] = Counter()
    for problem in problems:
        counted[problem.file] += 1
        if counted[problem.file] <= PER_FILE:
            shown.append(problem)
        elif counted[problem.file] == PER_FILE + 1:
            rest = total[problem.file] - PER_FILE
            shown.append(f"{problem.file}: … and {rest:,} more {noun}s (validate --format json lists every one)")
    return shown


class ManifestError(MgsyncError):
    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = sorted(problems)
        self.warnings = sorted(warnings or [])  # found alongside (unset ${env:} when allowed)
        found = f"\n{len(self.problems):,} errors found." if len(self.problems) > 1 else ""  # as validate ends
        super().__init__("\n".join(str(p) for p in capped(self.problems, "error")) + found)


class ApiError(MgsyncError):
    """``json``: the answer's body was JSON, as Mailgun's always is (an HTML page or plain text comes
    from a server in front of it, or an unknown path). ``wrote``: the step that failed on this call had
    already changed something in Mailgun (its error says what), so an apply's error never says
    "Nothing applied"."""

    wrote = False

    def __init__(self, method: str, path: str, status: int, message: str, *, json: bool = True):
        self.method, self.path, self.status, self.message, self.json = method, path, status, message, json
        super().__init__(f"Mailgun API: {method} {path} returned {status}: {message}")


class UnreadableAnswerError(ApiError):
    """An answer (of any status) whose body is not JSON, or not of the shape the read expects."""


class NoAnswerError(ApiError):
    """No usable answer at all: the status is 0 (not named ``TransportError``, which is httpx's)."""

    def __init__(self, method: str, path: str, reason: str):
        super().__init__(method, path, 0, reason)
        self.args = (f"Mailgun API: {method} {path} failed: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


class DnsError(MgsyncError):
    """A DNS lookup failed: a query of ``dns check``, or the name of a resolver or of the base URL's host."""


class HostNotFoundError(NoAnswerError, DnsError):
    """The base URL's host name does not resolve: nothing is retried (client.py)."""


class LockfileError(MgsyncError):
    pass


class LockHeldError(LockfileError):
    exit_code = 4


class AccountMismatchError(LockfileError):
    exit_code = 6


class StalePlanError(MgsyncError):
    exit_code = 3


class UnsafePlanError(MgsyncError):
    exit_code = 5
