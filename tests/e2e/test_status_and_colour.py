"""The real mgsync executable: live status on stderr (pty vs pipe), colour flags, fail fast, hints."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import EXAMPLE_ENV, REPO, mgsync_command, run

if sys.platform != "win32":
    import pty  # imports termios: POSIX only

KEY = "status-key"
QUICKSTART = str(REPO / "examples" / "quickstart")
PRODUCTION = str(REPO / "examples" / "production")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A served emulator holding the production example (applied once for the module)."""
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        lock = str(tmp_path_factory.mktemp("seed") / "mgsync.lock")
        assert run("apply", "--yes", "--lockfile", lock, PRODUCTION, env=env).returncode == 0
        yield emu, env


@pytest.fixture
def slow_mailgun(seeded):
    """Latency and a 429 every 7th request, so reading takes a while and waits for the rate limit."""
    emu, env = seeded
    emu.faults.latency, emu.faults.rate_limit_every, emu.faults.reset_after = 0.03, 7, 0.2
    yield env
    emu.faults.clear()


def env_for(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "NO_COLOR", "FORCE_COLOR"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **EXAMPLE_ENV, **extra}


def run_with_tty_stderr(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run mgsync with stderr on a pseudo-terminal and stdout on a pipe; return (code, stdout, tty text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*mgsync_command(), *args], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, text=True
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    stdout = proc.stdout.read()
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, stdout, seen.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal (pty), which Windows does not have")
def test_status_redraws_on_a_terminal(slow_mailgun) -> None:
    code, stdout, tty = run_with_tty_stderr(["plan", PRODUCTION], env_for(slow_mailgun))
    assert code == 0, tty
    assert "\r" in tty  # redrawn in place
    frames = [frame.strip() for frame in tty.replace("\r\n", "\n").replace("\n", "\r").split("\r") if frame.strip()]
    assert frames[0].startswith("reading Mailgun: ")
    assert any("Mailgun rate limit: waiting" in frame for frame in frames)
    assert len({frame for frame in frames if "requests" in frame}) >= 3  # counts move while it reads
    final = frames[-1]
    assert final.startswith("reading Mailgun: ") and " requests, " in final and final.endswith(" s")
    assert "mgsync will perform the following actions:" in stdout and "\x1b" not in stdout


def test_status_without_a_terminal_is_one_line_per_phase(slow_mailgun) -> None:
    result = run("plan", PRODUCTION, env=slow_mailgun)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reading Mailgun: ")
    assert "for Mailgun's rate limit" in lines[0]


def test_apply_reports_phases_and_a_terraform_summary(tmp_path) -> None:
    emu = Emulator(api_key=KEY)
    emu.faults.latency, emu.faults.rate_limit_every, emu.faults.reset_after = 0.03, 3, 0.2
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        result = run("apply", "--yes", QUICKSTART, "--lockfile", str(tmp_path / "mgsync.lock"), env=env)
    assert result.returncode == 0, result.stderr
    phases = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert phases == ["reading Mailgun", "applying", "verifying (re-reading what was written)"]
    assert result.stdout.splitlines()[-1] == (
        "Apply complete: 7 added, 0 changed, 0 destroyed; "
        "1 bounce added in 1 request, 1 unsubscribe added in 1 request, 3 members added in 1 request."
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_stopped_server_fails_within_two_seconds_with_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = run("plan", QUICKSTART, env={"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": url})
    took = time.monotonic() - started
    assert result.returncode == 1 and took < 2.0
    assert result.stderr.splitlines() == [
        f"Error: Mailgun API: GET /v4/domains failed: cannot connect to {url} (connection refused); check the "
        "base URL (--base-url / MAILGUN_BASE_URL), the region (--region / MAILGUN_REGION) and the network"
    ]


@pytest.mark.parametrize(
    ("flag", "env", "coloured"),
    [
        ("--color", {}, True),
        ("--color", {"NO_COLOR": "1"}, True),  # the flag wins
        ("--no-color", {"FORCE_COLOR": "1"}, False),  # the flag wins
        (None, {"FORCE_COLOR": "1"}, True),
        (None, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (None, {"NO_COLOR": ""}, False),  # piped: no colour by default
        (None, {"NO_COLOR": "", "FORCE_COLOR": "1"}, True),  # an empty NO_COLOR does not count
    ],
)
def test_colour_flags_and_variables_when_piped(flag, env, coloured, tmp_path) -> None:
    args = ["plan", "--emulator", "--emulator-state", str(tmp_path / "emu.json"), QUICKSTART]
    if flag:
        args.insert(1, flag)
    result = subprocess.run([*mgsync_command(), *args], env=env_for(env), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert ("\x1b[32m+\x1b[0m domain:mg.example.com" in result.stdout) is coloured
    assert ("\x1b" in result.stdout) is coloured


def test_hints_repeat_the_connection_flags(tmp_path) -> None:
    state = tmp_path / "emu state.json"
    manifests = (
        tmp_path / "quickstart"
    )  # the hint's apply takes the lockfile's lock beside the manifests: not in the repo
    shutil.copytree(QUICKSTART, manifests)
    result = run(
        "plan", "--emulator", "--emulator-state", str(state), "--out", str(tmp_path / "plan.json"), str(manifests)
    )
    assert result.returncode == 0, result.stderr
    plan_file = tmp_path / "plan.json"
    assert result.stderr.splitlines()[-1] == (
        f"Saved the plan to {plan_file}; apply it with: mgsync apply --emulator --emulator-state '{state}' {plan_file}"
    )
    hint = result.stderr.splitlines()[-1].split("apply it with: ")[1]
    applied = subprocess.run(hint, shell=True, env=env_for({}), capture_output=True, text=True, timeout=60, cwd=REPO)
    assert "Refusing to apply without --yes" in applied.stderr  # the hint runs as printed (no terminal here)
    imported = run("import", "--emulator", "--emulator-state", str(state), "--out", str(tmp_path / "imp"))
    assert imported.stdout.rstrip().endswith(
        f"run: mgsync plan --emulator --emulator-state '{state}' {tmp_path / 'imp'}"
    )


def test_emulator_serve_help_lists_every_fault() -> None:
    from dataclasses import fields

    from mgsync.emulator.faults import Faults

    help_text = run("emulator", "serve", "--help").stdout
    options = {f.name.replace("_", "-") for f in fields(Faults) if not f.name.startswith("_") and f.name != "rules"}
    options |= {"fail-before-commit", "fail-after-commit", "drop-connection", "drop-after-commit"}  # Faults' rules
    assert sorted(o for o in options if f"--{o}" not in help_text) == []


def test_the_rate_limit_wait_is_wall_time_not_the_threads_sum() -> None:
    """Eight threads held 2 s at once said "waited 16.0 s … in 2.0 s"; a 40-second apply said 327 s."""
    from mgsync.status import Status

    now = [100.0]
    status = Status(enabled=False, animate=False, clock=lambda: now[0])
    for _ in range(8):
        status.observe("rate_limit", 2.0)
    assert status.waited == 2.0
    now[0] = 101.0
    status.observe("rate_limit", 2.0)  # held till 103: one second more than the others
    now[0] = 110.0
    status.observe("rate_limit", 0.5)  # after a gap: all of it
    assert (status.waits, status.waited) == (10, 3.5)
