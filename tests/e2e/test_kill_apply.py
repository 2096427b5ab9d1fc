"""Crash safety at scale (issue 21): an apply of 2,000 routes, killed with SIGKILL at random moments.

The real ``mgsync`` executable applies against the emulator served on 127.0.0.1 and is killed with
``kill -9`` (no handler runs, no ``finally``) at moments drawn from a seeded generator; a last apply
runs to the end. After every kill the lockfile, as mgsync reads it (the file and the journal of the
interrupted apply), is valid, names only routes Mailgun holds with their ids, and misses at most the
steps in flight: a route Mailgun confirmed after the last journal commit (at most ``--concurrency``
more each time).
The re-applies converge with no duplicate route: exactly the 2,000 declared, each once.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.journal import journal_path
from mgsync.lockfile import Lockfile
from tests.benchmarks import account_l
from tests.support.cli import mgsync_command, run

KEY = "kill-test-key"
ROUTES = 2_000
STOPPED = 600  # an apply stopped by Ctrl-C or SIGTERM: midway, at its 300th route (issue 21 asks 2,000 of kill -9 only)
CONCURRENCY = 8
SEED = 21


def live_routes(url: str) -> list[dict[str, object]]:
    routes: list[dict[str, object]] = []
    with httpx.Client(base_url=url, auth=("api", KEY)) as http:
        while True:
            page = http.get("/v3/routes", params={"skip": len(routes), "limit": 1000}).json()["items"]
            routes += page
            if not page:
                return routes


def cli_env(url: str) -> dict[str, str]:
    """The environment of a command run against the emulator served at ``url`` (none of the user's settings)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "MGSYNC_"))},
        "MAILGUN_API_KEY": KEY,
        "MAILGUN_BASE_URL": url,
        "NO_COLOR": "1",
    }


