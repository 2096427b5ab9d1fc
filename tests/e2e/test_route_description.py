"""A route's description changed in Mailgun (the dashboard, a script) after mgsync wrote it: the key
of a route is its description (DESIGN §1, ``routes:``), so the plan shows the change outside mgsync
and an update that writes the name back; apply sends it with a PUT and the lockfile is as it was.
Names that a description gives as import derives them ("/" as "-", ``<description>#<id>``) are no
change. Served emulator on 127.0.0.1, the real CLI. Before, the plan said "No changes" for ever."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "route-key"
MANIFEST = """\
version: 1
routes:
  support-inbox:
    priority: 10
    expression: match_recipient("support@mg.example.com")
    actions: [forward("https://app.example.com/in"), stop()]
"""


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, server.url, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def describe(url: str, description: str) -> None:
    """Change the one route's description as the dashboard would: a PUT of that field alone."""
    (route,) = httpx.get(f"{url}/v3/routes", auth=("api", KEY)).json()["items"]
    answer = httpx.put(f"{url}/v3/routes/{route['id']}", auth=("api", KEY), data={"description": description})
    assert answer.status_code == 200, answer.text


def live_descriptions(url: str) -> list[str]:
    return [r["description"] for r in httpx.get(f"{url}/v3/routes", auth=("api", KEY)).json()["items"]]


def test_a_description_changed_in_mailgun_is_shown_and_written_back(mailgun, tmp_path: Path) -> None:
    emu, url, env = mailgun
    (tmp_path / "routes.yaml").write_text(MANIFEST, encoding="utf-8")
    lockfile = tmp_path / "mgsync.lock"
    assert run("apply", "--yes", str(tmp_path), env=env).returncode == 0
    recorded = lockfile.read_bytes()

    describe(url, "Support (old team)")
    plan = run("plan", "--detailed-exitcode", str(tmp_path), env=env)
    assert plan.returncode == 2, plan.stderr
    assert "~ route:support-inbox" in plan.stdout
    assert 'description: "Support (old team)" -> "support-inbox"' in plan.stdout
    assert plan.stdout.split("\n\n")[2] == (
        "Changed outside mgsync since the last apply (drift):\n"
        "  ~ route:support-inbox\n"
        '      description: "support-inbox" -> "Support (old team)"'
    )
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.stdout

    emu.log.clear()
    applied = run("apply", "--yes", str(tmp_path), env=env)
    assert applied.returncode == 0, applied.stderr
    (put,) = [e for e in emu.log if e.method == "PUT"]
    assert put.path.startswith("/v3/routes/") and put.status == 200
    assert live_descriptions(url) == ["support-inbox"]
    assert run("plan", "--detailed-exitcode", str(tmp_path), env=env).returncode == 0
    assert lockfile.read_bytes() == recorded


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("ops/alerts", "ops-alerts"),  # "/" cannot be in a name: import writes "-"
        ("  padded  ", "padded"),  # surrounding spaces are dropped
    ],
)
def test_a_description_that_gives_the_name_is_no_change(mailgun, tmp_path: Path, description: str, name: str) -> None:
    _, url, env = mailgun
    route = {"priority": "1", "expression": "catch_all()", "action": "stop()", "description": description}
    assert httpx.post(f"{url}/v3/routes", auth=("api", KEY), data=route).status_code == 200
    imported = run("import", "--out", str(tmp_path / "mailgun"), env=env)
    assert imported.returncode == 0, imported.stderr
    assert f"  {name}:\n" in (tmp_path / "mailgun" / "routes.yaml").read_text(encoding="utf-8")
    plan = run("plan", "--detailed-exitcode", str(tmp_path / "mailgun"), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert live_descriptions(url) == [description]


def test_a_name_made_of_the_id_keeps_any_description(mailgun, tmp_path: Path) -> None:
    _, url, env = mailgun
    route = {"priority": "1", "expression": "catch_all()", "action": "stop()"}
    assert httpx.post(f"{url}/v3/routes", auth=("api", KEY), data=route).status_code == 200
    imported = run("import", "--out", str(tmp_path / "mailgun"), env=env)
    assert imported.returncode == 0, imported.stderr
    describe(url, "named later in the dashboard")
    plan = run("plan", "--detailed-exitcode", str(tmp_path / "mailgun"), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
