"""Run the real ``mgsync`` command in a process of its own: forked from this pytest process's zygote
(``zygote.py``: the imports done once), or the console script where a fresh interpreter could differ."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support import zygote

REPO = Path(__file__).resolve().parents[2]


def example_env() -> dict[str, str]:
    """A value for every ``${env:NAME}`` the examples use (SMTP passwords: 5 to 32 characters)."""
    names = set()
    for manifest in (REPO / "examples").rglob("*.y*ml"):
        names |= set(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", manifest.read_text(encoding="utf-8")))
    return {name: f"pw-{name.lower()}"[:32] for name in sorted(names)}


EXAMPLE_ENV = example_env()


def native(path: str) -> str:
    """A relative path as mgsync prints it to people: with the system's separator (``\\`` on Windows),
    as they type it there. What machines read is POSIX: GitHub annotations (``report.py``), the
    lockfile's and the state branch's paths."""
    return str(Path(path))


def mgsync_command() -> list[str]:
    """The installed console script beside this Python (``bin/mgsync``; on Windows ``Scripts\\mgsync.exe``,
    or beside ``python.exe`` in a venv), else the one on PATH, else ``python -m mgsync``."""
    here = Path(sys.executable).parent
    for script in (here / "mgsync", here / "mgsync.exe", here / "Scripts" / "mgsync.exe"):
        if script.is_file():
            return [str(script)]
    found = shutil.which("mgsync")
    return [found] if found else [sys.executable, "-m", "mgsync"]


def run(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    unset: Sequence[str] = (),
    limits: zygote.Limits | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess[str]:
    """The real ``mgsync`` with ``args``, held to ``limits`` (``zygote.Limits``: its resource limits and
    ignored signals) in the zygote's fork as in the console script; ``popen``: more of
    ``subprocess.run``'s options (``preexec_fn``), with which the console script is started (as it is
    off Linux: ``zygote.run``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    full_env.update(EXAMPLE_ENV)
    full_env.update(env or {})
    for name in unset:
        full_env.pop(name, None)
    full_env["NO_COLOR"] = "1"
    command = [*mgsync_command(), *args]
    if not popen:
        argv = [command[0] if len(command) == len(args) + 1 else "mgsync", *args]
        done = zygote.run(argv, cwd=str(cwd or REPO), env=full_env, input=input, timeout=120, limits=limits)
        if done is not None:
            return subprocess.CompletedProcess(command, done.returncode, done.stdout, done.stderr)
    return subprocess.run(
        command,
        cwd=cwd or REPO,
        env=full_env,
        input=input,
        capture_output=True,
        encoding="utf-8",  # what mgsync writes to a pipe on every system (cli.run)
        timeout=120,
        **({"preexec_fn": limits.preexec()} if limits is not None else {}),
        **popen,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command wrote on stderr (exit 1, never a traceback or an internal error)."""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.rstrip("\n")
