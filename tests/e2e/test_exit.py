"""The real executable's exit (``cli.run``): its codes and its output survive leaving without the
interpreter's clean-up (``os._exit``), through a pipe and when the reader leaves early."""

from __future__ import annotations

import os
import pstats
import subprocess
import sys

from mgsync import __version__
from tests.support.cli import REPO, mgsync_command, run


def test_exit_codes_and_output_are_those_of_the_command(tmp_path) -> None:
    version = run("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"mgsync, version {__version__}")
    usage = run("plan", "--no-such-option")
    assert usage.returncode == 2 and "No such option '--no-such-option'" in usage.stderr
    (tmp_path / "bad.yaml").write_text("domains:\n  mg.example.com:\n    spam_action: maybe\n", encoding="utf-8")
    bad = run("validate", str(tmp_path))
    assert bad.returncode == 1 and "bad.yaml:3:18" in bad.stdout + bad.stderr


def test_long_output_is_whole_through_a_pipe() -> None:
    """The JSON schema (tens of kilobytes) reaches the reader to its last byte before the exit."""
    done = run("schema")
    assert done.returncode == 0 and done.stdout.rstrip().endswith("}")
    assert done.stdout == (REPO / "schemas" / "mgsync.schema.json").read_text(encoding="utf-8")


def test_a_reader_that_leaves_early_stops_the_command_quietly(tmp_path, served_emulator) -> None:
    """``mgsync plan --full | head -c 100`` with a plan of 200 kB, more than a pipe holds: the
    command stops with the shell's code for a closed pipe (141), not an "internal error"."""
    _, url = served_emulator
    (tmp_path / "bounces.csv").write_text(
        "address,code,error\n"
        + "".join(f"user{i:05d}@gone.example.net,550,mailbox {i} does not exist\n" for i in range(3000)),
        encoding="utf-8",
    )
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    suppressions:\n      bounces: {file: bounces.csv}\n", encoding="utf-8"
    )
    env = {**os.environ, "MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": url, "NO_COLOR": "1"}
    args = [*mgsync_command(), "plan", "--full", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.read(100)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert len(first) == 100 and first.startswith(b"mgsync will perform the following actions")
    assert (code, err) == (141, "")


def test_a_profiler_still_writes_its_results(tmp_path) -> None:
    """``python -m cProfile -o FILE -m mgsync``: the exit is the usual one when something watches."""
    out = tmp_path / "version.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "mgsync", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith("mgsync, version")
    assert pstats.Stats(str(out)).total_calls > 0
