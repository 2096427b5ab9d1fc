"""The real mgsync executable on a terminal: apply asks before it writes, and every answer but yes
cancels: n, Enter (the default), Ctrl-C and Ctrl-D (the end of input) alike, in one line, exit 1,
nothing written."""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import REPO, mgsync_command, run

if sys.platform != "win32":
    import pty  # imports termios: POSIX only

QUESTION = b"Apply these changes to Mailgun? [y/N]: "
CANCELLED = "Apply cancelled; nothing was changed."
CTRL_C = b"\x03"


def answered(args: list[str], keys: bytes, cwd: Path) -> tuple[int, str]:
    """Run ``mgsync ARGS`` with a pseudo-terminal as its controlling terminal (stdin, stdout and stderr),
    type ``keys`` once it asks; its exit code and everything the terminal showed."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a session of its own on the terminal; Ctrl-C there sends it SIGINT
        try:
            os.chdir(cwd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # a test runner's worker may ignore it
            command = mgsync_command()
            os.execvpe(command[0], command + args, {**os.environ, "NO_COLOR": "1"})
        finally:
            os._exit(127)
    shown, typed, deadline, status = b"", 0.0, time.monotonic() + 60, None
    while status is None:  # read until the child has ended: the terminal stays open as long as it runs
        ended, code = os.waitpid(pid, os.WNOHANG)
        status = code if ended else None
        while select.select([terminal], [], [], 0 if ended else 0.05)[0]:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: nothing is left to read and the child has closed its side
                break
            if not chunk:
                break
            shown += chunk
            if not typed and shown.endswith(QUESTION):
                os.write(terminal, keys)
                typed = time.monotonic()
        if status is None and typed and keys == CTRL_C and time.monotonic() - typed > 5:
            # Python's input() checks for a signal, then waits for the terminal: a SIGINT that comes in
            # between (the key typed as the question appears, on a busy machine) waits with it. A person
            # presses again; so does the test.
            os.write(terminal, keys)
            typed = time.monotonic()
        if status is None and time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal (pty), which Windows does not have")
@pytest.mark.parametrize(
    ("keys", "applied"),
    [(b"y\r", True), (b"n\r", False), (b"\r", False), (CTRL_C, False), (b"\x04", False)],
    ids=["yes", "no", "enter", "ctrl-c", "ctrl-d"],
)
def test_apply_asks_and_only_yes_writes(keys: bytes, applied: bool, tmp_path: Path) -> None:
    emulator = ["--emulator", "--emulator-state", str(tmp_path / "emulator.json")]
    quickstart = str(shutil.copytree(REPO / "examples" / "quickstart", tmp_path / "quickstart"))  # its lockfile here
    code, shown = answered(["apply", *emulator, quickstart], keys, tmp_path)
    lines = shown.rstrip("\n").split("\n")
    if applied:
        assert code == 0 and lines[-1].startswith("Apply complete: 7 added"), shown[-500:]
    else:  # the answer's line ends, then one line
        assert (code, lines[-1]) == (1, CANCELLED), shown[-500:]
        assert lines[-2].startswith(QUESTION.decode()), shown[-500:]
    after = run("plan", *emulator, "--detailed-exitcode", quickstart, cwd=tmp_path)
    assert after.returncode == (0 if applied else 2), after.stdout + after.stderr
