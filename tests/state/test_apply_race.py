"""Two applies race on the state branch with real lockfiles: pull, apply against the emulator, push.
The later push merges by address; no record is lost and the next plan finds nothing to do."""

from __future__ import annotations

import json

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import REPO

from .conftest import LOCK, Clone

KEY = "state-key"


def route(name: str) -> str:
    return f"""  {name}:
    priority: 1
    expression: match_recipient("{name}@mg.example.com")
    actions: [stop()]
"""


def manifests(clone: Clone, *routes: str) -> None:
    """The quickstart at ``mailgun/`` with ``routes`` added: main at some commit."""
    target = clone.root / "mailgun"
    target.mkdir(exist_ok=True)
    text = (REPO / "examples" / "quickstart" / "mgsync.yaml").read_text(encoding="utf-8")
    added = "".join(route(name) for name in routes)
    (target / "mgsync.yaml").write_text(text.replace("\nmailing_lists:", f"{added}\nmailing_lists:"), encoding="utf-8")


@pytest.fixture
def env():
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        yield {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_older_apply_pushing_last_keeps_the_newer_records(a: Clone, b: Clone, env) -> None:
    manifests(a)
    ok(a.mgsync("apply", "--yes", "mailgun", env=env))
    ok(a.mgsync("state", "push", LOCK))
    for each in (a, b):
        ok(each.mgsync("state", "pull", LOCK))
    manifests(a, "routeb", "routec")  # the newer commit of main: B and C merged
    manifests(b, "routeb")  # the older one: B only, its run delayed
    ok(a.mgsync("apply", "--yes", "mailgun", env=env))
    ok(a.mgsync("state", "push", LOCK))
    ok(b.mgsync("apply", "--yes", "mailgun", env=env))
    assert "merged with a newer state" in ok(b.mgsync("state", "push", LOCK))
    resources = json.loads(b.lock.read_text())["resources"]
    assert {"route:routeb", "route:routec", "route:support-inbox"} <= set(resources)
    ok(a.mgsync("state", "pull", LOCK))
    assert a.lock.read_bytes() == b.lock.read_bytes()
    planned = a.mgsync("plan", "--detailed-exitcode", "mailgun", env=env)
    assert planned.returncode == 0, planned.stdout
    assert planned.stdout.rstrip().endswith("No changes. Mailgun matches the manifests.")


def test_a_lockfile_moved_from_main_is_one_push(a: Clone, b: Clone, env) -> None:
    """The documented migration: push the committed lockfile, untrack it; a fresh clone pulls it."""
    manifests(a)
    ok(a.mgsync("apply", "--yes", "mailgun", env=env))
    a.git("add", "mailgun")
    a.commit("manifests and lockfile on main")
    a.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
    ok(a.mgsync("state", "push", LOCK))
    a.git("rm", "--quiet", "--cached", LOCK)
    a.commit("the lockfile lives on mgsync-state")
    a.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
    b.git("pull", "--quiet", "origin", "main")
    assert not b.lock.exists()
    ok(b.mgsync("state", "pull", LOCK))
    assert b.lock.read_bytes() == a.lock.read_bytes()
    assert b.mgsync("plan", "--detailed-exitcode", "mailgun", env=env).returncode == 0
