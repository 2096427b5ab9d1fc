"""The apply journal (``<lockfile>.journal``, JSON Lines): each step's record made durable without
rewriting the lockfile, which made an apply quadratic in what it wrote (``lockfile.py`` says when
it is opened, appended to and folded). Here: where it lives, one durable append, and reading it
back, a torn last line (a kill mid-append) not being a step and any other unreadable line a corrupt
journal, refused with its line number. Knows nothing of what a step holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.errors import LockfileError, read_file
from mgsync.safefile import replaced

JOURNAL_VERSION = 1


def journal_path(lockfile: Path) -> Path:
    """Beside the file itself (a link's target): an apply through the link and one through the file
    see one journal, as they hold one lock (``hold``)."""
    target = replaced(lockfile)
    return target.with_name(target.name + ".journal")


def append(fd: int, text: str) -> None:
    """Append ``text`` to the open journal ``fd`` and make it durable (fsync) before returning."""
    data = text.encode("utf-8")
    while data:
        data = data[os.write(fd, data) :]
    os.fsync(fd)


def read_journal(path: Path, base: str) -> list[tuple[str, dict[str, Any] | None]]:
    """The steps (address, entry or None when forgotten) of the journal at ``path``, in order, when it
    continues the lockfile text whose ``digest`` is ``base``; none if there is no journal or it is stale."""
    try:
        data = read_file(path)
    except FileNotFoundError:
        return []
    except OSError as err:
        raise LockfileError(
            f"{path}: cannot read the apply journal ({err.strerror}); make it a readable file"
        ) from None
    lines = data.split(b"\n")
    complete = lines[:-1]  # the last piece has no newline: empty, or torn by a kill mid-append
    if not complete:
        return []
    try:
        header = jsontext.loads(complete[0])
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("journal") != JOURNAL_VERSION:
        raise LockfileError(_corrupt(path, 1))
    if header.get("base") != base:
        return []  # folded already, or the lockfile was replaced since: what it held is not this file's
    steps: list[tuple[str, dict[str, Any] | None]] = []
    for number, line in enumerate(complete[1:], 2):
        try:
            step = jsontext.loads(line)
        except ValueError:
            step = None
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], str)) or not (
            step[1] is None or isinstance(step[1], dict)
        ):
            raise LockfileError(_corrupt(path, number))
        steps.append((step[0], step[1]))
    return steps


def _corrupt(path: Path, line: int) -> str:
    return (
        f"{path}:{line}: the apply journal is corrupt; delete it and run mgsync plan "
        "(the next apply records again what Mailgun holds)"
    )
