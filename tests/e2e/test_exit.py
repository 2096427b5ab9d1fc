"""The real executable's exit (``cli.run``): its codes and its output survive leaving without the
interpreter's clean-up (``os._exit``), through a pipe and when the reader leaves early."""

from __future__ import annotations

import errno
import os
import pstats
import subprocess
import sys

import pytest

from mgsync import __version__
from mgsync.cliparts import reader_left
from tests.support.cli import REPO, mgsync_command, run


def test_exit_codes_and_output_are_those_of_the_command(tmp_path) -> None:
    version = run("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"mgsync, version {__version__}")
    usage = run("plan", "--no-such-option")
    assert usage.returncode == 1 and "No such option '--no-such-option'" in usage.stderr
    (tmp_path / "bad.yaml").write_text("domains:\n  mg.example.com:\n    spam_action: maybe\n", encoding="utf-8")
    bad = run("validate", str(tmp_path))
    assert bad.returncode == 1 and "bad.yaml:3:18" in bad.stdout + bad.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["plan", "--detailed-exitcode", "--format", "jsn"], "Invalid value for '--format': 'jsn' is not one of"),
        (["plan", "--detailed-exitcode", "--target", "domian:*"], 'unknown kind "domian" (did you mean "domain"?)'),
        (["plan", "--detailed-exitcode", "--no-such-option"], "No such option '--no-such-option'"),
        (["plna", "--detailed-exitcode"], "No such command 'plna'. Did you mean 'plan'?"),
        (["emulator", "serve", "--port", "-1", "--memory"], "Invalid value for '--port'"),
        (["dns"], "Usage: mgsync dns [OPTIONS] COMMAND [ARGS]..."),
    ],
    ids=["choice", "target", "option", "command", "range", "no command"],
)
def test_a_usage_error_exits_1_so_that_2_means_changes_pending(tmp_path, args: list[str], says: str) -> None:
    """click's usage errors exit 2, which ``plan --detailed-exitcode`` says means "changes pending"
    (Terraform's convention: 0 none, 1 error, 2 changes): a typo'd option read as a plan to review."""
    result = run(*args, "--emulator-state", str(tmp_path / "emu.json")) if args[0] == "plan" else run(*args)
    assert result.returncode == 1, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "emu.json").exists()


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["plan", "--verbose"], "mgsync --verbose plan …"),
        (["plan", "-v", "examples/quickstart"], "mgsync -v plan …"),
        (["dns", "export", "--verbose"], "mgsync --verbose dns export …"),
    ],
)
def test_an_option_of_mgsync_after_the_command_says_where_it_goes(args: list[str], hint: str) -> None:
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(
        f"Error: No such option '{args[-1] if args[-1].startswith('-') else args[1]}': it is an option of "
        f"mgsync itself, given before the command: {hint}"
    ), result.stderr


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


@pytest.mark.parametrize(
    ("err", "platform", "left"),
    [
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), "linux", True),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), "win32", True),
        (OSError(errno.EINVAL, "Invalid argument"), "win32", True),  # a closed pipe, Windows: cpython#79935
        (OSError(errno.EINVAL, "Invalid argument"), "linux", False),
        (OSError(errno.EINVAL, "Invalid argument", "plan.json"), "win32", False),  # a file's failure names it
        (OSError(errno.ENOSPC, "No space left on device"), "win32", False),
    ],
)
def test_a_reader_leaving_is_told_apart_from_a_failure(err: OSError, platform: str, left: bool) -> None:
    """Windows often reports a closed pipe as EINVAL, not EPIPE (the C runtime's ``write``): that is
    the reader leaving too (exit 141, quietly), not "internal error"; elsewhere EINVAL is a bug."""
    assert reader_left(err, platform) is left


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
