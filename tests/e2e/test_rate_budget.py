"""The shared rate budget keeps an apply within the account's quota, not only between 429s (README,
"Connecting to Mailgun"; mailgun-api.md §1.5).

The emulator served on 127.0.0.1 enforces a quota of 5 requests a window, fewer than the 8 threads the
real ``mgsync apply`` runs, and answers with Mailgun's ``X-Request-Limit`` / ``-Remaining`` / ``-Reset``.
At each window's reset the budget forgot what it knew, so all 8 threads went at once: the quick start
plus 30 routes earned 21 429s in 78 requests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.benchmarks import account_l
from tests.e2e.test_kill_apply import KEY, cli_env, live_routes
from tests.support.cli import REPO, run

QUOTA, WINDOW, CONCURRENCY = 5, 0.25, 8


def test_an_apply_faster_than_the_quota_is_seldom_answered_429(tmp_path: Path) -> None:
    root = tmp_path / "account"
    (root / "routes").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "quickstart" / "mgsync.yaml", root / "mgsync.yaml")
    account_l.write_routes(root / "routes", account_l.Shape(routes=30))
    emu = Emulator(api_key=KEY)
    emu.faults.enforce_quota, emu.faults.quota_limit, emu.faults.quota_window = True, QUOTA, WINDOW
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = cli_env(server.url)
        done = run("apply", "--yes", "--concurrency", str(CONCURRENCY), str(root), cwd=root, env=env)
        assert done.returncode == 0, done.stderr
        assert len(live_routes(server.url)) == 31
    statuses = [entry.status for entry in emu.log]
    # at most the first burst, before any answer told the quota, overruns it
    assert statuses.count(429) <= CONCURRENCY - QUOTA, f"{statuses.count(429)} of {len(statuses)} answered 429"
