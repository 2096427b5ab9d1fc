"""Crash safety at scale (issue 21): an apply of 2,000 routes, killed with SIGKILL at random moments.

The real ``mgsync`` executable applies against the emulator served on 127.0.0.1 and is killed with
``kill -9`` (no handler runs, no ``finally``) at moments drawn from a seeded generator; a last apply
runs to the end. After every kill the lockfile, as mgsync reads it (the file and the journal of the
interrupted apply), is valid, names only routes Mailgun holds with their ids, and misses at most the
steps in flight: a route Mailgun confirmed after the last journal commit (at most ``--concurrency``).
The re-applies converge with no duplicate route: exactly the 2,000 declared, each once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.lockfile import Lockfile, journal_path
from tests.support.cli import mgsync_command, run

KEY = "kill-test-key"
ROUTES = 2_000
CONCURRENCY = 8
SEED = 21


def manifest(count: int) -> str:
    lines = ["routes:"]
    for i in range(count):
        lines += [
            f"  route-{i:05d}:",
            f"    priority: {i % 10}",
            f'    expression: match_recipient("user{i}@example.com")',
            "    actions:",
            f'      - forward("https://hooks.example.com/r/{i}")',
            "      - stop()",
        ]
    return "\n".join(lines) + "\n"


def live_routes(url: str) -> list[dict[str, object]]:
    routes: list[dict[str, object]] = []
    with httpx.Client(base_url=url, auth=("api", KEY)) as http:
        while True:
            page = http.get("/v3/routes", params={"skip": len(routes), "limit": 1000}).json()["items"]
            routes += page
            if not page:
                return routes


def killed_apply(root: Path, env: dict[str, str], delay: float) -> bool:
    """Start ``mgsync apply --yes``, SIGKILL it after ``delay`` seconds; False if it ended first."""
    command = [*mgsync_command(), "apply", "--yes", "--concurrency", str(CONCURRENCY), str(root)]
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True
    finally:
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == 0
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_an_apply_of_2000_routes_killed_at_random_moments_converges_without_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "account"
    root.mkdir()
    (root / "routes.yaml").write_text(manifest(ROUTES), encoding="utf-8")
    lock_path = root / "mgsync.lock"
    draw = random.Random(SEED)
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "MGSYNC_"))},
            "MAILGUN_API_KEY": KEY,
            "MAILGUN_BASE_URL": server.url,
            "NO_COLOR": "1",
        }
        kills, mid_apply = 0, 0
        for _ in range(4):
            before = len(live_routes(server.url))
            if not killed_apply(root, env, delay=draw.uniform(0.3, 2.5)):
                break
            kills += 1
            live = live_routes(server.url)
            assert len(live) >= before  # a kill never undoes what Mailgun holds
            locked = (
                Lockfile.read(lock_path).resources if lock_path.exists() or journal_path(lock_path).exists() else {}
            )
            ids = {f"route:{route['description']}": route["id"] for route in live}
            assert {key: entry["meta"]["id"] for key, entry in locked.items()} == {key: ids[key] for key in locked}
            assert len(ids.keys() - locked.keys()) <= CONCURRENCY  # only the steps in flight
            mid_apply += journal_path(lock_path).exists() and before < len(live) < ROUTES
        assert kills >= 2, "the apply ended before it could be killed twice: the test shows nothing"
        assert mid_apply >= 1, "no kill came while routes were being created: the test shows nothing"
        started = time.monotonic()
        finished = run("apply", "--yes", str(root), cwd=root, env=env)
        assert finished.returncode == 0, finished.stderr
        assert time.monotonic() - started < 120
        live = live_routes(server.url)
        assert Counter(route["description"] for route in live) == Counter(f"route-{i:05d}" for i in range(ROUTES))
        again = run("plan", "--detailed-exitcode", str(root), cwd=root, env=env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert not journal_path(lock_path).exists()
        assert len(Lockfile.read(lock_path).resources) == ROUTES