def ctrl_c_able(args: list[str], root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``mgsync ARGS`` started as a terminal starts it: SIGINT (Ctrl-C) raises KeyboardInterrupt in it."""
    return subprocess.Popen(
        [*mgsync_command(), *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell's background job ignores it
    )


def killed_apply(root: Path, env: dict[str, str], when: Callable[[], bool]) -> bool:
    """Start ``mgsync apply --yes`` and SIGKILL it as soon as ``when()`` holds; False if it ended first."""
    command = [*mgsync_command(), "apply", "--yes", "--concurrency", str(CONCURRENCY), str(root)]
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if when():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    assert proc.returncode == 0
    return False


@pytest.mark.long
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_an_apply_of_2000_routes_killed_at_random_moments_converges_without_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "account"
    root.mkdir()
    account_l.write_routes(root, account_l.Shape(routes=ROUTES))  # the benchmark's routes
    lock_path = root / "mgsync.lock"
    draw = random.Random(SEED)
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = cli_env(server.url)

        def after_seconds(seconds: float) -> Callable[[], bool]:
            started = time.monotonic()
            return lambda: time.monotonic() - started >= seconds

        def after_posts(count: int) -> Callable[[], bool]:
            sent = emu.requests_count("POST", "/v3/routes")
            return lambda: emu.requests_count("POST", "/v3/routes") >= sent + count

        # The first kill at a random moment of the start (loading, reading, planning: nothing sent yet),
        # the others once a random number of the routes left have been sent, however fast this machine is.
        moments = [partial(after_seconds, draw.uniform(0.05, 0.4))]
        moments += [partial(after_posts, draw.randint(1, 600)) for _ in range(3)]
        kills = mid_apply = 0
        unrecorded: set[str] = set()  # live, not in the lockfile: in flight when an earlier apply was killed
        for moment in moments:
            before = len(live_routes(server.url))
            if not killed_apply(root, env, moment()):
                break
            kills += 1
            live = live_routes(server.url)
            assert len(live) >= before  # a kill never undoes what Mailgun holds
            locked = Lockfile.read(lock_path).resources
            ids = {f"route:{route['description']}": route["id"] for route in live}
            assert {key: entry["meta"]["id"] for key, entry in locked.items()} == {key: ids[key] for key in locked}
            # Missing: only what this apply had in flight (and routes an earlier one had: a plan finds
            # them live and declared, nothing to do, so only the apply that ends records them).
            assert len(ids.keys() - locked.keys() - unrecorded) <= CONCURRENCY
            unrecorded = ids.keys() - locked.keys()
            mid_apply += journal_path(lock_path).exists() and before < len(live) < ROUTES
        assert kills == len(moments), "the apply ended before its last kill: the test shows less than it says"
        assert (root / "mgsync.lock.lck").exists()  # each killed apply left its lock file: stale, never in the way
        assert mid_apply >= 3, "the kills did not come while routes were being created"
        finished = run("apply", "--yes", str(root), cwd=root, env=env)
        assert finished.returncode == 0, finished.stderr
        live = live_routes(server.url)
        assert Counter(route["description"] for route in live) == Counter(f"route-{i:04d}" for i in range(ROUTES))
        again = run("plan", "--detailed-exitcode", str(root), cwd=root, env=env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert not journal_path(lock_path).exists()
        assert len(Lockfile.read(lock_path).resources) == ROUTES


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and SIGTERM to a child process are POSIX")
@pytest.mark.parametrize(
    ("stop", "code", "word"), [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")]
)
def test_an_apply_interrupted_with_ctrl_c_records_every_route_mailgun_holds(
    tmp_path: Path, stop: signal.Signals, code: int, word: str
) -> None:
    """Ctrl-C (SIGINT), or SIGTERM as ``docker stop`` or Kubernetes sends it, in the middle of an apply
    of 600 routes, at its 300th: one line and exit 130 (143), the steps in flight finish, and the
    lockfile (the journal folded in) holds exactly the routes Mailgun holds."""
    root = tmp_path / "account"
    root.mkdir()
    account_l.write_routes(root, account_l.Shape(routes=STOPPED))
    lock_path = root / "mgsync.lock"
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = cli_env(server.url)
        proc = ctrl_c_able(["apply", "--yes", "--concurrency", str(CONCURRENCY), str(root)], root, env)
        while emu.requests_count("POST", "/v3/routes") < 300 and proc.poll() is None:
            time.sleep(0.002)
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
        assert len(err.splitlines()) == 2, err
        waiting, last = err.splitlines()
        assert proc.returncode == code
        assert re.fullmatch(
            r"Interrupted: no new change starts(; waiting for the [1-8] calls? to Mailgun in flight to finish and be"
            r" recorded \(one waiting to be tried again is not; a second Ctrl-C or SIGTERM stops at once; a call in"
            r" flight may then be done at Mailgun but not recorded\))?\.",
            waiting,
        ), waiting
        assert last == f"{word} The lockfile records every step that completed; run the command again."
        live = {f"route:{route['description']}": route["id"] for route in live_routes(server.url)}
        assert 300 <= len(live) < STOPPED
        assert not journal_path(lock_path).exists()
        assert {key: entry["meta"]["id"] for key, entry in Lockfile.read(lock_path).resources.items()} == live
        finished = run("apply", "--yes", str(root), cwd=root, env=env)
        assert finished.returncode == 0, finished.stderr
        assert Counter(route["description"] for route in live_routes(server.url)) == Counter(
            f"route-{i:04d}" for i in range(STOPPED)
        )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_a_plan_interrupted_with_ctrl_c_says_only_that(tmp_path: Path) -> None:
    """A read wrote nothing: "Interrupted." and exit 130, nothing about a lockfile."""
    root = tmp_path / "account"
    root.mkdir()
    account_l.write_routes(root, account_l.Shape(routes=3))
    emu = Emulator(api_key=KEY)
    emu.faults.latency = 0.3  # the plan is still reading when Ctrl-C comes
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = cli_env(server.url)
        proc = ctrl_c_able(["plan", str(root)], root, env)
        deadline = time.monotonic() + 30
        while not emu.requests_count("GET") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (130, "Interrupted.\n")
    assert sorted(path.name for path in root.iterdir()) == ["routes.yaml"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child process is POSIX")
def test_a_second_sigterm_stops_at_once_while_a_call_hangs(tmp_path: Path) -> None:
    """The first SIGTERM says "a second Ctrl-C or SIGTERM stops at once"; with the one call in flight
    held by the server (sending nothing, or a byte at a time), the second waited for it until the
    timeout, or for ever. It now ends the command at once, 143, the lockfile written."""
    root = tmp_path / "account"
    root.mkdir()
    account_l.write_routes(root, account_l.Shape(routes=1))
    emu = Emulator(api_key=KEY)
    started, release = threading.Event(), threading.Event()
    emu.faults.after_answer("POST", "/v3/routes", lambda: (started.set(), release.wait(120)))
    with serve(emu, host="127.0.0.1", port=0) as server:
        proc = ctrl_c_able(["apply", "--yes", str(root)], root, {**cli_env(server.url), "MGSYNC_TIMEOUT": "120"})
        try:
            assert started.wait(60)
            proc.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert proc.poll() is None  # the first waits for the call in flight
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 143
    assert err.splitlines()[-1] == "Terminated. The lockfile records every step that completed; run the command again."
